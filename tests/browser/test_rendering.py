"""Rendered Markdown in a real browser: untrusted bank text stays inert; formulas, code and tables render."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.content.service import import_paths
from app.db import make_engine
from app.settings import Settings
from tests.backends import copy_database, database_url
from tests.browser.conftest import screenshot
from tests.conftest import CONTENT, DATA
from tests.server import LiveServer

PROBES = DATA / "render"
XSS_PAGES = ("/questions/q-xss-probe?reveal=1", "/questions/q-xss-choices?reveal=1", "/search?q=渲染安全测试",
             "/search?q=选择题也不能执行脚本")


@pytest.fixture(scope="module")
def probe_server(tmp_path_factory: pytest.TempPathFactory, template_database: Path) -> Iterator[LiveServer]:
    """The real content plus the probe banks of tests/data/render, served by a real `preplab serve`."""
    database = tmp_path_factory.mktemp("render") / "probe.db"
    copy_database(template_database, database)
    engine = make_engine(database_url(database))
    report = import_paths(engine, sorted(PROBES.glob("*.md")), settings=Settings(content_dir=CONTENT))
    engine.dispose()
    assert (report.added, report.retired) == (3, 0), report
    server = LiveServer(database=database).start()
    yield server
    server.stop()


def _try_to_trigger(page) -> None:  # type: ignore[no-untyped-def]
    """Do what a curious learner would: click every link in the rendered text and hover over everything."""
    for element in page.locator(".markdown a, .markdown img, .markdown svg, .markdown div").all():
        if element.is_visible():
            element.hover()
    for link in page.locator(".markdown a").all():
        if link.is_visible():
            link.click(no_wait_after=True, modifiers=[])
    page.wait_for_timeout(300)


@pytest.mark.parametrize("path", XSS_PAGES)
def test_script_links_and_handlers_in_a_bank_stay_inert(probe_server: LiveServer, page, path: str) -> None:  # type: ignore[no-untyped-def]
    response = page.goto(probe_server.url + path)
    assert response is not None and response.ok, path
    page.wait_for_load_state("networkidle")
    _try_to_trigger(page)
    assert page.dialogs == [], page.dialogs
    if page.url.startswith(probe_server.url):  # a click may only have followed a safe, same-site link
        assert page.evaluate("window.__xss") is None
        assert page.locator("script:not([src])").count() == 0
        assert page.locator("main iframe, main svg, main img[onerror], main object, main style").count() == 0
        assert page.locator("main [onclick], main [onload], main [onerror], main [onmouseover]").count() == 0
    for href in page.eval_on_selector_all("a[href]", "links => links.map(link => link.getAttribute('href'))"):
        assert not href.strip().lower().startswith(("javascript:", "vbscript:", "data:")), href


def test_payloads_show_as_text(probe_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(probe_server.url + "/questions/q-xss-probe?reveal=1")
    text = page.inner_text("main")
    assert "<script>window.__xss = 1; alert(1)</script>" in text
    assert '<img src=x onerror="window.__xss=1;alert(3)">' in text
    assert "危险链接" in text and "点我" in text
    assert page.locator("main code", has_text="<script>alert(7)</script>").count() == 1
    page.goto(probe_server.url + "/questions/q-xss-choices?reveal=1")
    assert "<script>window.__xss = 1</script>" in page.inner_text("main")


def test_formulas_code_and_tables_render(probe_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(probe_server.url + "/questions/q-render-typography?reveal=1")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("document.querySelectorAll('.markdown .katex').length >= 4")
    assert page.locator(".markdown .math.block .katex-display").count() == 1
    assert page.locator(".markdown .katex-error").count() == 0
    currency = page.locator(".markdown li", has_text="的差价不是公式")
    assert "$5 和 $10" in currency.inner_text() and currency.locator(".katex").count() == 0
    assert page.locator(".markdown strong", has_text=re.compile("^答案：$")).count() == 1
    assert page.locator(".markdown strong", has_text="PipeLin").count() == 1
    assert page.locator(".markdown sub", has_text="k").count() == 1 and page.locator(".markdown sup").count() == 1
    assert page.locator(".markdown .highlight .kn", has_text="import").count() == 1
    assert "<b>纯文本代码</b>" in page.locator(".markdown pre").nth(1).inner_text()
    assert page.locator(".markdown table td br").count() == 1
    main_text = page.evaluate("""() => { const main = document.querySelector('main').cloneNode(true);
        main.querySelectorAll('pre, code').forEach(code => code.remove()); return main.textContent; }""")
    assert "**" not in main_text and "<details>" not in main_text and "<a id=" not in main_text
    screenshot(page, "rendering")


def test_code_colours_follow_the_dark_theme(probe_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.emulate_media(color_scheme="dark")
    page.goto(probe_server.url + "/questions/q-render-typography?reveal=1")
    keyword = page.locator(".markdown .highlight .kn").first
    dark = keyword.evaluate("element => getComputedStyle(element).color")
    page.emulate_media(color_scheme="light")
    light = keyword.evaluate("element => getComputedStyle(element).color")
    assert dark != light
    page.emulate_media(color_scheme="dark")
    screenshot(page, "rendering-dark")


def test_a_narrow_screen_scrolls_tables_and_code_inside_the_answer(probe_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(probe_server.url + "/questions/q-render-typography?reveal=1")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "rendering-phone")
