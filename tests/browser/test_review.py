"""A review session in a real browser, by keyboard alone: Space reveals, 1–4 grade, U undoes; the counts follow
and every grade is a ReviewLog row (with the time spent) in the server's database."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.db import make_engine
from app.models import ReviewCard, ReviewLog
from tests.backends import database_url
from tests.browser.conftest import screenshot
from tests.server import LiveServer

CARD = ".review-card"


def counts(page) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {name: int(page.locator(f'[data-count="{name}"] dd').inner_text()) for name in ("due", "new", "reviewed")}


def shown_card(page) -> str:  # type: ignore[no-untyped-def]
    return str(page.locator(CARD).get_attribute("data-question-id"))


def grade_by_key(page, key: str) -> None:  # type: ignore[no-untyped-def]
    """Space, then the grade key; waits until the next card (or the done message) has been swapped in."""
    before = shown_card(page)
    page.wait_for_selector("html[data-review-keys=ready]", state="attached")  # the keys' module has run
    page.keyboard.press("Space")
    assert page.locator(".review-answer").get_attribute("open") is not None
    assert page.locator(".review-grades").is_visible()
    page.keyboard.press(key)
    page.wait_for_function(
        "before => { const card = document.querySelector('.review-card');"
        " return !card || card.dataset.questionId !== before; }", arg=before)


def stored(live_server: LiveServer) -> tuple[list[ReviewLog], list[ReviewCard]]:
    engine = make_engine(database_url(live_server.database))
    with Session(engine) as session:
        logs = list(session.exec(select(ReviewLog).order_by(col(ReviewLog.id))).all())
        cards = list(session.exec(select(ReviewCard)).all())
    engine.dispose()
    return logs, cards


def test_a_review_session_by_keyboard(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    # A JSON API call: PrepLab takes it with the page's token or, as here, its own Origin (README, Security).
    response = page.request.put(f"{live_server.url}/api/settings", data={"daily_new_limit": 3},
                                headers={"Origin": live_server.url})
    assert response.ok
    page.goto(f"{live_server.url}/review")
    assert counts(page) == {"due": 0, "new": 3, "reviewed": 0}
    first = shown_card(page)
    assert not page.locator(".review-grades").is_visible()
    page.keyboard.press("3")  # grading before the answer is shown does nothing
    assert shown_card(page) == first and stored(live_server)[0] == []

    page.wait_for_timeout(300)  # a measurable time on the card
    grade_by_key(page, "3")
    assert counts(page) == {"due": 0, "new": 2, "reviewed": 1}
    assert "良好" in page.locator("[data-notice]").inner_text()
    second = shown_card(page)
    page.keyboard.press("Space")
    screenshot(page, "review")
    page.keyboard.press("4")
    page.wait_for_function("id => document.querySelector('.review-card').dataset.questionId !== id", arg=second)
    third = shown_card(page)
    grade_by_key(page, "1")
    assert counts(page) == {"due": 0, "new": 0, "reviewed": 3}
    assert page.locator("[data-done]").is_visible()

    page.keyboard.press("u")  # take back the Again: the third card returns, as new
    page.wait_for_selector(f'{CARD}[data-question-id="{third}"]')
    assert counts(page) == {"due": 0, "new": 1, "reviewed": 2}
    grade_by_key(page, "3")
    assert page.locator("[data-done]").is_visible() and "完成" in page.locator("[data-done]").inner_text()
    assert page.dialogs == []

    logs, cards = stored(live_server)
    assert [(log.question_id, log.rating) for log in logs] == [(first, 3), (second, 4), (third, 3)]
    assert all(log.duration_ms is not None and log.duration_ms > 0 for log in logs)
    assert logs[0].duration_ms >= 300  # type: ignore[operator]
    assert {card.question_id: card.reps for card in cards} == {first: 1, second: 1, third: 1}
