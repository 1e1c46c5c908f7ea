"""The review page and its JSON twin, in-process: next card, grade (JSON, HTMX fragment, plain form), duplicates,
conflicts, validation, undo, the done page."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.content.importer import ImportReport
from app.models import ReviewLog
from tests.study.dom import Element, parse

HX = {"HX-Request": "true"}


@pytest.fixture
def api(client: TestClient, bank: ImportReport) -> TestClient:
    assert client.put("/api/settings", json={"daily_new_limit": 3}).status_code == 200
    return client


def review_logs(session: Session) -> list[ReviewLog]:
    session.expire_all()
    return list(session.exec(select(ReviewLog).order_by(col(ReviewLog.id))).all())


def counts(page: Element) -> dict[str, str]:
    return {element.attrs["data-count"]: element.find("dd").text() for element in page.find_all(data_count=True)}


def test_next_card_json(api: TestClient) -> None:
    body = api.get("/api/review/next").json()
    card = body["card"]
    assert (card["question_id"], card["kind"], card["reps"], card["is_new"]) == ("q-review-1", "open", 0, True)
    assert {key: value["text"] for key, value in card["intervals"].items()} == {
        "1": "1分钟", "2": "6分钟", "3": "10分钟", "4": "8天"}
    assert card["answer"]["key_points"] == ["要点甲 1", "要点乙 1"]
    assert body["counts"] == {"due_now": 0, "new_available": 3, "reviewed_today": 0, "new_today": 0,
                              "daily_new_limit": 3, "learning_due": 0, "learning_later": 0, "review_due": 0,
                              "backlog": 0, "reviews_today": 0, "daily_review_limit": 100, "new_elsewhere_today": 0}


def test_grade_duplicate_conflict_and_stale(api: TestClient, session: Session) -> None:
    first = api.post("/api/review/q-review-1", json={"rating": 3, "reps": 0, "duration_ms": 5300})
    assert first.status_code == 200
    assert first.json()["duplicate"] is False and first.json()["interval"] == "10分钟" and first.json()["reps"] == 1
    again = api.post("/api/review/q-review-1", json={"rating": 3, "reps": 0, "duration_ms": 9999})
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["log_id"] == first.json()["log_id"]
    conflict = api.post("/api/review/q-review-1", json={"rating": 1, "reps": 0})
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "grade_conflict" and conflict.json()["recorded_rating"] == 3
    assert "良好" in conflict.json()["detail"]
    stale = api.post("/api/review/q-review-1", json={"rating": 3, "reps": 7})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_card"
    assert [(log.rating, log.duration_ms, log.origin) for log in review_logs(session)] == [(3, 5300, "review")]


def test_reps_may_be_left_out(api: TestClient, session: Session) -> None:
    assert api.post("/api/review/q-review-2", json={"rating": 4}).json()["reps"] == 1
    assert api.post("/api/review/q-review-2", json={"rating": 1}).json()["reps"] == 2
    assert [log.idempotency_key for log in review_logs(session)] == ["1:q-review-2:0", "1:q-review-2:1"]


@pytest.mark.parametrize(("body", "field"), [
    ({"rating": 5}, "rating"), ({"rating": "good"}, "rating"), ({}, "rating"),
    ({"rating": 3, "reps": -1}, "reps"), ({"rating": 3, "duration_ms": -5}, "duration_ms"),
])
def test_validation_names_the_field(api: TestClient, body: dict[str, Any], field: str) -> None:
    response = api.post("/api/review/q-review-1", json=body)
    assert response.status_code == 422
    assert [error["loc"][-1] for error in response.json()["detail"]] == [field]


def test_unknown_question_is_404(api: TestClient) -> None:
    response = api.post("/api/review/q-nope", json={"rating": 3})
    assert response.status_code == 404 and "q-nope" in response.json()["detail"]


def test_undo_json(api: TestClient, session: Session) -> None:
    assert api.post("/api/review/undo").status_code == 409
    api.post("/api/review/q-review-1", json={"rating": 2, "reps": 0})
    undone = api.post("/api/review/undo")
    assert undone.status_code == 200
    assert undone.json()["undone"] == {"question_id": "q-review-1", "rating": 2, "reps": 0}
    assert review_logs(session) == []
    assert api.get("/api/review/next").json()["card"]["question_id"] == "q-review-1"


def test_page_shows_prompt_choices_answer_and_grades(api: TestClient) -> None:
    for question_id in [f"q-review-{number}" for number in range(1, 7)]:
        api.post(f"/api/review/{question_id}", json={"rating": 4})  # past today's limit: only the MCQ is left…
    api.put("/api/settings", json={"daily_new_limit": 10})  # …once the limit allows one more
    page = parse(api.get("/review").text)
    card = page.find("article", cls="review-card")
    assert card.attrs["data-question-id"] == "q-review-mcq" and card.attrs["data-version"] == "0"
    assert [choice.attrs["data-label"] for choice in card.find_all("li", cls="review-choice")] == ["A", "B", "C"]
    assert [choice.attrs["data-label"] for choice in card.find_all(data_correct=True)] == ["B"]
    assert "优化器状态和梯度" in card.text() and "再切分梯度" in card.find("details", data_answer=True).text()
    buttons = card.find("form", cls="review-grades").find_all("button")
    assert [(button.attrs["value"], button.find("span", cls="grade-interval").text()) for button in buttons] == [
        ("1", "1分钟"), ("2", "6分钟"), ("3", "10分钟"), ("4", "8天")]
    assert counts(page) == {"due": "0", "learning": "0", "new": "1", "reviewed": "6"}
    assert any(script.attrs.get("src", "").endswith("/static/js/review.js") and script.attrs.get("type") == "module"
               for script in page.find_all("script"))


def test_plain_form_grade_redirects_and_records_duration(api: TestClient, session: Session) -> None:
    response = api.post("/review/q-review-1", data={"rating": "3", "reps": "0", "duration_ms": "7100"},
                        follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/review"
    page = parse(api.get("/review").text)
    assert page.find("article", cls="review-card").attrs["data-question-id"] == "q-review-2"
    assert counts(page) == {"due": "0", "learning": "0", "new": "2", "reviewed": "1"}
    # Without JavaScript the time comes from when the server showed the card.
    shown_at = _input(page, "shown_at")
    api.post("/review/q-review-2", data={"rating": "4", "reps": "0", "shown_at": shown_at})
    assert [log.duration_ms is not None for log in review_logs(session)] == [True, True]
    assert review_logs(session)[0].duration_ms == 7100


def _input(page: Element, name: str) -> str:
    return next(element.attrs["value"] for element in page.find_all("input") if element.attrs.get("name") == name)


def test_htmx_grade_returns_the_next_card_fragment(api: TestClient) -> None:
    response = api.post("/review/q-review-1", data={"rating": "3", "reps": "0"}, headers=HX)
    assert response.status_code == 200 and "<html" not in response.text
    assert "HX-Request" in response.headers["vary"].split(", ")
    fragment = parse(response.text)
    assert fragment.find("article", cls="review-card").attrs["data-question-id"] == "q-review-2"
    assert "良好" in fragment.find(data_notice=True).text() and counts(fragment)["reviewed"] == "1"
    assert fragment.find("button", data_undo=True)


def test_conflicting_form_grade(api: TestClient) -> None:
    api.post("/review/q-review-1", data={"rating": "3", "reps": "0"}, headers=HX)
    plain = api.post("/review/q-review-1", data={"rating": "1", "reps": "0"}, follow_redirects=False)
    assert plain.status_code == 409 and "已评为「良好」" in parse(plain.text).find(data_notice=True).text()
    htmx = api.post("/review/q-review-1", data={"rating": "1", "reps": "0"}, headers=HX)
    assert htmx.status_code == 200 and "review-notice-error" in parse(htmx.text).find(data_notice=True).classes
    duplicate = api.post("/review/q-review-1", data={"rating": "3", "reps": "0"}, headers=HX)
    assert parse(duplicate.text).find("article", cls="review-card").attrs["data-question-id"] == "q-review-2"


def test_undo_form_shows_the_card_again(api: TestClient, session: Session) -> None:
    api.post("/review/q-review-1", data={"rating": "3", "reps": "0"})
    api.post("/review/q-review-2", data={"rating": "3", "reps": "0"})
    plain = api.post("/review/undo", data={}, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == "/review?card=q-review-2"
    assert parse(api.get(plain.headers["location"]).text).find(
        "article", cls="review-card").attrs["data-question-id"] == "q-review-2"
    htmx = parse(api.post("/review/undo", headers=HX).text)
    assert htmx.find("article", cls="review-card").attrs["data-question-id"] == "q-review-1"
    assert "撤销" in htmx.find(data_notice=True).text()
    assert review_logs(session) == []


def test_done_for_today(api: TestClient) -> None:
    for number in (1, 2, 3):
        api.post(f"/api/review/q-review-{number}", json={"rating": 3})
    page = parse(api.get("/review").text)
    done = page.find("section", data_done=True)
    assert "完成" in done.text() and done.find(data_next_due=True) and done.find(data_limit_reached=True)
    assert api.get("/api/review/next").json()["card"] is None


def test_concept_filter(api: TestClient) -> None:
    assert api.get("/api/review/next?concept=zero").json()["card"]["question_id"] == "q-review-1"
    assert api.get("/api/review/next?concept=lora").json()["card"] is None
    page = parse(api.get("/review?concept=zero").text)
    assert _input(page, "concept") == "zero"
