"""Spaced-repetition review with the fsrs package: the queue, grading (one transaction, once), undo, practice.

Every shown card carries its version (ReviewCard.reps, 0 for a card never graded). A grade names the
version it was given on; its ReviewLog gets the idempotency key "user:question:version" under a unique
index, so a double click or a second tab can never record a second grade for the same version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from fsrs import Card, Rating, Scheduler, State
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from app.clock import as_utc, day_bounds, local_day, utcnow
from app.models import Question, ReviewCard, ReviewLog, UserSettings

RATINGS = (1, 2, 3, 4)
_ATTEMPTS = 3


class ReviewError(Exception):
    """A grade that cannot be recorded; `status` is the HTTP status the routes answer with."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class QuestionNotFound(ReviewError):
    status = 404


class GradeConflict(ReviewError):
    status = 409


@dataclass(frozen=True)
class GradeResult:
    question_id: str
    rating: int
    due: datetime | None
    interval: timedelta | None
    state: str
    duplicate: bool
    scheduled: bool
    log_id: int | None


@dataclass(frozen=True)
class QueueCounts:
    due_now: int
    new_available: int
    reviewed_today: int


def scheduler_for(*, session: Session, user_id: int, desired_retention: float) -> Scheduler:
    """The learner's scheduler: fitted parameters when `preplab srs optimize` has stored some.

    Fuzzing is off so that the interval printed on a button is the interval the grade gives.
    """
    prefs = session.get(UserSettings, user_id)
    kwargs: dict[str, Any] = {"desired_retention": desired_retention, "enable_fuzzing": False}
    if prefs is not None and prefs.fsrs_parameters:
        kwargs["parameters"] = tuple(prefs.fsrs_parameters)
    return Scheduler(**kwargs)


def to_fsrs(row: ReviewCard | None, now: datetime) -> Card:
    if row is None:
        return Card(due=now)
    return Card(state=State(row.state), step=row.step, stability=row.stability, difficulty=row.difficulty,
                due=as_utc(row.due), last_review=as_utc(row.last_review))


def snapshot(row: ReviewCard | None) -> dict[str, Any]:
    """The card as it was before a grade, kept in the log so that undo can put it back."""
    if row is None:
        return {}
    return {"state": row.state, "step": row.step, "stability": row.stability, "difficulty": row.difficulty,
            "due": _iso(row.due), "last_review": _iso(row.last_review), "reps": row.reps, "lapses": row.lapses}


def _iso(moment: datetime | None) -> str | None:
    value = as_utc(moment)
    return value.isoformat() if value else None


def _card(session: Session, user_id: int, question_id: str) -> ReviewCard | None:
    return session.exec(
        select(ReviewCard).where(ReviewCard.user_id == user_id, ReviewCard.question_id == question_id)
    ).first()


def _live_question(session: Session, question_id: str) -> Question:
    question = session.get(Question, question_id)
    if question is None or question.retired:
        raise QuestionNotFound(f"题目不存在或已停用：{question_id} / no such question")
    return question


def idempotency_key(user_id: int, question_id: str, version: int) -> str:
    return f"{user_id}:{question_id}:{version}"


def grade(
    *, session: Session, user_id: int, question_id: str, rating: int, expected_reps: int | None = None,
    duration_ms: int | None = None, origin: str = "review", desired_retention: float = 0.9,
    now: datetime | None = None,
) -> GradeResult:
    """Record one grade of one card version and reschedule the card, in one committed transaction."""
    if rating not in RATINGS:
        raise ReviewError(f"rating 须为 1–4：{rating!r} / rating must be 1-4")
    for _attempt in range(_ATTEMPTS):
        try:
            return _grade_once(session, user_id, question_id, rating, expected_reps, duration_ms, origin,
                               desired_retention, now or utcnow())
        except (IntegrityError, OperationalError):
            # Another request graded this version first (or held the write lock): look again.
            session.rollback()
            if expected_reps is None:
                expected_reps = _version(session, user_id, question_id)
    raise GradeConflict("这张卡片正被同时评分，请重试 / the card is being graded concurrently, try again")


def _version(session: Session, user_id: int, question_id: str) -> int:
    row = _card(session, user_id, question_id)
    return row.reps if row else 0


def _grade_once(
    session: Session, user_id: int, question_id: str, rating: int, expected_reps: int | None,
    duration_ms: int | None, origin: str, desired_retention: float, now: datetime,
) -> GradeResult:
    _live_question(session, question_id)
    row = _card(session, user_id, question_id)
    version = row.reps if row else 0
    if expected_reps is not None and expected_reps != version:
        return _already_graded(session, user_id, question_id, expected_reps, rating)
    scheduler = scheduler_for(session=session, user_id=user_id, desired_retention=desired_retention)
    before = snapshot(row)
    card, _log = scheduler.review_card(to_fsrs(row, now), Rating(rating), review_datetime=now)
    values: dict[str, Any] = {"state": int(card.state), "step": card.step, "stability": card.stability,
              "difficulty": card.difficulty, "due": card.due, "last_review": card.last_review,
              "reps": version + 1, "lapses": (row.lapses if row else 0) + (1 if _lapsed(row, rating) else 0)}
    if row is None:
        session.add(ReviewCard(user_id=user_id, question_id=question_id, **values))
        session.flush()
    else:
        changed = session.execute(
            update(ReviewCard).where(col(ReviewCard.id) == row.id, col(ReviewCard.reps) == version).values(**values)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            return _already_graded(session, user_id, question_id, version, rating)
    log = ReviewLog(user_id=user_id, question_id=question_id, rating=rating, reviewed_at=now,
                    duration_ms=duration_ms, origin=origin, card_before=before, scheduled=True,
                    idempotency_key=idempotency_key(user_id, question_id, version))
    session.add(log)
    session.commit()
    return GradeResult(question_id=question_id, rating=rating, due=card.due, interval=card.due - now,
                       state=State(card.state).name.lower(), duplicate=False, scheduled=True, log_id=log.id)


def _lapsed(row: ReviewCard | None, rating: int) -> bool:
    return row is not None and row.state == int(State.Review) and rating == int(Rating.Again)


def _already_graded(session: Session, user_id: int, question_id: str, version: int, rating: int) -> GradeResult:
    """A grade for a version that is no longer current: the same grade again is a duplicate, another is refused."""
    log = session.exec(
        select(ReviewLog).where(ReviewLog.idempotency_key == idempotency_key(user_id, question_id, version))
    ).first()
    if log is None or log.rating != rating:
        raise GradeConflict(
            "这张卡片已经评过分（可能在另一个标签页），请刷新后再试 / "
            "this card was already graded (perhaps in another tab); reload and try again"
        )
    row = _card(session, user_id, question_id)
    due = as_utc(row.due) if row else None
    reviewed_at = as_utc(log.reviewed_at)
    return GradeResult(question_id=question_id, rating=rating, due=due,
                       interval=(due - reviewed_at) if due and reviewed_at else None,
                       state=State(row.state).name.lower() if row else "new", duplicate=True, scheduled=True,
                       log_id=log.id)


def record_practice(
    *, session: Session, user_id: int, question_id: str, correct: bool, origin: str,
    duration_ms: int | None = None, desired_retention: float = 0.9, now: datetime | None = None,
) -> GradeResult:
    """A quiz or mock-interview outcome: wrong → Again; right and due (or new) → Good; right early → log only.

    Answering a card right before it is due says little about its memory strength at the due date, so it
    must not push the due date out: quizzing ahead never inflates FSRS intervals.
    """
    now = now or utcnow()
    _live_question(session, question_id)
    row = _card(session, user_id, question_id)
    due = as_utc(row.due) if row else None
    if not correct or row is None or (due is not None and due <= now):
        rating = int(Rating.Good) if correct else int(Rating.Again)
        return grade(session=session, user_id=user_id, question_id=question_id, rating=rating,
                     expected_reps=row.reps if row else 0, duration_ms=duration_ms, origin=origin,
                     desired_retention=desired_retention, now=now)
    log = ReviewLog(user_id=user_id, question_id=question_id, rating=int(Rating.Good), reviewed_at=now,
                    duration_ms=duration_ms, origin=origin, card_before=snapshot(row), scheduled=False)
    session.add(log)
    session.commit()
    return GradeResult(question_id=question_id, rating=int(Rating.Good), due=due,
                       interval=(due - now) if due else None, state=State(row.state).name.lower(),
                       duplicate=False, scheduled=False, log_id=log.id)


def undo_last(*, session: Session, user_id: int) -> str | None:
    """Take back the learner's last review-screen grade: restore the card and delete its log."""
    log = session.exec(
        select(ReviewLog).where(ReviewLog.user_id == user_id, ReviewLog.origin == "review",
                                col(ReviewLog.scheduled).is_(True))
        .order_by(col(ReviewLog.id).desc())
    ).first()
    if log is None:
        return None
    row = _card(session, user_id, log.question_id)
    before = log.card_before
    if row is not None:
        if not before:
            session.delete(row)
        else:
            row.state, row.step = before["state"], before["step"]
            row.stability, row.difficulty = before["stability"], before["difficulty"]
            row.due = datetime.fromisoformat(before["due"]) if before["due"] else utcnow()
            row.last_review = datetime.fromisoformat(before["last_review"]) if before["last_review"] else None
            row.reps, row.lapses = before["reps"], before["lapses"]
            session.add(row)
    session.delete(log)
    session.commit()
    return log.question_id


def card_state(*, session: Session, user_id: int, question_id: str) -> dict[str, Any] | None:
    row = _card(session, user_id, question_id)
    if row is None:
        return None
    return {"due": _iso(row.due), "stability": row.stability, "difficulty": row.difficulty,
            "state": State(row.state).name.lower(), "last_review": _iso(row.last_review),
            "review_count": row.reps, "lapses": row.lapses}


def _introduced_today(session: Session, user_id: int, start: datetime, end: datetime) -> int:
    first_seen = (
        select(ReviewLog.question_id, func.min(ReviewLog.reviewed_at).label("first"))
        .where(ReviewLog.user_id == user_id, col(ReviewLog.scheduled).is_(True))
        .group_by(col(ReviewLog.question_id))
        .subquery()
    )
    return session.execute(
        select(func.count()).select_from(first_seen).where(first_seen.c.first >= start, first_seen.c.first < end)
    ).scalar_one()


def queue_counts(
    *, session: Session, user_id: int, daily_new_limit: int, zone: tzinfo, now: datetime | None = None
) -> QueueCounts:
    """How many cards are due now, how many new ones may still be introduced today, how many grades today."""
    now = now or utcnow()
    start, end = day_bounds(local_day(now, zone), zone)
    live = col(Question.retired).is_(False)
    due = session.execute(
        select(func.count()).select_from(ReviewCard).join(Question, col(Question.id) == ReviewCard.question_id)
        .where(ReviewCard.user_id == user_id, col(ReviewCard.due) <= now, live)
    ).scalar_one()
    unseen = session.execute(select(func.count()).select_from(Question).where(live, ~_has_card(user_id))).scalar_one()
    allowance = max(0, daily_new_limit - _introduced_today(session, user_id, start, end))
    reviewed = session.execute(
        select(func.count()).select_from(ReviewLog).where(
            ReviewLog.user_id == user_id, col(ReviewLog.reviewed_at) >= start, col(ReviewLog.reviewed_at) < end)
    ).scalar_one()
    return QueueCounts(due_now=due, new_available=min(unseen, allowance), reviewed_today=reviewed)


def _has_card(user_id: int) -> Any:
    return (
        select(ReviewCard.id)
        .where(ReviewCard.user_id == user_id, col(ReviewCard.question_id) == col(Question.id))
        .exists()
    )


def next_card(
    *, session: Session, user_id: int, daily_new_limit: int, zone: tzinfo, now: datetime | None = None
) -> tuple[Question, ReviewCard | None] | None:
    """The next card to study: the most overdue due card, else the next new question in bank order."""
    now = now or utcnow()
    due = session.exec(
        select(Question, ReviewCard).join(ReviewCard, col(ReviewCard.question_id) == col(Question.id))
        .where(ReviewCard.user_id == user_id, col(ReviewCard.due) <= now, col(Question.retired).is_(False))
        .order_by(col(ReviewCard.due), col(Question.position))
    ).first()
    if due is not None:
        return due[0], due[1]
    if queue_counts(session=session, user_id=user_id, daily_new_limit=daily_new_limit, zone=zone,
                    now=now).new_available <= 0:
        return None
    fresh = session.exec(
        select(Question).where(col(Question.retired).is_(False), ~_has_card(user_id))
        .order_by(col(Question.position))
    ).first()
    return (fresh, None) if fresh is not None else None


def next_due_at(*, session: Session, user_id: int) -> datetime | None:
    due = session.execute(
        select(func.min(ReviewCard.due)).join(Question, col(Question.id) == ReviewCard.question_id)
        .where(ReviewCard.user_id == user_id, col(Question.retired).is_(False))
    ).scalar_one()
    return as_utc(due)


def interval_previews(
    *, session: Session, user_id: int, row: ReviewCard | None, desired_retention: float, now: datetime | None = None
) -> dict[int, timedelta]:
    """The interval each rating would give this card now (the scheduler run on a copy)."""
    now = now or utcnow()
    scheduler = scheduler_for(session=session, user_id=user_id, desired_retention=desired_retention)
    previews = {}
    for rating in RATINGS:
        card, _log = scheduler.review_card(to_fsrs(row, now), Rating(rating), review_datetime=now)
        previews[rating] = card.due - now
    return previews


def format_interval(delta: timedelta | None, lang: str = "zh") -> str:
    """A short human interval: 10分钟, 3小时, 4天, 2.5个月, 1.2年 (or 10 min, 3 h, 4 d, 2.5 mo, 1.2 y)."""
    if delta is None:
        return "—"
    minutes = max(1, round(delta.total_seconds() / 60))
    days = delta.total_seconds() / 86400
    zh = lang == "zh"
    if minutes < 60:
        return f"{minutes}分钟" if zh else f"{minutes} min"
    if minutes < 60 * 24:
        hours = round(minutes / 60)
        return f"{hours}小时" if zh else f"{hours} h"
    if days < 30:
        return f"{round(days)}天" if zh else f"{round(days)} d"
    if days < 365:
        months = f"{days / 30:.1f}".rstrip("0").rstrip(".")
        return f"{months}个月" if zh else f"{months} mo"
    years = f"{days / 365:.1f}".rstrip("0").rstrip(".")
    return f"{years}年" if zh else f"{years} y"
