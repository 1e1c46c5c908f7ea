"""Quiz fixtures: every test gets its own copy of a database holding all of content/ (imported once per run),
the local learner, and helpers to look at what an answer wrote."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.models import Choice, Question, QuizAnswer, ReviewLog
from app.settings import Settings
from tests.backends import copy_database, database_url
from tests.conftest import CONTENT
from tests.server import imported_database

NOW = datetime(2025, 5, 6, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def content_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return imported_database(tmp_path_factory.mktemp("quiz-content") / "content.db")


@pytest.fixture
def settings(tmp_path: Path, content_database: Path) -> Settings:
    """The shared `engine` and `client` fixtures open this: a private copy of the imported content."""
    copy = copy_database(content_database, tmp_path / "preplab.db")
    return Settings(database_url=database_url(copy), content_dir=CONTENT)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session



def correct_label(session: Session, question_id: str) -> str:
    return session.exec(select(Choice.label).where(col(Choice.question_id) == question_id,
                                                   col(Choice.correct).is_(True))).one()


def wrong_label(session: Session, question_id: str) -> str:
    return session.exec(select(Choice.label).where(col(Choice.question_id) == question_id,
                                                   col(Choice.correct).is_(False))).first() or ""


def logs(session: Session, question_id: str) -> list[ReviewLog]:
    session.expire_all()
    return list(session.exec(select(ReviewLog).where(col(ReviewLog.question_id) == question_id)
                             .order_by(col(ReviewLog.id))).all())


def answers(session: Session, quiz_id: int) -> list[QuizAnswer]:
    session.expire_all()
    return list(session.exec(select(QuizAnswer).where(col(QuizAnswer.quiz_id) == quiz_id)
                             .order_by(col(QuizAnswer.position))).all())


def question(session: Session, question_id: str) -> Question:
    found = session.get(Question, question_id)
    assert found is not None
    return found
