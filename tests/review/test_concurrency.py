"""Two requests grading the same card version at the same moment, through two sessions on two threads: one log.

A barrier on the engine holds each thread at its first write to review_card until both have read the card, so the
race is real every run: both computed a new state from the same version and both try to store it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session, col, select

from app.models import ReviewCard, ReviewLog
from app.review.service import GradeConflict, GradeResult, grade
from tests.review.conftest import NOW


@contextmanager
def meet_before_writing(engine: Engine, parties: int = 2) -> Iterator[None]:
    barrier = threading.Barrier(parties, timeout=10)
    waited: set[int] = set()

    def hold(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        writes_card = statement.lstrip().upper().startswith(("UPDATE REVIEW_CARD", "INSERT INTO REVIEW_CARD"))
        if writes_card and threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            barrier.wait()

    event.listen(engine, "before_cursor_execute", hold)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", hold)


def race(engine: Engine, learner: int, question_id: str, ratings: tuple[int, int], version: int) -> list[Any]:
    outcomes: list[Any] = [None, None]

    def submit(index: int) -> None:
        with Session(engine) as session:
            try:
                outcomes[index] = grade(session=session, user_id=learner, question_id=question_id,
                                        rating=ratings[index], expected_reps=version, now=NOW + timedelta(days=9))
            except Exception as error:  # noqa: BLE001 - the test inspects whatever each request met
                outcomes[index] = error

    threads = [threading.Thread(target=submit, args=(index,)) for index in range(2)]
    with meet_before_writing(engine):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    return outcomes


def stored(session: Session, question_id: str) -> tuple[list[ReviewLog], ReviewCard | None]:
    session.expire_all()
    found = list(session.exec(select(ReviewLog).where(col(ReviewLog.question_id) == question_id)).all())
    card = session.exec(select(ReviewCard).where(col(ReviewCard.question_id) == question_id)).first()
    return found, card


@pytest.mark.parametrize("existing", [False, True], ids=["new-card", "review-card"])
def test_same_rating_twice_at_once_writes_one_log(engine: Engine, session: Session, learner: int,
                                                  existing: bool) -> None:
    version = 0
    if existing:
        grade(session=session, user_id=learner, question_id="q-review-1", rating=4, now=NOW)
        version = 1
    outcomes = race(engine, learner, "q-review-1", (3, 3), version)
    assert all(isinstance(outcome, GradeResult) for outcome in outcomes), outcomes
    assert sorted(outcome.duplicate for outcome in outcomes) == [False, True]
    assert outcomes[0].log_id == outcomes[1].log_id
    found, card = stored(session, "q-review-1")
    assert len(found) == version + 1 and card is not None and card.reps == version + 1


def test_different_ratings_at_once_one_wins_the_other_conflicts(engine: Engine, session: Session,
                                                                learner: int) -> None:
    outcomes = race(engine, learner, "q-review-2", (1, 4), 0)
    winners = [outcome for outcome in outcomes if isinstance(outcome, GradeResult)]
    losers = [outcome for outcome in outcomes if isinstance(outcome, GradeConflict)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    found, card = stored(session, "q-review-2")
    assert [log.rating for log in found] == [winners[0].rating] and card is not None and card.reps == 1
