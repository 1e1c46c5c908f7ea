"""Rendering: safe by construction, faithful to the documents' almost-Markdown, math left for KaTeX."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from app.content.pipeline import load_content
from app.render import render_inline, render_markdown
from app.settings import PROJECT_ROOT

CONTENT = PROJECT_ROOT / "content"

PAYLOADS = [
    "<script>window.__xss = 1; alert(1)</script>",
    "[点我](javascript:alert(1))",
    "[点我](JaVaScRiPt:alert(1))",
    "[点我](vbscript:msgbox(1))",
    "![图](javascript:alert(1))",
    "![图](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<img src=x onerror="alert(1)">',
    '<a href="#" onclick="alert(1)">链接</a>',
    '<iframe src="https://example.com"></iframe>',
    "<svg onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">块</div>',
    "<details><summary>x</summary><script>alert(1)</script></details>",
    "[x](<javascript:alert(1)>)",
]


class _Audit(HTMLParser):
    """Collects every tag and attribute so tests can assert on the parsed HTML, not on strings."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((name, value or "") for name, value in attrs)


def audit(html: str) -> _Audit:
    parser = _Audit()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_render_inert(payload: str) -> None:
    found = audit(str(render_markdown(payload)))
    assert not {"script", "iframe", "svg", "img", "object", "embed", "style"} & set(found.tags)
    assert not [name for name, _ in found.attributes if name.startswith("on") or name == "style"]
    for name, value in found.attributes:
        if name in {"href", "src"}:
            assert not re.match(r"\s*(javascript|vbscript|data):", value, re.I), value


def test_safe_links_and_images_are_kept() -> None:
    found = audit(str(render_markdown("[论文](https://arxiv.org/abs/1910.02054) ![图](/static/x.png) [锚](#zero)")))
    hrefs = [value for name, value in found.attributes if name == "href"]
    assert hrefs == ["https://arxiv.org/abs/1910.02054", "#zero"]
    assert ("src", "/static/x.png") in found.attributes
    assert ("rel", "noopener noreferrer nofollow") in found.attributes


@pytest.mark.parametrize(("text", "bold"), [
    ("**答案：**后面的内容", "答案："),
    ("前面**“引号”**后面", "“引号”"),
    ("- **PipeLin**e**ing**：流水线", "PipeLin"),
    ("**答案**：B", "答案"),
])
def test_bold_next_to_full_width_punctuation_renders(text: str, bold: str) -> None:
    html = str(render_markdown(text))
    assert f"<strong>{bold}</strong>" in html
    assert "**" not in html


def test_code_is_left_alone_and_highlighted() -> None:
    html = str(render_markdown("`**不是粗体**`\n\n```python\nimport torch  # **x**\n```\n\n```\n<b>plain</b>\n```"))
    assert "<code>**不是粗体**</code>" in html
    assert '<span class="kn">import</span>' in html and "# **x**" in html
    assert "&lt;b&gt;plain&lt;/b&gt;" in html


def test_math_is_kept_for_katex_and_currency_is_not_math() -> None:
    text = "显存 $M = (2+2+K)\\Psi$，其中 $K_{adam} = 12$。\n\n$$\n\\frac{a*b}{c_1}\n$$\n\n价格 $5 和 $10"
    html = str(render_markdown(text))
    assert '<span class="math inline">\\(M = (2+2+K)\\Psi\\)</span>' in html
    assert "\\(K_{adam} = 12\\)" in html and "<em>" not in html
    assert '<div class="math block">' in html and "\\frac{a*b}{c_1}" in html
    assert "价格 $5 和 $10" in html


def test_anchors_and_details_wrappers_disappear() -> None:
    html = str(render_markdown("<a id='数据采集'></a>\n#### 标题\n\n<details>\n<summary>点击查看答案</summary>\n"
                               "<p><strong>\n\n正确答案: B. 删除</strong></p>\n</details>"))
    assert "&lt;" not in html and "<a" not in html
    assert "正确答案: B. 删除" in html and "点击查看答案" in html


def test_inline_rendering_has_no_paragraph() -> None:
    assert str(render_inline("什么是 **ZeRO**？")) == "什么是 <strong>ZeRO</strong>？"


def _all_texts() -> list[str]:
    content = load_content([CONTENT], concepts_path=CONTENT / "concepts.yaml")
    texts = []
    for _bank, question in content.questions:
        texts += [question.prompt, question.answer, question.explanation, *question.key_points]
        texts += [alternate.answer for alternate in question.alternates]
    return [text for text in texts if text]


def _outside_code(html: str) -> str:
    return re.sub(r"<(pre|code)[^>]*>.*?</\1>", "", html, flags=re.S)


def test_every_text_of_the_banks_renders_clean_and_fast() -> None:
    texts = _all_texts()
    started = time.perf_counter()
    rendered = [str(render_markdown(text)) for text in texts]
    elapsed = time.perf_counter() - started
    assert len(texts) > 400
    assert elapsed < 1.0, f"rendering {len(texts)} texts took {elapsed:.2f}s"
    for text, html in zip(texts, rendered, strict=True):
        visible = _outside_code(html)
        assert "**" not in visible, (text[:80], visible[:300])
        assert "&lt;details" not in visible and "&lt;a id" not in visible, text[:80]


def test_the_shipped_stylesheet_has_token_colours_for_both_themes() -> None:
    css = (Path(__file__).resolve().parents[2] / "static/css/markdown.css").read_text(encoding="utf-8")
    assert ".markdown pre code .k " in css and ':root[data-theme="dark"] .markdown pre code .k ' in css
