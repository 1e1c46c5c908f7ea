"""The model answer in a real browser: the question page reads top to bottom (model answer, key points,
references, then the documents' originals collapsed, copies shown once); on a phone the review card's grades
stay on screen after reveal; the quiz's grading panel never covers the reference answer."""

from __future__ import annotations

import re

from tests.browser.conftest import screenshot
from tests.server import LiveServer

ZERO = "q-d348ff15b0"  # asked six times in document 000 (near-identical answers) and once in 001


def _box(locator) -> dict[str, float]:  # type: ignore[no-untyped-def]
    box = locator.bounding_box()
    assert box is not None, "element is not rendered"
    return box


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def test_question_page_reads_model_answer_then_points_then_originals(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/questions/{ZERO}")
    page.locator("#answer > summary").click()
    model = page.locator("section.model-answer")
    points, references = page.locator("#answer > .key-points"), page.locator("#answer > .references")
    originals = page.locator("details.originals")
    assert model.is_visible() and points.is_visible() and references.is_visible()
    assert originals.get_attribute("open") is None  # collapsed until asked for
    tops = [_box(locator)["y"] for locator in (model, points, references, originals)]
    assert tops == sorted(tops), f"page order is not model answer > key points > references > originals: {tops}"
    summary = originals.locator("summary").inner_text()
    assert re.fullmatch(r"原文答案（含 \d+ 处勘误）", summary.strip()), summary
    assert not page.locator("[data-notice=corrections]").count()  # the shown answer is right: no warning on top
    originals.locator("summary").click()
    groups = originals.locator("article.original")
    # Six near-identical copies in document 000 become one text with all their lines; 001's answer is another.
    assert groups.count() == 2
    first_places = groups.nth(0).locator(".original-place")
    assert first_places.count() >= 6
    assert {first_places.nth(i).get_attribute("data-document") for i in range(first_places.count())} == {
        "000_19bd2eb347514dbd.txt"}
    assert groups.nth(1).locator(".original-place").first.get_attribute("data-document") == "001_df8376fe26b6958d.txt"
    assert _box(groups.nth(0))["y"] > _box(references)["y"]
    quotes = originals.locator(".correction-quote q")
    assert quotes.count() >= 1 and all(quotes.nth(i).inner_text().strip() for i in range(quotes.count()))
    screenshot(page, "question-model-answer")


def test_review_grades_stay_on_a_phone_screen_after_reveal(live_server: LiveServer, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/review?concept=zero")
    page.locator(".review-card").wait_for()
    page.keyboard.press("Space")
    assert page.locator(".review-answer").get_attribute("open") is not None
    body = page.locator(".review-answer-body")
    assert _box(body)["height"] > 400  # a real model answer and its key points: longer than what is left
    for scroll in (0, 400, 10_000):
        page.evaluate(f"window.scrollTo(0, {scroll})")
        buttons = page.locator(".review-grade")
        assert buttons.count() == 4
        for index in range(4):
            box = _box(buttons.nth(index))
            assert box["y"] >= 0 and box["y"] + box["height"] <= 844, f"grade {index + 1} off screen at {scroll}"
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.evaluate("window.scrollTo(0, 0)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "review-phone-revealed")
    context.close()


def _open_quiz(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/quiz")
    page.locator("input[name=count]").fill("1")
    for kind in ("mcq", "open", "code"):  # the mix: exactly one open question
        page.locator(f"input[name=mix_{kind}]").fill("1" if kind == "open" else "0")
    page.get_by_test_id("quiz-start").click()
    page.wait_for_url(re.compile(r"/quiz/\d+/1$"))
    page.locator("#quiz-answer").fill("ZeRO 切分优化器状态、梯度和参数。")
    page.get_by_test_id("quiz-reveal").click()
    page.get_by_test_id("quiz-reference").wait_for()


def test_quiz_grading_panel_never_covers_the_reference(live_server: LiveServer, browser) -> None:  # type: ignore[no-untyped-def]
    for width, height in ((1366, 768), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        page = context.new_page()
        _open_quiz(page, live_server.url)
        panel, reference = page.locator(".quiz-grade-form"), page.get_by_test_id("quiz-reference")
        assert panel.locator(".quiz-grade").count() == 4
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing pushed off the side
        for box in (_box(panel), _box(reference)):
            assert box["x"] >= 0 and box["x"] + box["width"] <= width
        page_height = page.evaluate("document.documentElement.scrollHeight")
        for scroll in range(0, page_height, max(200, height // 2)):
            page.evaluate(f"window.scrollTo(0, {scroll})")
            assert not _overlap(_box(panel), _box(reference)), f"panel covers the reference at {width}px, y={scroll}"
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, f"quiz-open-grading-{width}")
        panel.locator(".quiz-grade-3").click()
        page.get_by_test_id("quiz-verdict").wait_for()
        context.close()
