"""The review queue: which cards are due, which new questions may start today, and what the day looks like so far."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from app.clock import as_utc, day_bounds, local_day, utcnow
from app.models import Bank, Question, QuestionConcept, ReviewCard, ReviewLog


@dataclass(frozen=True)
class QueueCounts:
    due_now: int  # cards due at this moment
    new_available: int  # new questions the learner may still start today
    reviewed_today: int  # grades given today (review, quiz and mock alike), in the learner's day
    new_today: int = 0  # new questions started today
    daily_new_limit: int = 0


def _utc(now: datetime | None) -> datetime:
    return (now or utcnow()).astimezone(UTC)


def _with_concept(query: Any, concept: str | None) -> Any:
    if concept is None:
        return query
    return query.join(QuestionConcept, and_(col(QuestionConcept.question_id) == col(Question.id),
                                            col(QuestionConcept.concept_id) == concept))


def _due_query(user_id: int, now: datetime, concept: str | None) -> Any:
    query = (
        select(ReviewCard, Question)
        .join(Question, col(Question.id) == col(ReviewCard.question_id))
        .where(col(ReviewCard.user_id) == user_id, col(ReviewCard.due) <= now, col(Question.retired).is_(False))
    )
    return _with_concept(query, concept)


def _new_query(user_id: int, concept: str | None) -> Any:
    learners_card = and_(col(ReviewCard.question_id) == col(Question.id), col(ReviewCard.user_id) == user_id)
    query = (
        select(Question)
        .join(Bank, col(Bank.id) == col(Question.bank_id))
        .outerjoin(ReviewCard, learners_card)
        .where(col(ReviewCard.id).is_(None), col(Question.retired).is_(False))
    )
    return _with_concept(query, concept)


def _count(session: Session, query: Any) -> int:
    return int(session.exec(select(func.count()).select_from(query.subquery())).one())


def new_started_today(*, session: Session, user_id: int, zone: tzinfo, now: datetime | None = None) -> int:
    """New questions started in the learner's day: grades whose card_before is {} (there was no card yet)."""
    start, end = day_bounds(local_day(_utc(now), zone), zone)
    was_new = col(ReviewLog.card_before)["state"].as_integer().is_(None)
    query = select(func.count()).select_from(ReviewLog).where(
        col(ReviewLog.user_id) == user_id, col(ReviewLog.scheduled).is_(True), was_new,
        col(ReviewLog.reviewed_at) >= start, col(ReviewLog.reviewed_at) < end)
    return int(session.exec(query).one())


def reviewed_today(*, session: Session, user_id: int, zone: tzinfo, now: datetime | None = None) -> int:
    start, end = day_bounds(local_day(_utc(now), zone), zone)
    query = select(func.count()).select_from(ReviewLog).where(
        col(ReviewLog.user_id) == user_id, col(ReviewLog.reviewed_at) >= start, col(ReviewLog.reviewed_at) < end)
    return int(session.exec(query).one())


def queue_counts(*, session: Session, user_id: int, daily_new_limit: int, zone: tzinfo, now: datetime | None = None,
                 concept: str | None = None) -> QueueCounts:
    """Due now, new still allowed today (the daily limit less those already started) and grades given today."""
    now = _utc(now)
    started = new_started_today(session=session, user_id=user_id, zone=zone, now=now)
    allowance = max(0, daily_new_limit - started)
    unseen = _count(session, _new_query(user_id, concept)) if allowance else 0
    return QueueCounts(
        due_now=_count(session, _due_query(user_id, now, concept)), new_available=min(allowance, unseen),
        reviewed_today=reviewed_today(session=session, user_id=user_id, zone=zone, now=now),
        new_today=started, daily_new_limit=daily_new_limit,
    )


def first_due(*, session: Session, user_id: int, now: datetime | None = None,
              concept: str | None = None) -> tuple[ReviewCard, Question] | None:
    """The card that has waited longest."""
    query = _due_query(user_id, _utc(now), concept).order_by(col(ReviewCard.due), col(ReviewCard.id))
    row = session.exec(query).first()
    return (row[0], row[1]) if row else None


def first_new(*, session: Session, user_id: int, concept: str | None = None) -> Question | None:
    """The first question never graded, in bank order."""
    query = _new_query(user_id, concept).order_by(col(Bank.position), col(Bank.id), col(Question.position),
                                                  col(Question.id))
    return session.exec(query).first()


def next_due_at(*, session: Session, user_id: int, now: datetime | None = None,
                concept: str | None = None) -> datetime | None:
    """When the next card falls due, for the "done for today" message."""
    query = (
        select(func.min(col(ReviewCard.due)))
        .join(Question, col(Question.id) == col(ReviewCard.question_id))
        .where(col(ReviewCard.user_id) == user_id, col(ReviewCard.due) > _utc(now), col(Question.retired).is_(False))
    )
    query = _with_concept(query, concept)
    return as_utc(session.exec(query).one())
