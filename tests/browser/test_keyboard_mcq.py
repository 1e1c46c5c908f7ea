"""Multiple choice by keyboard in Chromium, in the quiz and the mock interview (A–D or 1–4 choose, Enter submits),
and the mock's hand-in that asks first when questions are unanswered; on a desktop and on a phone."""

from __future__ import annotations

import re

import pytest

from tests.backends import query
from tests.browser.conftest import screenshot, settled_width
from tests.server import LiveServer

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def start_quiz(page, server: LiveServer, count: int) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.url + "/quiz")
    page.locator("input[name=mix_mcq]").fill(str(count))
    page.locator("input[name=mix_open]").fill("0")
    page.locator("input[name=mix_code]").fill("0")
    page.get_by_test_id("quiz-start").click()
    page.wait_for_url(re.compile(r"/quiz/\d+/1$"))


def right_labels(server: LiveServer, question_id: str) -> list[str]:
    return [label for (label,) in query(server.database, "SELECT label FROM choice WHERE question_id = :question"
                                               " AND correct ORDER BY position", {"question": question_id})]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_quiz_mcq_answered_by_keyboard(live_server: LiveServer, page, viewport) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(viewport)
    start_quiz(page, live_server, 2)
    for position, by_letter in ((1, True), (2, False)):
        question_id = page.locator("article.quiz-card").get_attribute("data-question-id")
        rights = right_labels(live_server, question_id)
        values = page.locator(".quiz-choices input[name=choice]").evaluate_all("inputs => inputs.map(i => i.value)")
        page.locator("body").click(position={"x": 5, "y": 5})  # no control focused: the page's keys work
        for label in rights:  # a letter (a–d) or a place (1–4); a multi-answer question toggles each
            page.keyboard.press(label.lower() if by_letter else str(values.index(label) + 1))
            assert page.locator(f"label.quiz-choice[data-label='{label}'] input").is_checked()
        page.keyboard.press("Enter")
        page.get_by_test_id("quiz-verdict").wait_for()
        assert page.get_by_test_id("quiz-verdict").get_attribute("data-correct") == "true"
        if position == 1:
            screenshot(page, "quiz-keyboard-" + ("phone" if viewport == PHONE else "desktop"))
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            page.get_by_test_id("quiz-next").click()
            page.wait_for_url(re.compile(r"/quiz/\d+/2$"))
    assert page.dialogs == []


def test_mock_mcq_by_keyboard_and_hand_in_asks_first(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/mock")
    form = page.get_by_test_id("mock-setup")
    form.locator("input[name=count]").fill("3")
    form.locator("input[name=minutes]").fill("10")
    form.locator("input[name=mix_mcq]").fill("3")
    page.get_by_test_id("mock-start").click()
    page.wait_for_url(re.compile(r"/mock/\d+(\?q=1)?$"))
    interview = int(re.search(r"/mock/(\d+)", page.url)[1])  # type: ignore[index]

    question = page.locator("form.mock-question:not([hidden])")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("1")  # the first option, by its place
    first_value = question.locator("[data-choice]").first.get_attribute("value")
    assert question.locator("[data-choice]").first.is_checked()
    page.wait_for_function("() => document.querySelector('[data-save-state]').dataset.state === 'saved'")
    page.keyboard.press("Enter")  # next question (and the choice is saved)
    page.wait_for_function("() => document.querySelector('form.mock-question:not([hidden])')"
                           ".dataset.position === '2'")
    second = page.locator("form.mock-question:not([hidden])")
    letter = second.locator("[data-choice]").nth(1).get_attribute("value") or "B"
    page.keyboard.press(letter.lower())
    assert second.locator("[data-choice]").nth(1).is_checked()
    page.wait_for_function("() => document.querySelector('[data-save-state]').dataset.state === 'saved'")

    page.get_by_test_id("mock-finish").click()  # question 3 is unanswered: the dialog asks first
    dialog = page.get_by_test_id("mock-handin-dialog")
    dialog.wait_for(state="visible")
    assert "1" in dialog.inner_text() and "#3" in dialog.inner_text()
    screenshot(page, "mock-handin-confirm")
    page.get_by_test_id("mock-handin-back").click()  # back: to the unanswered question, nothing handed in
    page.wait_for_function("() => document.querySelector('form.mock-question:not([hidden])')"
                           ".dataset.position === '3'")
    assert not dialog.is_visible() and f"/mock/{interview}" in page.url and "report" not in page.url

    page.get_by_test_id("mock-finish").click()
    dialog.wait_for(state="visible")
    page.get_by_test_id("mock-handin-confirm").click()  # hand in anyway
    page.wait_for_url(re.compile(rf"/mock/{interview}/report$"))
    score = page.get_by_test_id("mock-score")
    assert score.get_attribute("data-total") == "3" and score.get_attribute("data-pending") == "false"
    assert first_value and page.dialogs == []
    assert page.get_by_test_id("mock-trend").count() == 0  # a first round draws no trend

    page.set_viewport_size(PHONE)
    assert settled_width(page, PHONE["width"]) <= PHONE["width"]
    title = page.locator("[data-testid=mock-rows] tbody tr .mock-title-cell").first
    box = title.bounding_box()
    assert box is not None and box["width"] > PHONE["width"] * 0.6  # titles get the whole row, not 4 characters
    screenshot(page, "mock-report-phone")
    page.goto(live_server.url + "/mock")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "mock-history-phone")
