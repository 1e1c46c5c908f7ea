"""Markdown to safe HTML: markdown-it-py with raw HTML off (the parser is the sanitiser).

On top of CommonMark: tables and strikethrough, Pygments highlighting of fenced code (class-based),
`$...$` / `$$...$$` math emitted as `\\(...\\)` / `\\[...\\]` for KaTeX in the page, links and images
limited to safe schemes, and a repair step for what the source documents' "almost Markdown" breaks:
bold markers next to full-width punctuation (CommonMark will not close `**答案：**后面`), HTML anchors,
the wrappers of `<details>` answers, and `<sup>`/`<sub>`/`<br>`, which would otherwise show as literal tags.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, unescapeAll
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup
from mdit_py_plugins.dollarmath import dollarmath_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from app.caches import on_content_change

# The repair step turns the few inline tags it trusts into private-use characters: inert text to the
# parser (so CommonMark's flanking rules cannot refuse them next to CJK punctuation) and put back as
# real elements after rendering, only where an opening and a closing marker pair up in the same element.
_TAGS = ("strong", "em", "sup", "sub")
_OPEN = {tag: chr(0xE010 + 2 * index) for index, tag in enumerate(_TAGS)}
_CLOSE = {tag: chr(0xE011 + 2 * index) for index, tag in enumerate(_TAGS)}
_BREAK = "\ue01e"
_STAND_IN = "\ue01f"  # holds the place of a code span or formula while the text around it is repaired
_MARKERS = "".join(_OPEN.values()) + "".join(_CLOSE.values()) + _BREAK + _STAND_IN
_MARKER_OF = {**{char: ("open", tag) for tag, char in _OPEN.items()},
              **{char: ("close", tag) for tag, char in _CLOSE.items()}}
_STRIP_MARKERS = {ord(char): None for char in _MARKERS}
_TAG_ALIASES = {"b": "strong", "i": "em"}

_PROTECTED = re.compile(r"(`+).+?\1|\$\$.+?\$\$|\$[^\s$](?:[^$]*?[^\s$\\])?\$", re.S)
_ANCHOR = re.compile(r"<a\s+(?:id|name)\s*=\s*['\"][^'\"\ue01f]*['\"]\s*/?>\s*(?:</a>)?", re.I)
_KEPT_TAG = re.compile(r"<(/?)(strong|b|em|i|sup|sub)(?:\s[^<>\ue01f]*)?>", re.I)
_BREAK_TAG = re.compile(r"<br\s*/?>", re.I)
_WRAPPER_TAG = re.compile(r"</?(?:details|summary|p|span|div|center|font)(?:\s[^<>\ue01f]*)?/?>", re.I)
_BOLD_MARK = re.compile(r"\*\*")
_HTML_PIECE = re.compile(r"(<[^>]*>)")
_MARKER_SPLIT = re.compile(f"([{_MARKERS}])")
_TAG_NAME = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")
_VOID = frozenset({"img", "br", "hr", "input"})

_SAFE_LINK = re.compile(r"^(?:https?:|mailto:|[#/?.]|[^:/?#]+(?:[/?#]|$))", re.I)
_SAFE_IMAGE = re.compile(r"^(?:https?:|[#/?.]|[^:/?#]+(?:[/?#]|$))", re.I)
_EXTERNAL = re.compile(r"^(?:https?:)?//", re.I)
_FORMATTER = HtmlFormatter(nowrap=True)


def _repair_text(text: str) -> str:
    text = _ANCHOR.sub("", text)
    text = _BREAK_TAG.sub(_BREAK, text)
    text = _KEPT_TAG.sub(lambda m: _marker(m.group(2), closing=bool(m.group(1))), text)
    text = _WRAPPER_TAG.sub("", text)
    return _pair_bold(text)


def _pair_bold(text: str) -> str:
    """Pair `**` left to right: an opener is followed by non-space, its closer is the next `**` after non-space.

    One pass, not a lazy regex: `**a **a **a …` never closes, and a regex would rescan the rest of the
    text from every opener (quadratic on a long answer).
    """
    out: list[str] = []
    done = 0
    opener: int | None = None
    for mark in _BOLD_MARK.finditer(text):
        start, end = mark.span()
        if opener is None:
            if end < len(text) and not text[end].isspace():
                opener = start
        elif start > opener + 2 and not text[start - 1].isspace():
            out += [text[done:opener], _OPEN["strong"], text[opener + 2:start], _CLOSE["strong"]]
            done, opener = end, None
    out.append(text[done:])
    return "".join(out)


def _marker(name: str, *, closing: bool) -> str:
    tag = _TAG_ALIASES.get(name.lower(), name.lower())
    return _CLOSE[tag] if closing else _OPEN[tag]


def _repair(text: str) -> str:
    """Repair one run of inline Markdown, leaving code spans and formulas exactly as written."""
    protected = [match.group(0) for match in _PROTECTED.finditer(text)]
    repaired = _repair_text(_PROTECTED.sub(_STAND_IN, text))
    pieces = iter(protected)
    return "".join(part + next(pieces, "") for part in repaired.split(_STAND_IN))


def _repair_rule(state: StateCore) -> None:
    # Runs after the block parser, so fenced and indented code never reach it: only inline runs do.
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "inline":
            continue
        token.content = _repair(token.content).strip()
        if token.content.translate(_STRIP_MARKERS).strip() or not 0 < index < len(tokens) - 1:
            continue
        # A line that held only an anchor or a <details> wrapper would leave an empty paragraph behind.
        if tokens[index - 1].type == "paragraph_open" and tokens[index + 1].type == "paragraph_close":
            tokens[index - 1].hidden = tokens[index + 1].hidden = True


def _restore_markers(html: str) -> str:
    """Turn paired markers back into elements; a marker whose partner is in another element is dropped."""
    out: list[str] = []
    elements: list[str] = []
    pending: list[tuple[str, int, int]] = []  # (tag, element depth, slot in out)
    for piece in _HTML_PIECE.split(html):
        if piece.startswith("<"):
            out.append(piece.translate(_STRIP_MARKERS))
            _track_element(piece, elements, pending)
            continue
        for char in _MARKER_SPLIT.split(piece):
            if char == _BREAK:
                out.append("<br>")
            elif char in _MARKER_OF:
                _pair_marker(char, out, elements, pending)
            elif char and char != _STAND_IN:
                out.append(char)
    return "".join(out)


def _track_element(tag_html: str, elements: list[str], pending: list[tuple[str, int, int]]) -> None:
    match = _TAG_NAME.match(tag_html)
    if not match or match.group(2).lower() in _VOID or tag_html.endswith("/>"):
        return
    name = match.group(2).lower()
    if not match.group(1):
        elements.append(name)
        return
    while elements and elements.pop() != name:
        pass
    while pending and pending[-1][1] > len(elements):
        pending.pop()  # its element closed before the partner came: the marker stays an empty slot


def _pair_marker(char: str, out: list[str], elements: list[str], pending: list[tuple[str, int, int]]) -> None:
    role, tag = _MARKER_OF[char]
    if role == "open":
        pending.append((tag, len(elements), len(out)))
        out.append("")
    elif pending and pending[-1][0] == tag and pending[-1][1] == len(elements):
        _, _, slot = pending.pop()
        out[slot] = f"<{tag}>"
        out.append(f"</{tag}>")


@lru_cache(maxsize=128)
def _lexer(language: str) -> Lexer | None:
    try:
        return get_lexer_by_name(language) if language else None
    except ClassNotFound:
        return None


def _fence(renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    info = unescapeAll(token.info).strip() if token.info else ""
    language = info.split(maxsplit=1)[0] if info else ""
    lexer = _lexer(language)
    if lexer is None:
        return RendererHTML.fence(renderer, tokens, idx, options, env)  # plain, escaped code
    code = highlight(token.content, lexer, _FORMATTER)
    return f'<div class="highlight"><pre><code class="language-{escapeHtml(language)}">{code}</code></pre></div>\n'


def _math(content: str, options: dict[str, Any]) -> str:
    if options.get("display_mode"):
        return f"\\[{escapeHtml(content)}\\]"
    return f"\\({escapeHtml(content)}\\)"


def _math_inline_double(renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict,
                        env: EnvType) -> str:
    # dollarmath writes a <div> here, which would break the surrounding <p> apart.
    return f'<span class="math display">{_math(tokens[idx].content.strip(), {"display_mode": True})}</span>'


def _link_open(renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    if _EXTERNAL.match(str(token.attrGet("href") or "")):
        # A new tab keeps the learner's place in a review; rel keeps the other site away from this one.
        token.attrSet("target", "_blank")
        token.attrSet("rel", "noopener noreferrer nofollow")
    return renderer.renderToken(tokens, idx, options, env)


def _image(renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    if not _SAFE_IMAGE.match(str(token.attrGet("src") or "").strip()):
        return escapeHtml(renderer.renderInlineAsText(token.children or [], options, env))
    token.attrSet("loading", "lazy")
    return RendererHTML.image(renderer, tokens, idx, options, env)


class _SafeMarkdown(MarkdownIt):
    def validateLink(self, url: str) -> bool:
        """Keep http(s), mailto and relative links; drop javascript:, vbscript:, data: and every other scheme."""
        return bool(_SAFE_LINK.match(url.strip()))


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = _SafeMarkdown("commonmark", {"html": False}).enable(["table", "strikethrough"])
    dollarmath_plugin(md, allow_labels=False, allow_space=False, allow_digits=False, double_inline=True,
                      renderer=_math)
    md.core.ruler.after("block", "preplab_repair", _repair_rule)
    md.add_render_rule("fence", _fence)
    md.add_render_rule("math_inline_double", _math_inline_double)
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("image", _image)
    return md


# Rendered HTML is cached by the text itself (content-addressed: an edited question is a new key, so nothing is
# ever stale and every worker agrees); pages render the same bank text on every request otherwise. Bounded in
# entries, and texts past CACHED_MAX_CHARS (a long note) are rendered each time rather than kept.
RENDER_CACHE_ENTRIES = 8192
CACHED_MAX_CHARS = 64 * 1024


@lru_cache(maxsize=RENDER_CACHE_ENTRIES)
def _block_html(text: str) -> Markup:
    return Markup(_restore_markers(_parser().render(text.translate(_STRIP_MARKERS))))


@lru_cache(maxsize=RENDER_CACHE_ENTRIES)
def _inline_html(text: str) -> Markup:
    return Markup(_restore_markers(_parser().renderInline(text.translate(_STRIP_MARKERS))))


def render_markdown(text: str | None) -> Markup:
    """Render Markdown to HTML that is safe to put in a page (callers wrap it in an element of class "markdown")."""
    source = text or ""
    return _block_html(source) if len(source) <= CACHED_MAX_CHARS else _block_html.__wrapped__(source)


def render_inline(text: str | None) -> Markup:
    """Render one line of Markdown (a title, a choice) without a paragraph around it."""
    source = text or ""
    return _inline_html(source) if len(source) <= CACHED_MAX_CHARS else _inline_html.__wrapped__(source)


def pygments_css(style: str, scope: str) -> str:
    """Token colours of one Pygments style under a selector; the style's background and line rules are left out."""
    rules = []
    for line in HtmlFormatter(style=style).get_style_defs(scope).splitlines():
        if line.startswith(scope + " {"):
            line = re.sub(r"background: [^;}]+;?\s*", "", line)
        if line.startswith(scope) and not line.endswith("{ }"):
            rules.append(line)
    return "\n".join(rules)


def token_css(light: str = "default", dark: str = "github-dark") -> str:
    """The token-colour part of static/css/markdown.css: light, dark by choice, dark by the system's preference."""
    scope = ".markdown .highlight"
    chosen, preferred = ':root[data-theme="dark"] ' + scope, ':root:not([data-theme="light"]) ' + scope
    # Dark rules reset every token first: a class the light style colours and the dark style does not
    # would otherwise keep its light colour on a dark background.
    reset = "span { color: inherit; font-weight: inherit; font-style: inherit; }"
    return "\n".join([
        pygments_css(light, scope),
        f"{chosen} {reset}",
        pygments_css(dark, chosen),
        "@media (prefers-color-scheme: dark) {",
        f"{preferred} {reset}",
        pygments_css(dark, preferred),
        "}",
    ]) + "\n"


# Keyed by the text itself, so never wrong; emptied at an import all the same, to free what old content held.
on_content_change(_block_html.cache_clear)
on_content_change(_inline_html.cache_clear)
