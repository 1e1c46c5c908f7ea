"""A group of learners over a real database holding content/: accounts made through the accounts service, and each
learner's history (cards with a known FSRS state, grades at known instants, mock interviews with known answers)
written as rows, so that every figure of the cohort view has a value the test can work out by hand."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from app.db import make_engine
from app.models import Choice, MockAnswer, MockInterview, Question, ReviewCard, ReviewLog
from tests.backends import copy_database, database_url
from tests.server import imported_database


@pytest.fixture(scope="module")
def content_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return imported_database(tmp_path_factory.mktemp("cohort") / "content.db")


@pytest.fixture
def group_url(tmp_path: Path, content_database: Path) -> str:
    return database_url(copy_database(content_database, tmp_path / "group.db"))


@pytest.fixture
def group_engine(group_url: str) -> Iterator[Engine]:
    engine = make_engine(group_url)
    yield engine
    engine.dispose()


@dataclass(frozen=True)
class Card:
    question_id: str
    stability: float  # days
    reviewed_days_ago: float


@dataclass(frozen=True)
class Round:
    started: datetime
    answers: Sequence[tuple[str, str]]  # (MCQ question, chosen label)
    finished: bool = True


@dataclass
class History:
    cards: list[Card] = field(default_factory=list)
    grades: list[datetime] = field(default_factory=list)
    rounds: list[Round] = field(default_factory=list)


def write_history(engine: Engine, user_id: int, history: History, *, now: datetime) -> None:
    """The learner's rows, as the app would have left them."""
    with Session(engine) as session:
        for card in history.cards:
            reviewed = now - timedelta(days=card.reviewed_days_ago)
            session.add(ReviewCard(user_id=user_id, question_id=card.question_id, state=2, step=None,
                                   stability=card.stability, difficulty=5.0, last_review=reviewed,
                                   due=reviewed + timedelta(days=card.stability), reps=3))
        question = history.cards[0].question_id if history.cards else mcq_questions(engine)[0][0]
        for number, moment in enumerate(history.grades):
            session.add(ReviewLog(user_id=user_id, question_id=question, rating=3, reviewed_at=moment,
                                  idempotency_key=f"{user_id}:{question}:seed{number}"))
        for round_ in history.rounds:
            interview = MockInterview(user_id=user_id, title="ZeRO round", started_at=round_.started,
                                      deadline=round_.started + timedelta(minutes=30),
                                      finished_at=round_.started + timedelta(minutes=20) if round_.finished else None)
            session.add(interview)
            session.flush()
            assert interview.id is not None
            for position, (question_id, choice) in enumerate(round_.answers, start=1):
                session.add(MockAnswer(interview_id=interview.id, position=position, question_id=question_id,
                                       choice=choice))
        session.commit()


def mcq_questions(engine: Engine) -> list[tuple[str, str, str]]:
    """(question, a right label, a wrong label) for single-answer MCQs, in a fixed order."""
    with Session(engine) as session:
        rows = session.exec(select(Choice.question_id, Choice.label, Choice.correct)
                            .join(Question, col(Question.id) == col(Choice.question_id))
                            .where(col(Question.kind) == "mcq", col(Question.retired).is_(False))
                            .order_by(col(Choice.question_id), col(Choice.label))).all()
    right: dict[str, list[str]] = {}
    wrong: dict[str, list[str]] = {}
    for question_id, label, correct in rows:
        (right if correct else wrong).setdefault(question_id, []).append(label)
    return [(question_id, labels[0], wrong[question_id][0]) for question_id, labels in right.items()
            if len(labels) == 1 and wrong.get(question_id)]


def questions_of(engine: Engine, concept_id: str) -> list[str]:
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(text(
            "SELECT qc.question_id FROM question_concept qc JOIN question q ON q.id = qc.question_id "
            "WHERE qc.concept_id = :concept AND q.retired = :no ORDER BY qc.question_id"),
            {"concept": concept_id, "no": False})]
