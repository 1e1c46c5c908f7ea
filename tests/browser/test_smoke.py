"""The shell every page shares: navigation, vendored scripts served locally, the theme toggle."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.server import LiveServer


@pytest.mark.presentation
def test_home_page_loads_its_scripts_from_the_app_only(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(live_server.url + "/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("typeof window.katex") == "object"
    assert requested and all(url.startswith(live_server.url) for url in requested), requested
    assert page.locator("[data-bank-id]").count() >= 5
    screenshot(page, "home")


def test_theme_toggle_switches_and_persists(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/")
    before = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.wait_for_selector("html[data-app=ready]", state="attached")  # the toggle's module has run
    with page.expect_response("**/settings/theme") as saved:  # stored before the reload asks for the page again
        page.click("[data-theme-toggle]")
    assert saved.value.ok
    page.wait_for_timeout(300)  # the colours' transition
    after = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert after != before
    page.reload()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == after
