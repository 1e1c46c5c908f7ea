"""Search in a real browser: results follow the typing (HTMX, no page load), filters apply live, the URL follows."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import screenshot
from tests.server import LiveServer

EXPECTED_TITLES = {
    "零冗余": "ZeRO（零冗余优化器）系列技术是如何优化大规模分布式训练内存占用的？",
    "ZeRO": "请解释DeepSpeed中的ZeRO（Zero Redundancy Optimizer）技术。",
    "混合精度": "请说明DeepSpeed中的混合精度训练技术。",
    "LoRA": "LoRA（低秩自适应）是一种怎样的参数高效微调技术？",
}


def titles(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [text.strip() for text in page.locator(".search-hit-title").all_inner_texts()]


def type_query(page, query: str) -> None:  # type: ignore[no-untyped-def]
    """Clear the box and type like a person, then wait until the results region shows this query's results."""
    box = page.locator("#search-q")
    box.fill("")
    box.press_sequentially(query, delay=30)
    page.wait_for_function(
        "q => new URLSearchParams(location.search).get('q') === q"
        " && document.querySelector('#search-results[data-total]') !== null"
        " && !document.querySelector('.htmx-request')", arg=query, timeout=10_000)


def test_results_follow_the_typing(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/search")
    page.evaluate("window.__sameDocument = true")  # survives only if no full page load happens
    for query, expected in EXPECTED_TITLES.items():
        type_query(page, query)
        found = titles(page)
        assert any(title.startswith(expected) for title in found[:5]), (query, found[:5])
        assert page.locator(".search-hit mark").count() > 0
    assert page.evaluate("window.__sameDocument") is True
    assert parse_qs(urlparse(page.url).query)["q"] == ["LoRA"]
    screenshot(page, "search")


def test_short_terms_filters_and_history(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/search")
    type_query(page, "显存")
    every_kind = int(page.locator("#search-results").get_attribute("data-total"))
    assert every_kind > 5 and page.locator(".search-hit mark", has_text="显存").count() > 0
    with page.expect_response(lambda response: "/search?" in response.url and "kind=mcq" in response.url):
        page.select_option("select[name=kind]", "mcq")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    kinds = page.locator(".search-hit [data-kind]").evaluate_all("els => els.map(e => e.dataset.kind)")
    assert kinds and set(kinds) == {"mcq"}
    assert int(page.locator("#search-results").get_attribute("data-total")) < every_kind
    assert "kind=mcq" in page.url
    page.go_back()
    page.wait_for_function("() => !new URLSearchParams(location.search).get('kind')")
    page.reload()  # the pushed URL is a real page: it renders the same search without HTMX
    assert page.locator("#search-q").input_value() == "显存"
    assert int(page.locator("#search-results").get_attribute("data-total")) == every_kind


def test_the_form_works_without_javascript(live_server: LiveServer, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/search")
        page.fill("#search-q", "LoRA")
        page.select_option("select[name=kind]", "open")
        with page.expect_navigation():
            page.click(".search-box button[type=submit]")
        # both LoRA questions (the documents' and bank 005's parameter-count one) come before any QLoRA one
        assert any(title.startswith(EXPECTED_TITLES["LoRA"]) for title in titles(page)[:2]), titles(page)[:3]
        assert parse_qs(urlparse(page.url).query)["kind"] == ["open"]
    finally:
        context.close()


@pytest.mark.parametrize("width", [390])
def test_phone_width_has_no_horizontal_scroll(live_server: LiveServer, page, width: int) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_server.url + "/search?q=ZeRO")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "search-phone")
