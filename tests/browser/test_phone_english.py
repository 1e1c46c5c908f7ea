"""On a 390×844 phone, one-handed: the dashboard's, the quiz's and the mock round's main buttons sit in the lower
half of the screen and nothing scrolls sideways; the site can be added to the home screen (manifest, icons). And
English mode in a real browser: switched from the header, every main page without stray Chinese UI text."""

from __future__ import annotations

import re

from tests.backends import database_url
from tests.browser.conftest import screenshot
from tests.server import LiveServer
from tests.test_english import corpus, stray_chinese

PHONE = {"width": 390, "height": 844}


def in_thumb_reach(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    assert box["y"] >= PHONE["height"] / 2 and box["y"] + box["height"] <= PHONE["height"], (selector, box)
    assert box["height"] >= 40, (selector, box)  # a thumb-sized target


def no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_one_handed_on_a_phone(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/")
    no_sideways_scroll(page)
    in_thumb_reach(page, ".study-dashboard .actions .button.primary")
    screenshot(page, "dashboard-phone")

    page.goto(live_server.url + "/quiz")
    page.locator("input[name=mix_mcq]").fill("2")
    page.locator("input[name=mix_open]").fill("0")
    page.locator("input[name=mix_code]").fill("0")
    page.get_by_test_id("quiz-start").click()
    page.wait_for_url(re.compile(r"/quiz/\d+/1$"))
    no_sideways_scroll(page)
    in_thumb_reach(page, ".quiz-nav [data-testid=quiz-next]")
    screenshot(page, "quiz-phone")

    page.goto(live_server.url + "/mock")
    no_sideways_scroll(page)
    form = page.get_by_test_id("mock-setup")
    form.locator("input[name=count]").fill("2")
    form.locator("input[name=mix_open]").fill("2")
    page.get_by_test_id("mock-start").click()
    page.wait_for_url(re.compile(r"/mock/\d+"))
    no_sideways_scroll(page)
    in_thumb_reach(page, "form.mock-question:not([hidden]) [data-testid=mock-next]")
    assert page.get_by_test_id("mock-clock").is_visible()
    screenshot(page, "mock-round-phone")

    manifest_url = page.locator("link[rel=manifest]").get_attribute("href")
    assert manifest_url
    manifest = page.request.get(manifest_url)
    assert manifest.ok and "manifest" in manifest.headers["content-type"]
    body = manifest.json()
    assert body["display"] == "standalone" and body["start_url"] == "/"
    sizes = {icon["sizes"] for icon in body["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in body["icons"]:
        fetched = page.request.get(live_server.url + icon["src"])
        assert fetched.ok and fetched.body()[:8] == b"\x89PNG\r\n\x1a\n"


def test_english_mode_in_the_browser(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(live_server.url + "/")
    page.get_by_test_id("lang-switch").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    content = corpus(database_url(live_server.database))
    stray: dict[str, list[str]] = {}
    for path in ("/", "/topics", "/review", "/plan", "/quiz", "/mock", "/search?q=LoRA", "/settings", "/cards",
                 "/corrections", "/concepts/zero", "/sources", "/no/such/page"):
        page.goto(live_server.url + path)
        # Content (question titles, concept names, the documents) may be Chinese; nothing else may.
        found = stray_chinese(page.content(), content)
        if found:
            stray[path] = found[:10]
    screenshot(page, "english-404")
    assert stray == {}, stray
