"""Rendering: safe by construction, faithful to the documents' almost-Markdown, math left for KaTeX."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser

import pytest

from app.render import pygments_css, render_inline, render_markdown
from app.settings import PROJECT_ROOT

PAYLOADS = [
    "<script>window.__xss = 1; alert(1)</script>",
    "[点我](javascript:alert(1))",
    "[点我](JaVaScRiPt:alert(1))",
    "[点我](  javascript:alert(1))",
    "[点我](&#106;avascript:alert(1))",
    "[点我](java&#09;script:alert(1))",
    "[点我](vbscript:msgbox(1))",
    "[点我](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](<javascript:alert(1)>)",
    "<javascript:alert(1)>",
    "[引用][1]\n\n[1]: javascript:alert(1)",
    "![图](javascript:alert(1))",
    "![图](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '<img src=x onerror="alert(1)">',
    '<a href="#" onclick="alert(1)">链接</a>',
    '<a href="javascript:alert(1)">链接</a>',
    '<iframe src="https://example.com"></iframe>',
    "<svg onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">块</div>',
    "<details><summary>x</summary><script>alert(1)</script></details>",
    '<strong onclick="alert(1)">粗</strong> <sup onmouseover="alert(1)">2</sup>',
    "<style>body{display:none}</style><object data=x></object><embed src=x><form action=x><math><mi>x</mi></math>",
    '| a |\n| - |\n| <img src=x onerror=alert(1)> [x](javascript:alert(1)) |',
    '$x<img src=x onerror=alert(1)>$ 和 $$</span><script>alert(1)</script>$$',
    '```"><script>alert(1)</script>\ncode\n```',
    "\ue010<script>\ue011 伪造的标记",
]
FORBIDDEN_TAGS = {"script", "iframe", "svg", "img", "object", "embed", "style", "form", "math", "base", "link", "meta"}


class _Audit(HTMLParser):
    """Collects every tag, attribute and text run so tests assert on the parsed HTML, not on strings."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((name, value or "") for name, value in attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def audit(html: str) -> _Audit:
    parser = _Audit()
    parser.feed(html)
    parser.close()
    return parser


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("render", [render_markdown, render_inline])
def test_payloads_render_inert(payload: str, render) -> None:  # type: ignore[no-untyped-def]
    found = audit(str(render(payload)))
    assert not FORBIDDEN_TAGS & set(found.tags)
    assert not [name for name, _ in found.attributes if name.startswith("on") or name == "style"]
    for name, value in found.attributes:
        if name in {"href", "src", "action", "data"}:
            assert not re.match(r"\s*(javascript|vbscript|data):", value, re.I), value


def test_payload_text_stays_visible_as_text() -> None:
    found = audit(str(render_markdown("看看：<script>alert(1)</script> 和 <img src=x onerror=alert(2)>")))
    assert "".join(found.text).strip() == "看看：<script>alert(1)</script> 和 <img src=x onerror=alert(2)>"


def test_safe_links_and_images_are_kept() -> None:
    html = str(render_markdown("[论文](https://arxiv.org/abs/1910.02054) [锚](#zero) [相对](../x.md) "
                               "[信](mailto:a@b.cn) ![图](/static/x.png) ![外](https://a.cn/y.png)"))
    links = re.findall(r"<a [^>]*>", html)
    assert links[0] == ('<a href="https://arxiv.org/abs/1910.02054" target="_blank" '
                        'rel="noopener noreferrer nofollow">')
    assert links[1:] == ['<a href="#zero">', '<a href="../x.md">', '<a href="mailto:a@b.cn">']
    found = audit(html)
    assert ("src", "/static/x.png") in found.attributes and ("src", "https://a.cn/y.png") in found.attributes
    assert ("loading", "lazy") in found.attributes


def test_images_accept_only_http_and_relative_sources() -> None:
    html = str(render_markdown("![邮件图](mailto:a@b.cn) ![伪协议](javascript:alert(1))"))
    assert "<img" not in html
    assert "邮件图" in html


@pytest.mark.parametrize(("text", "expected"), [
    ("**答案：**后面的内容", "<strong>答案：</strong>后面的内容"),
    ("前面**“引号”**后面", "前面<strong>“引号”</strong>后面"),
    ("- **PipeLin**e**ing**：流水线", "<strong>PipeLin</strong>e<strong>ing</strong>：流水线"),
    ("**答案**：B", "<strong>答案</strong>：B"),
    ("通过**子词词元化（Subword Tokenization）**技术", "通过<strong>子词词元化（Subword Tokenization）</strong>技术"),
    ("**[论文](https://a.cn)**：见此", '<strong><a href="https://a.cn" target="_blank" '
                                   'rel="noopener noreferrer nofollow">论文</a></strong>：见此'),
    ("加粗 **`code`**：说明", "加粗 <strong><code>code</code></strong>：说明"),
])
def test_bold_next_to_full_width_punctuation_renders(text: str, expected: str) -> None:
    html = str(render_markdown(text))
    assert expected in html
    assert "**" not in html


def test_inline_html_the_documents_use_becomes_real_elements() -> None:
    html = str(render_markdown("权重 W<sup>Q</sup>，维度 d<sub>k</sub>，<b>粗</b><i>斜</i>"))
    assert "W<sup>Q</sup>" in html and "d<sub>k</sub>" in html and "<strong>粗</strong><em>斜</em>" in html
    table = str(render_markdown("| a | b |\n| - | - |\n| 第一行<br>第二行 | x |"))
    assert "<td>第一行<br>第二行</td>" in table


def test_unpaired_markers_are_dropped_not_left_open() -> None:
    html = str(render_markdown("<strong>\n\n正确答案: B</strong> 和 <sup>未闭合"))
    assert audit(html).tags.count("strong") == 0 and "sup" not in audit(html).tags
    assert "正确答案: B" in html and "未闭合" in html


def test_code_is_left_alone_and_highlighted() -> None:
    html = str(render_markdown("`**不是粗体**`\n\n```python\nimport torch  # **x**\n```\n\n```\n<b>plain</b>\n```"
                               "\n\n```nosuchlanguage\n<i>x</i>\n```\n\n    indented **code** <sup>2</sup>"))
    assert "<code>**不是粗体**</code>" in html
    assert '<div class="highlight"><pre><code class="language-python"><span class="kn">import</span>' in html
    assert "# **x**" in html
    assert "<pre><code>&lt;b&gt;plain&lt;/b&gt;\n</code></pre>" in html
    assert '<pre><code class="language-nosuchlanguage">&lt;i&gt;x&lt;/i&gt;\n</code></pre>' in html
    assert "<pre><code>indented **code** &lt;sup&gt;2&lt;/sup&gt;\n</code></pre>" in html


def test_math_is_kept_for_katex_and_currency_is_not_math() -> None:
    text = ("显存 $M = (2+2+K)\\Psi$，其中 $K_{adam} = 12$ 与 $a_1 * b_1 * c$ **加粗**。\n\n"
            "$$\n\\frac{a*b}{c_1} < d\n$$\n\n行内 $$x_i$$ 公式\n\n价格 $5 和 $10")
    html = str(render_markdown(text))
    assert '<span class="math inline">\\(M = (2+2+K)\\Psi\\)</span>' in html
    assert "\\(K_{adam} = 12\\)" in html and "\\(a_1 * b_1 * c\\)" in html
    assert "<em>" not in html and "<strong>加粗</strong>" in html
    assert '<div class="math block">\n\\[\\frac{a*b}{c_1} &lt; d\\]\n</div>' in html
    assert '<span class="math display">\\[x_i\\]</span>' in html
    assert "价格 $5 和 $10" in html


def test_anchors_and_details_wrappers_disappear() -> None:
    html = str(render_markdown("<a id='数据采集'></a>\n#### 标题\n\n<details>\n<summary>点击查看答案</summary>\n"
                               "<p><strong>\n\n正确答案: B. 删除</strong></p>\n</details>"))
    html = re.sub(r"\s+<", "<", html)
    assert "&lt;" not in html and "<a" not in html and "<p></p>" not in html
    assert "<h4>标题</h4>" in html and "<p>点击查看答案</p>" in html and "<p>正确答案: B. 删除</p>" in html


def test_inline_rendering_has_no_paragraph() -> None:
    assert str(render_inline("什么是 **ZeRO**？")) == "什么是 <strong>ZeRO</strong>？"
    assert str(render_inline("显存 $\\Psi$")) == '显存 <span class="math inline">\\(\\Psi\\)</span>'
    assert str(render_inline(None)) == "" and str(render_markdown(None)) == ""


@pytest.mark.parametrize("text", [
    "**a " * 25_000, "a** " * 25_000, "$a " * 25_000, "<sup " * 20_000, "<a id='x" * 12_000,
    "".join("`" * (index % 7 + 1) + "a" for index in range(20_000)),
], ids=["openers", "closers", "dollars", "tags", "anchors", "backticks"])
def test_hostile_text_renders_in_linear_time(text: str) -> None:
    started = time.process_time()  # CPU, not wall time: a loaded machine slows the clock on the wall, not the work
    render_markdown(text)
    assert time.process_time() - started < 3.0


def test_pygments_rules_stay_inside_their_scope() -> None:
    rules = pygments_css("github-dark", ".x .highlight").splitlines()
    assert rules and all(rule.startswith(".x .highlight") for rule in rules)
    assert not [rule for rule in rules if rule.startswith(".x .highlight {") and "background" in rule]


def test_the_shipped_stylesheet_has_token_colours_for_both_themes() -> None:
    css = (PROJECT_ROOT / "static/css/markdown.css").read_text(encoding="utf-8")
    for scope in (".markdown .highlight", ':root[data-theme="dark"] .markdown .highlight',
                  ':root:not([data-theme="light"]) .markdown .highlight'):
        for token in (".k ", ".s ", ".c ", ".nf "):
            assert f"\n{scope} {token}" in css, (scope, token)
    dark_by_preference = css.split("@media (prefers-color-scheme: dark) {")[-1]
    assert ':root:not([data-theme="light"]) .markdown .highlight .k ' in dark_by_preference
    assert not re.search(r"^(pre|td|span)[\s.{]", css, re.M), "an unscoped Pygments rule leaked into the stylesheet"


def test_templates_have_both_filters() -> None:
    from app.templating import templates

    page = templates.env.from_string("<h1>{{ title | markdown_inline }}</h1>"
                                     "<div class='markdown'>{{ body | markdown }}</div>")
    html = page.render(title="什么是 **ZeRO**？<script>x</script>", body="**答案：**见下")
    assert html == ("<h1>什么是 <strong>ZeRO</strong>？&lt;script&gt;x&lt;/script&gt;</h1>"
                    "<div class='markdown'><p><strong>答案：</strong>见下</p>\n</div>")
