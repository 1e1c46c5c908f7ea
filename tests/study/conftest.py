"""Study fixtures: a real database holding two small canonical banks, a learner, and review rows for statistics."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from app.content.importer import ImportReport
from app.models import ReviewCard, ReviewLog
from app.settings import Settings
from tests.conftest import CONTENT, DATA, ImportInto, migrated_copy

GOLDEN = DATA / "canonical" / "golden.md"  # corrections, alternates, MCQs, code
HAND_EDITED = DATA / "canonical" / "hand_edited.md"  # an unanswered question, another topic


ZONE = "Asia/Shanghai"


@pytest.fixture
def settings(tmp_path: Path, migrated_database: Path) -> Settings:
    """The learner lives in Shanghai (UTC+8), so "today" differs from the UTC day for part of every day."""
    return Settings(database_url=migrated_copy(tmp_path, migrated_database), content_dir=CONTENT, timezone=ZONE)


@pytest.fixture
def banks(import_into: ImportInto) -> ImportReport:
    return import_into(GOLDEN, HAND_EDITED)


@pytest.fixture
def session(engine: Engine, banks: ImportReport) -> Iterator[Session]:
    with Session(engine) as session:
        yield session



def add_log(session: Session, *, user_id: int, question_id: str, at: datetime, rating: int = 3,
            state_before: int | None = 2, scheduled: bool = True, origin: str = "review") -> None:
    """A grade as the review service writes it: card_before holds the card's dict before the grade."""
    card_before = {} if state_before is None else {"state": state_before, "stability": 10.0}
    session.add(ReviewLog(user_id=user_id, question_id=question_id, rating=rating, reviewed_at=at,
                          origin=origin, card_before=card_before, scheduled=scheduled))


def add_card(session: Session, *, user_id: int, question_id: str, state: int, stability: float | None,
             due: datetime) -> None:
    session.add(ReviewCard(user_id=user_id, question_id=question_id, state=state, stability=stability,
                           difficulty=5.0, due=due, last_review=due, reps=1))
