"""Mock-interview fixtures: every test gets its own copy of a database holding all of content/ (imported once per
run), the local learner, a clock the test can move, and helpers to look at what a save wrote."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app import clock
from app.models import Choice, MockAnswer, Question, ReviewLog
from app.settings import Settings
from tests.backends import copy_database, database_url
from tests.conftest import CONTENT
from tests.server import imported_database

NOW = datetime(2025, 5, 6, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def content_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return imported_database(tmp_path_factory.mktemp("mock-content") / "content.db")


@pytest.fixture
def settings(tmp_path: Path, content_database: Path) -> Settings:
    """The shared `engine` and `client` fixtures open this: a private copy of the imported content."""
    copy = copy_database(content_database, tmp_path / "preplab.db")
    return Settings(database_url=database_url(copy), content_dir=CONTENT, timezone="Asia/Shanghai")


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


class Clock:
    """app.clock.utcnow under the test's control: it stands still until moved."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moving = Clock(datetime.now(UTC).replace(microsecond=0))
    monkeypatch.setattr(clock, "utcnow", moving)
    return moving


def stored_answers(session: Session, interview_id: int) -> list[MockAnswer]:
    session.expire_all()
    return list(session.exec(select(MockAnswer).where(col(MockAnswer.interview_id) == interview_id)
                             .order_by(col(MockAnswer.position))).all())


def snapshot(session: Session, interview_id: int) -> list[tuple[object, ...]]:
    """Everything a save could change, row by row."""
    return [(a.position, a.answer, a.choice, a.flagged, a.self_grade, a.time_spent_ms, a.saved_at, a.revision)
            for a in stored_answers(session, interview_id)]


def labels(session: Session, question_id: str) -> tuple[str, str]:
    """(a right label, a wrong label) of an MCQ."""
    rows = session.exec(select(Choice.label, Choice.correct).where(col(Choice.question_id) == question_id)
                        .order_by(col(Choice.position))).all()
    return next(label for label, right in rows if right), next(label for label, right in rows if not right)


def mock_logs(session: Session, user_id: int | None = None) -> list[ReviewLog]:
    session.expire_all()
    query = select(ReviewLog).where(col(ReviewLog.origin) == "mock")
    if user_id is not None:
        query = query.where(col(ReviewLog.user_id) == user_id)
    return list(session.exec(query.order_by(col(ReviewLog.id))).all())


def question(session: Session, question_id: str) -> Question:
    found = session.get(Question, question_id)
    assert found is not None
    return found
