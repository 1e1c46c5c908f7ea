"""Markdown to safe HTML: markdown-it-py with raw HTML off (the parser is the sanitiser).

On top of CommonMark: tables and strikethrough, Pygments highlighting of fenced code (class-based),
`$...$` / `$$...$$` math passed through untouched for KaTeX in the page, links limited to safe schemes,
and a pre-pass that repairs what the source documents' "almost Markdown" breaks: bold markers next to
full-width punctuation (CommonMark will not close `**答案：**后面`), HTML anchors and the wrappers of
`<details>` answers, which would otherwise show as literal tags.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup
from mdit_py_plugins.dollarmath import dollarmath_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

# Private-use characters stand in for <strong> while the text goes through the parser: they are inert
# text to it, so the pairing is decided here and the parser cannot refuse it next to CJK punctuation.
_BOLD_OPEN, _BOLD_CLOSE = "\ue010", "\ue011"
_BOLD_PAIR = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_INLINE_CODE = re.compile(r"(`+)(?:.+?)\1")
_ANCHOR = re.compile(r"<a\s+(?:id|name)\s*=\s*['\"][^'\"]*['\"]\s*>\s*</a>", re.I)
_WRAPPER_TAG = re.compile(r"</?(?:details|summary|p|strong|b|em|i|span|div|center|font)\b[^>]*>", re.I)
_BREAK_TAG = re.compile(r"<br\s*/?>", re.I)
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_SAFE_URL = re.compile(r"^(?:https?:|mailto:|#|/|\./|\.\./|[^:/?#]+(?:[/?#]|$))", re.I)
_FORMATTER = HtmlFormatter(nowrap=True)


def _repair_line(line: str) -> str:
    parts = _INLINE_CODE.split(line)
    codes = [m.group(0) for m in _INLINE_CODE.finditer(line)]
    # split() with one group returns [text, fence, text, fence, ...]; rebuild with code spans untouched
    texts = parts[0::2]
    repaired = []
    for index, text in enumerate(texts):
        text = _ANCHOR.sub("", text)
        text = _BREAK_TAG.sub("  \n", text)
        text = _WRAPPER_TAG.sub("", text)
        text = _BOLD_PAIR.sub(lambda m: f"{_BOLD_OPEN}{m.group(1)}{_BOLD_CLOSE}", text)
        repaired.append(text)
        if index < len(codes):
            repaired.append(codes[index])
    return "".join(repaired)


def repair(text: str) -> str:
    """Fix the source documents' broken Markdown outside code: bold pairs, anchors, HTML wrappers."""
    lines = []
    fence: str | None = None
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if fence is not None:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
            lines.append(line)
        elif match:
            fence = match.group(1)
            lines.append(line)
        else:
            lines.append(_repair_line(line))
    return "\n".join(lines)


def _highlight(code: str, language: str, _attrs: str) -> str:
    try:
        lexer = get_lexer_by_name(language.strip().split()[0]) if language.strip() else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return ""  # markdown-it escapes the code itself
    return highlight(code, lexer, _FORMATTER)


def _math(content: str, options: dict[str, Any]) -> str:
    if options.get("display_mode"):
        return f"\\[{escape(content, quote=False)}\\]"
    return f"\\({escape(content, quote=False)}\\)"


def _validate_link(url: str) -> bool:
    return bool(_SAFE_URL.match(url.strip()))


def _link_open(renderer: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    href = tokens[idx].attrGet("href") or ""
    if href.startswith(("http://", "https://")):
        tokens[idx].attrSet("rel", "noopener noreferrer nofollow")
    return renderer.renderToken(tokens, idx, options, env)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "highlight": _highlight}).enable(["table", "strikethrough"])
    dollarmath_plugin(md, allow_space=False, allow_digits=False, double_inline=True, renderer=_math)
    md.validateLink = _validate_link
    md.add_render_rule("link_open", _link_open)
    return md


def _restore_bold(html: str) -> str:
    # A marker whose partner ended up in another element (e.g. across a link) is dropped, not left open.
    pieces = re.split(f"({_BOLD_OPEN}.*?{_BOLD_CLOSE})", html, flags=re.S)
    out = []
    for piece in pieces:
        if piece.startswith(_BOLD_OPEN) and piece.endswith(_BOLD_CLOSE) and "<" not in piece:
            out.append(f"<strong>{piece[1:-1]}</strong>")
        else:
            out.append(piece.replace(_BOLD_OPEN, "").replace(_BOLD_CLOSE, ""))
    return "".join(out)


def render_markdown(text: str | None) -> Markup:
    """Render Markdown to HTML that is safe to insert into a page (wrap it in an element of class "markdown")."""
    return Markup(_restore_bold(_parser().render(repair(text or ""))))


def render_inline(text: str | None) -> Markup:
    """Render one line of Markdown (a title) without a paragraph around it."""
    return Markup(_restore_bold(_parser().renderInline(repair(text or ""))))


def pygments_css(style: str, scope: str) -> str:
    """Token colours for highlighted code, scoped under a selector (used to write static/css/markdown.css)."""
    return HtmlFormatter(style=style).get_style_defs(scope)
