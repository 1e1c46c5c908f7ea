"""Anki's everyday controls over a real database: suspend, bury until tomorrow, flag, one's own wording and the note on
the card; custom study of one topic or bank; and their JSON twins."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.content.importer import ImportReport
from app.models import Note, ReviewCard
from app.review.controls import controls, marked_questions, set_buried, set_flag, set_own_prompt, set_suspended
from app.review.queue import ALL, Scope, queue_counts
from app.review.screen import review_screen
from app.review.service import grade
from tests.review.conftest import NOW, QUESTION_IDS, ZONE
from tests.study.dom import parse

SHANGHAI = ZoneInfo(ZONE)
HX = {"HX-Request": "true"}


def shown(session: Session, learner: int, *, now: datetime = NOW, scope: Scope = ALL) -> str | None:
    screen = review_screen(session=session, user_id=learner, daily_new_limit=20, desired_retention=0.9,
                           zone=SHANGHAI, now=now, scope=scope)
    return screen.item.question.id if screen.item else None


def test_suspend_takes_a_card_out_until_unsuspended_and_keeps_its_schedule(session: Session, learner: int) -> None:
    grade(session=session, user_id=learner, question_id="q-review-1", rating=4, now=NOW - timedelta(days=30))
    due_before = session.exec(select(ReviewCard.due).where(col(ReviewCard.question_id) == "q-review-1")).one()
    assert shown(session, learner) == "q-review-1"  # due again by now
    set_suspended(session=session, user_id=learner, question_id="q-review-1", suspended=True, now=NOW)
    assert shown(session, learner) == "q-review-2"
    set_suspended(session=session, user_id=learner, question_id="q-review-2", suspended=True, now=NOW)  # a new one
    assert shown(session, learner) == "q-review-3"
    counts = queue_counts(session=session, user_id=learner, daily_new_limit=20, zone=SHANGHAI, now=NOW)
    assert counts.due_now == 0 and counts.new_available == len(QUESTION_IDS) - 2
    assert shown(session, learner, now=NOW + timedelta(days=60)) == "q-review-3"  # suspended stays out
    set_suspended(session=session, user_id=learner, question_id="q-review-1", suspended=False, now=NOW)
    assert shown(session, learner) == "q-review-1"
    session.expire_all()
    assert session.exec(select(ReviewCard.due).where(col(ReviewCard.question_id) == "q-review-1")).one() == due_before


def test_bury_hides_a_card_until_the_learners_next_day(session: Session, learner: int) -> None:
    mine = set_buried(session=session, user_id=learner, question_id="q-review-1", buried=True, zone=SHANGHAI, now=NOW)
    assert mine.buried and mine.buried_until is not None
    assert mine.buried_until.astimezone(SHANGHAI).hour == 0  # midnight in the learner's zone
    assert shown(session, learner) == "q-review-2"
    assert shown(session, learner, now=NOW + timedelta(hours=11)) == "q-review-2"  # 23:00 in Shanghai
    assert shown(session, learner, now=NOW + timedelta(hours=12)) == "q-review-1"  # the next day
    later = controls(session=session, user_id=learner, question_id="q-review-1", now=NOW + timedelta(hours=12))
    assert not later.buried


def test_flag_own_wording_and_note_show_on_the_card(session: Session, learner: int) -> None:
    set_flag(session=session, user_id=learner, question_id="q-review-1", flag=2, now=NOW)
    set_own_prompt(session=session, user_id=learner, question_id="q-review-1", text="我自己的问法：ZeRO-1 切什么？",
                   now=NOW)
    session.add(Note(user_id=learner, question_id="q-review-1", body="记住 **4Ψ**"))
    session.commit()
    screen = review_screen(session=session, user_id=learner, daily_new_limit=20, desired_retention=0.9,
                           zone=SHANGHAI, now=NOW)
    assert screen.item is not None and screen.item.controls is not None
    assert screen.item.controls.flag_name == "orange" and screen.item.prompt == "我自己的问法：ZeRO-1 切什么？"
    assert screen.item.note == "记住 **4Ψ**"
    marked = marked_questions(session=session, user_id=learner, now=NOW)
    assert [(row.question_id, row.controls.flag_name) for row in marked] == [("q-review-1", "orange")]
    # The bank's own wording removes the learner's copy.
    question_prompt = screen.item.question.prompt
    cleared = set_own_prompt(session=session, user_id=learner, question_id="q-review-1", text=question_prompt)
    assert cleared.own_prompt is None


def test_custom_study_of_a_topic_or_bank_respects_the_schedule(session: Session, learner: int) -> None:
    grade(session=session, user_id=learner, question_id="q-review-1", rating=4, now=NOW)  # not due for days
    assert shown(session, learner, scope=Scope(bank="review-test")) == "q-review-2"
    assert shown(session, learner, scope=Scope(bank="nope")) is None
    assert shown(session, learner, scope=Scope(topic="没有这个主题")) is None


def test_card_controls_by_json(client: TestClient, bank: ImportReport) -> None:
    assert client.put("/api/questions/q-review-1/suspend", json={}).json()["suspended"] is True
    assert client.get("/api/review/next").json()["card"]["question_id"] == "q-review-2"
    assert client.delete("/api/questions/q-review-1/suspend").json()["suspended"] is False
    buried = client.put("/api/questions/q-review-1/bury", json={}).json()
    assert buried["buried"] is True and buried["buried_until"]
    assert client.get("/api/review/next").json()["card"]["question_id"] == "q-review-2"
    assert client.delete("/api/questions/q-review-1/bury").json()["buried"] is False
    assert client.put("/api/questions/q-review-1/flag", json={"flag": "blue"}).json()["flag"] == "blue"
    assert client.put("/api/questions/q-review-1/flag", json={"flag": "purple"}).status_code == 422
    assert client.put("/api/questions/q-nope/flag", json={"flag": "red"}).status_code == 404
    reworded = client.put("/api/questions/q-review-1/own-prompt", json={"text": "我的问法"}).json()
    assert reworded["own_prompt"] == "我的问法"
    card = client.get("/api/review/next").json()["card"]
    assert card["prompt"] == "我的问法" and card["controls"]["flag"] == "blue"
    assert client.get("/api/questions/q-review-1").json()["controls"]["own_prompt"] == "我的问法"
    assert [row["question_id"] for row in client.get("/api/cards").json()] == ["q-review-1"]


def test_review_page_controls_by_form_and_htmx(client: TestClient, bank: ImportReport) -> None:
    page = parse(client.get("/review").text)
    assert page.find("button", data_suspend=True) and page.find("button", data_bury=True)
    swapped = client.post("/questions/q-review-1/suspend", data={"suspended": "1", "back": "review"}, headers=HX)
    fragment = parse(swapped.text)
    assert swapped.status_code == 200 and "<html" not in swapped.text
    assert fragment.find("article", cls="review-card").attrs["data-question-id"] == "q-review-2"
    assert fragment.find("button", data_notice_undo=True)  # take it back from the notice
    flagged = parse(client.post("/questions/q-review-2/flag", data={"flag": "red", "back": "review"},
                                headers=HX).text)
    assert flagged.find("article", cls="review-card").attrs["data-flag"] == "red"  # the same card, flagged
    plain = client.post("/questions/q-review-1/suspend", data={"suspended": "0"}, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"].startswith("/questions/q-review-1")
    scoped = client.get("/review?bank=review-test")
    assert scoped.status_code == 200 and "计划测试" not in scoped.text
    assert parse(scoped.text).find("p", data_testid="review-scope")
    question = parse(client.get("/questions/q-review-1").text)
    assert question.find("section", data_testid="card-controls")
    assert client.get("/cards").status_code == 200
