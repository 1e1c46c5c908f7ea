"""Topic and concept pages show each question's state for this learner (new, learning, due, known, suspended) and
its difficulty; a concept without questions is not listed as if it had content."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.clock import utcnow
from app.content.importer import ImportReport
from app.models import ReviewCard
from app.review.controls import set_suspended
from tests.study.dom import parse

DISTRIBUTED = "分布式训练与系统架构"


def card(session: Session, user_id: int, question_id: str, *, state: int, due_in: timedelta) -> None:
    now = utcnow()
    session.add(ReviewCard(user_id=user_id, question_id=question_id, state=state, step=None if state == 2 else 0,
                           stability=5.0, difficulty=5.0, due=now + due_in, last_review=now - timedelta(days=1),
                           reps=2))
    session.commit()


def test_topic_page_shows_state_and_difficulty(banks: ImportReport, client: TestClient, session: Session,
                                               learner: int) -> None:
    card(session, learner, "q-1a2b3c4d5e", state=2, due_in=timedelta(days=3))  # known
    card(session, learner, "q-mcq-zero2", state=2, due_in=-timedelta(hours=1))  # due
    card(session, learner, "q-mcq-pipeline", state=1, due_in=timedelta(minutes=5))  # learning
    set_suspended(session=session, user_id=learner, question_id="Q_pipeline.1", suspended=True)
    page = parse(client.get(f"/topics/{quote(DISTRIBUTED)}").text)
    states = {item.attrs["data-question-id"]: item.find("span", cls="study-state").attrs["data-state"]
              for item in page.find_all("li", cls="question-item")}
    assert states["q-1a2b3c4d5e"] == "known" and states["q-mcq-zero2"] == "due"
    assert states["q-mcq-pipeline"] == "learning" and states["Q_pipeline.1"] == "suspended"
    assert states["q-code-zero-memory"] == "new"
    assert all(item.find_all(cls="difficulty") for item in page.find_all("li", cls="question-item"))
    concept = parse(client.get("/concepts/zero").text)
    assert concept.find("li", cls="question-item", data_question_id="q-1a2b3c4d5e").find(
        "span", cls="study-state").attrs["data-state"] == "known"


def test_concepts_without_questions_are_not_listed(banks: ImportReport, client: TestClient) -> None:
    for topic in client.get("/api/topics").json():
        assert topic["questions"] > 0
        assert all(concept["questions"] > 0 for concept in topic["concepts"])
    page = parse(client.get("/topics").text)
    assert all(chip.find("small").text() != "0" for chip in page.find_all("li")
               if chip.find_all("small") and chip.find_all("a", data_concept_id=True))
