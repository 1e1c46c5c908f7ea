"""Review use cases over FSRS: grade a card (once per card version), practise from quizzes, undo, and the queue.

Every grade is one transaction: the card's new state and its ReviewLog row, committed before the caller answers.
A card's version is ReviewCard.reps (0 before its first grade); ReviewLog.idempotency_key
"{user}:{question}:{version}" is unique, and the card row is updated only `WHERE reps = version`, so two
submissions of the same version (a double click, a second tab, two processes) can never both write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, insert, update
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.clock import as_utc, utcnow
from app.group_commit import GroupCommit
from app.models import Question, ReviewCard, ReviewLog, UserSettings
from app.review import scheduling
from app.review.errors import GradeConflict, NothingToUndo, QuestionRetired, ReviewError, StaleCard, UnknownQuestion
from app.review.queue import QueueCounts, queue_counts

__all__ = ["GradeConflict", "GradeResult", "NothingToUndo", "QuestionRetired", "QueueCounts", "ReviewError",
           "StaleCard", "UndoResult", "UnknownQuestion", "card_state", "grade", "grade_in_transaction",
           "idempotency_key", "log_practice", "queue_counts", "record_practice", "undo_last"]

ORIGINS = ("review", "quiz", "mock", "final")  # final: the final review before the interview (app/plan/final.py)


@dataclass(frozen=True)
class GradeResult:
    question_id: str
    rating: int  # 1 Again, 2 Hard, 3 Good, 4 Easy
    due: datetime  # when the card is due next (unchanged when scheduled is False)
    interval: str  # due - time of the grade, as people read it ("10分钟", "4天")
    state: str  # learning | review | relearning
    duplicate: bool  # this version was already graded with this rating; nothing new was written
    scheduled: bool  # False: a practice ahead of the due date, logged but not moving the schedule
    log_id: int
    reps: int  # the card's version after the grade: what the next grade of this card must send
    interval_seconds: int = 0


@dataclass(frozen=True)
class UndoResult:
    question_id: str
    rating: int
    reps: int  # the restored version (0: the card is new again)


def idempotency_key(user_id: int, question_id: str, reps: int) -> str:
    return f"{user_id}:{question_id}:{reps}"


def _utc(now: datetime | None) -> datetime:
    return (now or utcnow()).astimezone(UTC)


def _question(session: Session, question_id: str) -> None:
    """Refuse an unknown or retired question (its retired flag only: the row's long texts are not loaded)."""
    retired = session.execute(select(col(Question.retired)).where(col(Question.id) == question_id)).scalar()
    if retired is None:
        raise UnknownQuestion(question_id=question_id)
    if retired:
        raise QuestionRetired(question_id=question_id)


def _card_row(session: Session, user_id: int, question_id: str) -> ReviewCard | None:
    return session.exec(
        select(ReviewCard).where(col(ReviewCard.user_id) == user_id, col(ReviewCard.question_id) == question_id)
    ).first()


def grade(*, session: Session, user_id: int, question_id: str, rating: int, expected_reps: int | None = None,
          duration_ms: int | None = None, origin: str = "review", desired_retention: float = 0.9,
          now: datetime | None = None, writes: GroupCommit | None = None) -> GradeResult:
    """Grade one version of a card (expected_reps; None: whatever version is current) and commit.

    A repeat of an already-recorded version returns that outcome with duplicate=True when the rating is the same,
    and raises GradeConflict when it differs; a version that never existed raises StaleCard. `writes`: the app's
    group commit (app/group_commit.py; SQLite), which writes the card and its log in a batch with other grades and
    returns once that batch is committed; without one, this session commits them.
    """
    _check(rating, origin)
    now = _utc(now)
    inputs = _grade_inputs(session.connection(), user_id, question_id)
    planned = _plan(inputs, user_id=user_id, question_id=question_id, rating=rating, expected_reps=expected_reps,
                    duration_ms=duration_ms, origin=origin, desired_retention=desired_retention, now=now)
    if planned is None:
        return _already_recorded(session.connection(), user_id, question_id, _version(inputs, expected_reps), rating)
    log_id: int | None
    try:
        if writes is not None:
            log_id = writes.run(planned.write)
        else:
            log_id = planned.write(session.connection())
            if log_id is not None:
                session.commit()
    except IntegrityError:
        log_id = None
    if log_id is None:
        # Someone else graded this version between our read and our write: theirs stands.
        session.rollback()
        return _already_recorded(session.connection(), user_id, question_id, planned.version, rating)
    return planned.result(log_id)


def grade_in_transaction(connection: Connection, *, user_id: int, question_id: str, rating: int,
                         expected_reps: int | None = None, duration_ms: int | None = None,
                         now: datetime | None = None) -> GradeResult:
    """grade(), read and written on `connection` inside a write transaction that already holds SQLite's write lock
    (a group commit's batch, app/group_commit.py `run_async`): the card cannot move between the read and the write.
    The desired retention is the learner's stored preference, read by the same statement as the card. The caller
    commits; nothing here is durable until it has."""
    _check(rating, "review")
    now = _utc(now)
    inputs = _grade_inputs(connection, user_id, question_id)
    planned = _plan(inputs, user_id=user_id, question_id=question_id, rating=rating, expected_reps=expected_reps,
                    duration_ms=duration_ms, origin="review", desired_retention=inputs.retention, now=now)
    if planned is None:
        return _already_recorded(connection, user_id, question_id, _version(inputs, expected_reps), rating)
    # Inside the batch's write lock nobody else can have graded this version since the read: a write that fails
    # anyway (an IntegrityError) rolls back with the batch's SAVEPOINT for this job, and its caller falls back to
    # grade() (api_review_grade), which reports the recorded outcome.
    log_id = planned.write(connection)
    if log_id is None:
        return _already_recorded(connection, user_id, question_id, planned.version, rating)
    return planned.result(log_id)


def _check(rating: int, origin: str) -> None:
    if rating not in (1, 2, 3, 4):
        raise ValueError(f"rating must be 1–4, not {rating!r}")
    if origin not in ORIGINS:
        raise ValueError(f"origin must be one of {ORIGINS}, not {origin!r}")


def _version(inputs: _Inputs, expected_reps: int | None) -> int:
    current = inputs.card.reps if inputs.card else 0
    return current if expected_reps is None else expected_reps


@dataclass(frozen=True)
class _Planned:
    """A grade worked out from what was read: the write to make, and the outcome once it is made."""

    version: int
    write: Callable[[Connection], int | None]
    result: Callable[[int], GradeResult]  # given the log row's id


def _plan(inputs: _Inputs, *, user_id: int, question_id: str, rating: int, expected_reps: int | None,
          duration_ms: int | None, origin: str, desired_retention: float, now: datetime) -> _Planned | None:
    """The new card state and its log row; None when the version graded is not the current one."""
    row = inputs.card
    version = _version(inputs, expected_reps)
    if version != (row.reps if row else 0):
        return None
    scheduler = scheduling.scheduler_with(inputs.parameters, desired_retention)
    before = scheduling.to_fsrs(row) if row else scheduling.new_card(now)
    after = scheduling.review(scheduler, before, rating, now, duration_ms)
    lapsed = row is not None and row.state == int(scheduling.State.Review) and rating == 1
    log = {"user_id": user_id, "question_id": question_id, "rating": rating, "reviewed_at": now,
           "duration_ms": _clean_duration(duration_ms), "origin": origin, "card_before": scheduling.snapshot(row),
           "scheduled": True, "idempotency_key": idempotency_key(user_id, question_id, version)}
    write = partial(_write_grade, user_id=user_id, question_id=question_id, row=row,
                    values=scheduling.card_values(after), lapsed=lapsed, log=log)
    return _Planned(version, write, lambda log_id: _result(question_id, rating, after.due, after.state, now,
                                                           log_id=log_id, reps=version + 1))


def _write_grade(connection: Connection, *, user_id: int, question_id: str, row: _Card | None,
                 values: dict[str, Any], lapsed: bool, log: dict[str, Any]) -> int | None:
    """The card's new state and its log row; the log's id, or None when another grade of this version came first."""
    if not _write_card(connection, user_id, question_id, row, values, lapsed):
        return None
    inserted = connection.execute(_INSERT_LOG, log).inserted_primary_key
    assert inserted is not None
    return int(inserted[0])


_CARDS, _LOGS, _SETTINGS, _QUESTIONS = (ReviewCard.__table__, ReviewLog.__table__,  # type: ignore[attr-defined]
                                        UserSettings.__table__, Question.__table__)  # type: ignore[attr-defined]
# A grade's statements, built once (Core, not the ORM: a grade is the app's most frequent write): one read of the
# question's retired flag, the learner's card and their fitted FSRS parameters; then the card and its log.
_GRADE_INPUTS = (
    core_select(_QUESTIONS.c.retired, _CARDS.c.id, _CARDS.c.state, _CARDS.c.step, _CARDS.c.stability,
           _CARDS.c.difficulty, _CARDS.c.due, _CARDS.c.last_review, _CARDS.c.reps, _CARDS.c.lapses,
           _SETTINGS.c.fsrs_parameters, _SETTINGS.c.desired_retention)
    .select_from(_QUESTIONS)
    .outerjoin(_CARDS, and_(_CARDS.c.question_id == _QUESTIONS.c.id, _CARDS.c.user_id == bindparam("user_id")))
    .outerjoin(_SETTINGS, _SETTINGS.c.user_id == bindparam("user_id"))
    .where(_QUESTIONS.c.id == bindparam("question_id"))
)
_INSERT_CARD = insert(_CARDS)
_UPDATE_CARD = update(_CARDS).where(_CARDS.c.id == bindparam("card_id"), _CARDS.c.reps == bindparam("version"))
_INSERT_LOG = insert(_LOGS)


@dataclass(frozen=True)
class _Card:
    """The learner's card as a grade reads it (app/review/scheduling.CardFields)."""

    id: int
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int
    lapses: int


@dataclass(frozen=True)
class _Inputs:
    card: _Card | None  # the learner's card; None before its first grade
    parameters: Any  # their fitted FSRS parameters, or None
    retention: float  # their desired retention (the default without a preferences row)


DEFAULT_RETENTION = UserSettings.model_fields["desired_retention"].default


def _grade_inputs(connection: Connection, user_id: int, question_id: str) -> _Inputs:
    """What a grade reads, in one statement, refusing an unknown or retired question."""
    found = connection.execute(_GRADE_INPUTS, {"user_id": user_id, "question_id": question_id}).first()
    if found is None:
        raise UnknownQuestion(question_id=question_id)
    retired, card_id, *fields, parameters, retention = found
    if retired:
        raise QuestionRetired(question_id=question_id)
    return _Inputs(None if card_id is None else _Card(card_id, *fields), parameters,
                   DEFAULT_RETENTION if retention is None else retention)


def _write_card(connection: Connection, user_id: int, question_id: str, row: _Card | None,
                values: dict[str, Any], lapsed: bool) -> bool:
    """Insert the first card or update the read version in place; False when another writer got there first."""
    if row is None:
        connection.execute(_INSERT_CARD, {"user_id": user_id, "question_id": question_id, "reps": 1, "lapses": 0,
                                          **values})
        return True
    # The SET clause is the parameters named after columns (Core compiles it once per set of names).
    outcome = connection.execute(_UPDATE_CARD, {"card_id": row.id, "version": row.reps, "reps": row.reps + 1,
                                                "lapses": row.lapses + int(lapsed), **values})
    return bool(outcome.rowcount == 1)


def _clean_duration(duration_ms: int | None) -> int | None:
    if duration_ms is None or duration_ms < 0:
        return None
    return min(duration_ms, 24 * 3600 * 1000)


def _result(question_id: str, rating: int, due: datetime, state: int, graded_at: datetime, *, log_id: int,
            reps: int, duplicate: bool = False, scheduled: bool = True) -> GradeResult:
    due = as_utc(due) or graded_at
    delta = due - graded_at
    return GradeResult(question_id=question_id, rating=rating, due=due, interval=scheduling.interval_text(delta),
                       state=scheduling.state_name(state), duplicate=duplicate, scheduled=scheduled, log_id=log_id,
                       reps=reps, interval_seconds=max(0, int(delta.total_seconds())))


_RECORDED = core_select(_LOGS.c.id, _LOGS.c.rating, _LOGS.c.reviewed_at).where(
    _LOGS.c.idempotency_key == bindparam("key"))
_CARD_NOW = core_select(_CARDS.c.reps, _CARDS.c.due, _CARDS.c.state).where(
    _CARDS.c.user_id == bindparam("user_id"), _CARDS.c.question_id == bindparam("question_id"))


def _already_recorded(connection: Connection, user_id: int, question_id: str, version: int,
                      rating: int) -> GradeResult:
    """The outcome recorded for this card version, or why this submission can't be accepted."""
    log = connection.execute(_RECORDED, {"key": idempotency_key(user_id, question_id, version)}).first()
    card = connection.execute(_CARD_NOW, {"user_id": user_id, "question_id": question_id}).first()
    current = card.reps if card else 0
    if log is None:
        raise StaleCard(question_id=question_id, expected=version, current=current)
    if log.rating != rating:
        raise GradeConflict(question_id=question_id, recorded=log.rating, requested=rating)
    assert card is not None
    graded_at = as_utc(log.reviewed_at) or utcnow()
    return _result(question_id, rating, card.due, card.state, graded_at, log_id=log.id, reps=current, duplicate=True)


def record_practice(*, session: Session, user_id: int, question_id: str, correct: bool, origin: str,
                    duration_ms: int | None = None, desired_retention: float = 0.9,
                    now: datetime | None = None) -> GradeResult:
    """A quiz or mock-interview answer: wrong grades Again; right grades Good when the card is due or new, and
    when it is not yet due only logs the practice (scheduled=False) so quizzing ahead never stretches intervals."""
    now = _utc(now)
    _question(session, question_id)
    row = _card_row(session, user_id, question_id)
    due = as_utc(row.due) if row else None
    if not correct or row is None or (due is not None and due <= now):
        return grade(session=session, user_id=user_id, question_id=question_id, rating=1 if not correct else 3,
                     duration_ms=duration_ms, origin=origin, desired_retention=desired_retention, now=now)
    assert due is not None
    log_id = log_practice(session=session, user_id=user_id, question_id=question_id, rating=3, origin=origin,
                          duration_ms=duration_ms, now=now)
    return _result(question_id, 3, due, row.state, now, log_id=log_id, reps=row.reps, scheduled=False)


def log_practice(*, session: Session, user_id: int, question_id: str, rating: int, origin: str,
                 duration_ms: int | None = None, now: datetime | None = None) -> int:
    """Log a grade that never moves the schedule (scheduled=False): the card, new or not, is left exactly as it is.

    Quizzing ahead of a due date and the final review before an interview both practise this way.
    """
    if rating not in (1, 2, 3, 4):
        raise ValueError(f"rating must be 1–4, not {rating!r}")
    if origin not in ORIGINS:
        raise ValueError(f"origin must be one of {ORIGINS}, not {origin!r}")
    _question(session, question_id)
    row = _card_row(session, user_id, question_id)
    # No idempotency key: the card's version does not move, and a practice is no grade of that version.
    log = ReviewLog(user_id=user_id, question_id=question_id, rating=rating, reviewed_at=_utc(now),
                    duration_ms=_clean_duration(duration_ms), origin=origin, card_before=scheduling.snapshot(row),
                    scheduled=False, idempotency_key=None)
    session.add(log)
    session.commit()
    assert log.id is not None
    return log.id


def undo_last(*, session: Session, user_id: int, origin: str = "review") -> UndoResult:
    """Take back the learner's latest scheduled grade of this origin: restore card_before, delete the log."""
    log = session.exec(
        select(ReviewLog)
        .where(col(ReviewLog.user_id) == user_id, col(ReviewLog.origin) == origin, col(ReviewLog.scheduled).is_(True))
        .order_by(col(ReviewLog.reviewed_at).desc(), col(ReviewLog.id).desc())
    ).first()
    if log is None:
        raise NothingToUndo()
    row = _card_row(session, user_id, log.question_id)
    before = log.card_before or {}
    version = int(before.get("reps", 0))
    if row is None or row.reps != version + 1:
        raise NothingToUndo(question_id=log.question_id)  # the card moved on since (graded in a quiz, say)
    card_filter = (col(ReviewCard.id) == row.id, col(ReviewCard.reps) == row.reps)
    if before:
        changed: Any = session.execute(update(ReviewCard).where(*card_filter)
                                       .values(**scheduling.restore_values(before))
                                       .execution_options(synchronize_session=False))
    else:
        changed = session.execute(delete(ReviewCard).where(*card_filter).execution_options(synchronize_session=False))
    removed: Any = session.execute(delete(ReviewLog).where(col(ReviewLog.id) == log.id))
    if changed.rowcount != 1 or removed.rowcount != 1:
        session.rollback()  # a concurrent undo or grade won
        raise NothingToUndo(question_id=log.question_id)
    session.commit()
    return UndoResult(question_id=log.question_id, rating=log.rating, reps=version)


def card_state(*, session: Session, user_id: int, question_id: str) -> dict[str, Any] | None:
    """The learner's card for a question (None when never graded): due, stability, difficulty, state, history."""
    row = _card_row(session, user_id, question_id)
    if row is None:
        return None
    count = len(session.exec(select(ReviewLog.id).where(
        col(ReviewLog.user_id) == user_id, col(ReviewLog.question_id) == question_id)).all())
    return {"due": as_utc(row.due), "stability": row.stability, "difficulty": row.difficulty,
            "state": scheduling.state_name(row.state), "last_review": as_utc(row.last_review),
            "review_count": count, "reps": row.reps, "lapses": row.lapses}
