"""A multiple-choice quiz in a real browser: one answer deliberately wrong (the explanation and the right option show
at once, through an HTMX swap), the rest right, then the results page."""

from __future__ import annotations

import re

from tests.backends import query
from tests.browser.conftest import screenshot
from tests.server import LiveServer


def labels(server: LiveServer, question_id: str) -> tuple[str, str]:
    """(a right label, a wrong label) of an MCQ, read from the server's database."""
    rows = query(server.database, "SELECT label, correct FROM choice WHERE question_id = :question ORDER BY position",
                 {"question": question_id})
    return next(label for label, correct in rows if correct), next(label for label, correct in rows if not correct)


def answer(page, label: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(f"label.quiz-choice[data-label='{label}'] input").check()
    page.get_by_test_id("quiz-submit").click()
    page.get_by_test_id("quiz-verdict").wait_for()


def test_mcq_quiz_with_a_wrong_answer(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/quiz")
    page.locator("input[name=mix_mcq]").fill("3")
    page.locator("input[name=mix_open]").fill("0")
    page.locator("input[name=mix_code]").fill("0")
    page.get_by_test_id("quiz-start").click()
    page.wait_for_url(re.compile(r"/quiz/\d+/1$"))

    outcomes = []
    for position in (1, 2, 3):
        assert page.get_by_test_id("quiz-position").inner_text() == f"第 {position} / 3 题"
        question_id = page.locator("article.quiz-card").get_attribute("data-question-id")
        right, wrong = labels(live_server, question_id)
        page.evaluate("window.__sameDocument = true")  # survives only if no full page load happens
        answer(page, wrong if position == 1 else right)
        assert page.evaluate("window.__sameDocument") is True  # graded through an HTMX swap
        verdict = page.get_by_test_id("quiz-verdict")
        outcomes.append(verdict.get_attribute("data-correct"))
        if position == 1:
            assert "回答错误" in verdict.inner_text()
            explanation = page.get_by_test_id("quiz-explanation")
            assert explanation.is_visible() and len(explanation.inner_text().strip()) > 10
            marked_right = page.locator("li.quiz-choice.is-correct")
            assert marked_right.count() == 1 and marked_right.get_attribute("data-label") == right
            assert "正确答案" in marked_right.inner_text()
            marked_wrong = page.locator("li.quiz-choice.is-wrong")
            assert marked_wrong.get_attribute("data-label") == wrong and "你的选择" in marked_wrong.inner_text()
            assert page.locator(".quiz-dot[data-status=wrong]").count() == 1
            screenshot(page, "quiz")
        if position < 3:
            page.get_by_test_id("quiz-next").click()
            page.wait_for_url(re.compile(rf"/quiz/\d+/{position + 1}$"))
        else:
            page.get_by_test_id("quiz-finish").click()
            page.wait_for_url(re.compile(r"/quiz/\d+/results$"))
    assert outcomes == ["false", "true", "true"]

    score = page.get_by_test_id("quiz-score")
    assert "答对 2 / 3 题" in score.inner_text() and "67%" in score.inner_text()
    rows = page.locator("[data-testid=quiz-result-rows] tbody tr")
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.status)") == ["wrong", "right", "right"]
    assert rows.first.locator("a[href^='/questions/']").count() == 1
    screenshot(page, "quiz-results")
    page.goto(live_server.url + "/quiz")
    assert page.locator("[data-testid=quiz-history] tbody tr").count() == 1
    assert page.dialogs == []
