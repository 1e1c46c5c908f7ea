"""The study loop in Chromium: the card's controls by keyboard (S suspends, B buries, F flags) on the review screen,
the grades on screen after reveal on a phone, the plan's forecast chart drawn, and the final review."""

from __future__ import annotations

import json
import urllib.request
from datetime import date, timedelta

import pytest
from sqlmodel import Session, col, select

from app.db import make_engine
from app.models import LearnerQuestion, ReviewCard
from tests.backends import database_url
from tests.browser.conftest import ARTIFACTS, screenshot, settled_width
from tests.server import LiveServer

CARD = ".review-card"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def api(page, method: str, path: str, body: object) -> int:  # type: ignore[no-untyped-def]
    """A JSON call from the page itself, as its own scripts make them (same origin, the page's CSRF token)."""
    return int(page.evaluate(
        """async ([method, path, body]) => {
             const token = document.querySelector('meta[name="csrf-token"]').content;
             const response = await fetch(path, {method, body: JSON.stringify(body),
               headers: {"Content-Type": "application/json", "X-CSRFToken": token}});
             return response.status; }""", [method, path, body]))


def shown_card(page) -> str:  # type: ignore[no-untyped-def]
    return str(page.locator(CARD).get_attribute("data-question-id"))


def next_card(page, before: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function("before => { const card = document.querySelector('.review-card');"
                           " return !card || card.dataset.questionId !== before; }", arg=before)


def marks(live_server: LiveServer) -> dict[str, LearnerQuestion]:
    engine = make_engine(database_url(live_server.database))
    with Session(engine) as session:
        rows = {row.question_id: row for row in session.exec(select(LearnerQuestion)).all()}
    engine.dispose()
    return rows


def test_suspend_bury_and_flag_from_the_review_screen_by_keyboard(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/review")
    first = shown_card(page)
    page.keyboard.press("Space")
    page.keyboard.press("f")  # flag: the same card comes back flagged red, still revealed
    page.wait_for_selector(f'{CARD}[data-flag="red"]')
    assert shown_card(page) == first and page.locator(".review-answer").get_attribute("open") is not None
    page.keyboard.press("f")
    page.wait_for_selector(f'{CARD}[data-flag="orange"]')
    screenshot(page, "review-controls")

    page.keyboard.press("s")  # suspend: the next card, and a notice that can take it back
    next_card(page, first)
    second = shown_card(page)
    assert "已暂停" in page.locator("[data-notice]").inner_text()
    assert page.locator("[data-notice-undo]").is_visible()

    page.keyboard.press("b")  # bury until tomorrow
    next_card(page, second)
    third = shown_card(page)
    assert third not in (first, second) and "搁置到明天" in page.locator("[data-notice]").inner_text()
    page.locator("[data-notice-undo]").click()  # take the bury back: the card is shown again
    page.wait_for_selector(f'{CARD}[data-question-id="{second}"]')

    stored = marks(live_server)
    assert stored[first].suspended and stored[first].flag == 2
    assert stored[second].buried_until is None and not stored[second].suspended
    page.goto(f"{live_server.url}/cards")
    assert page.locator(f'[data-question-id="{first}"]').is_visible()
    page.locator(f'[data-question-id="{first}"] [data-unsuspend]').click()
    page.wait_for_url(f"{live_server.url}/cards")
    assert not marks(live_server)[first].suspended
    assert page.dialogs == []


@pytest.mark.presentation
def test_grades_stay_on_screen_after_reveal_on_a_phone(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/review")
    page.keyboard.press("Space")
    for rating in ("1", "2", "3", "4"):
        button = page.locator(f'.review-grades button[data-rating="{rating}"]')
        assert button.is_visible()
        box = button.bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE["height"] and box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "review-phone-controls")


def test_plan_draws_the_forecast_and_opens_the_final_review(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/plan")
    assert page.locator("[data-testid=plan-chart]").is_visible()  # thirty days even without a date
    day = (date.today() + timedelta(days=21)).isoformat()
    page.locator("[data-testid=plan-date]").fill(day)
    page.locator(".plan-topics input[type=checkbox]").first.check()
    page.locator("[data-testid=plan-save]").click()
    page.wait_for_url("**/plan?saved=1")
    chart = page.locator("[data-testid=plan-chart]")
    assert chart.is_visible()
    assert page.locator("[data-testid=plan-chart] g.plan-day").count() in (20, 21, 22)
    bars = page.locator("[data-testid=plan-chart] rect.plan-bar")
    assert bars.count() > 0 and bars.first.bounding_box()["height"] > 0  # type: ignore[index]
    assert page.locator("[data-testid=plan-quota]").is_visible()
    assert page.locator("[data-testid=plan-recall] tbody tr").count() == 1
    screenshot(page, "plan")
    page.set_viewport_size(PHONE)
    assert settled_width(page, PHONE["width"]) <= PHONE["width"]
    screenshot(page, "plan-phone")

    # Two days before the interview the final review opens; grading there moves no due date.
    assert api(page, "POST", "/api/review/" + first_question(live_server), {"rating": 3, "reps": 0}) == 200
    soon = (date.today() + timedelta(days=2)).isoformat()
    assert api(page, "PUT", "/api/settings", {"interview_date": soon, "interview_topics": []}) == 200
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/plan")
    page.locator("[data-testid=plan-final-link]").click()
    page.wait_for_selector("[data-testid=final-review] .review-card")
    due_before = dues(live_server)
    shown = shown_card(page)
    page.wait_for_selector("html[data-review-keys=ready]", state="attached")  # the keys' module has run
    page.keyboard.press("Space")
    page.locator(".review-grades").wait_for()
    screenshot(page, "final-review")
    page.keyboard.press("1")
    next_card(page, shown)
    assert dues(live_server) == due_before
    assert page.locator("[data-testid=final-progress]").get_attribute("data-done") == "1"


def first_question(live_server: LiveServer) -> str:
    with urllib.request.urlopen(f"{live_server.url}/api/review/next", timeout=10) as response:
        return str(json.load(response)["card"]["question_id"])


def dues(live_server: LiveServer) -> dict[str, object]:
    engine = make_engine(database_url(live_server.database))
    with Session(engine) as session:
        rows = {row.question_id: (row.due, row.stability, row.reps) for row in session.exec(
            select(ReviewCard).order_by(col(ReviewCard.id))).all()}
    engine.dispose()
    return rows


def test_reading_and_finding_pages(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    """The pages point 4 changed, as a learner sees them: states on a topic page, a question's sources by title and
    its card controls, the original opened at the cited line, a search for DP."""
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/review")
    page.keyboard.press("Space")
    page.keyboard.press("3")  # one card started: the topic page shows it as learning
    page.wait_for_timeout(300)
    page.goto(f"{live_server.url}/topics/大模型基础")
    states = page.locator(".question-item .study-state")
    assert states.count() > 0 and "学习中" in states.all_inner_texts()
    screenshot(page, "topic-states")

    page.goto(f"{live_server.url}/questions/q-3b40afb598")
    source = page.locator("ul.sources a").first
    assert ".txt" not in source.inner_text()
    page.get_by_test_id("card-controls").locator("[data-control=suspend]").click()
    page.wait_for_selector("[data-testid=card-controls][data-suspended=true]")
    screenshot(page, "question-controls")
    href = source.get_attribute("href") or ""
    source.click()
    page.wait_for_url(f"**{href}")
    line = href.split("#")[1]
    assert page.locator(f"li#{line}").is_visible()
    assert page.evaluate("location.hash") == f"#{line}"
    page.screenshot(path=str(ARTIFACTS / "source-line.png"))  # the screen as opened: the cited line marked

    page.goto(f"{live_server.url}/search?q=DP")
    first = page.locator("li.search-hit").first
    first.wait_for()
    assert "数据并行" in first.locator(".search-hit-title").inner_text()
    assert "<mark>DP</mark>" in first.locator(".search-snippet").inner_html()
    screenshot(page, "search-dp")
