"""The review queue: which cards are due, which new questions may start today, and what the day looks like so far.

What the queue leaves out: retired questions, cards the learner suspended, and cards buried until a later moment.

Two daily limits, as in Anki. New questions: `daily_new_limit` started from the review page each learner day (a
quiz or a mock interview may start more; the dashboard counts those separately). Reviews: at most
`daily_review_limit` cards in review state graded from the review page each day; cards still in learning steps
are never held back, since they come back within minutes. After missed days the due review cards exceed the cap:
the queue shows the longest-waiting first, up to the cap, and the rest wait (their due dates unchanged) for the
next days, so a backlog drains at no more than the cap per day instead of landing at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, col, select

from app.clock import as_utc, day_bounds, local_day, utcnow
from app.models import Bank, LearnerQuestion, Question, QuestionConcept, ReviewCard, ReviewLog

REVIEW_STATE = 2  # fsrs.State.Review: the cards the daily review cap applies to
DEFAULT_REVIEW_LIMIT = 100


@dataclass(frozen=True)
class Scope:
    """Custom study: the queue narrowed to one concept, topic or bank; still only what is due or allowed new."""

    concept: str | None = None
    topic: str | None = None
    bank: str | None = None

    def __bool__(self) -> bool:
        return bool(self.concept or self.topic or self.bank)

    def params(self) -> dict[str, str]:
        """The scope as query or form fields (what the review page's links and forms carry)."""
        return {name: value for name, value in (("concept", self.concept), ("topic", self.topic),
                                                ("bank", self.bank)) if value}


ALL = Scope()


@dataclass(frozen=True)
class QueueCounts:
    due_now: int  # cards the queue shows now: learning cards due and review cards due within today's cap
    new_available: int  # new questions the learner may still start today
    reviewed_today: int  # grades given today (review, quiz and mock alike), in the learner's day
    new_today: int = 0  # new questions started today from the review page (what the daily limit counts)
    daily_new_limit: int = 0
    learning_due: int = 0  # cards in (re)learning steps due now
    learning_later: int = 0  # cards in (re)learning steps due later today
    review_due: int = 0  # cards in review state due now, within today's cap
    backlog: int = 0  # cards in review state due now beyond today's cap: they wait for the next days
    reviews_today: int = 0  # review-state cards graded today from the review page (what the cap counts)
    daily_review_limit: int = DEFAULT_REVIEW_LIMIT
    new_elsewhere_today: int = 0  # new questions first graded today in a quiz, mock or elsewhere (not counted)


def _utc(now: datetime | None) -> datetime:
    return (now or utcnow()).astimezone(UTC)


def _with_scope(query: Any, scope: Scope) -> Any:
    if scope.concept is not None:
        query = query.join(QuestionConcept, and_(col(QuestionConcept.question_id) == col(Question.id),
                                                 col(QuestionConcept.concept_id) == scope.concept))
    if scope.topic is not None:
        query = query.where(col(Question.topic) == scope.topic)
    if scope.bank is not None:
        query = query.where(col(Question.bank_id) == scope.bank)
    return query


def _not_set_aside(query: Any, user_id: int, now: datetime) -> Any:
    """Leave out questions this learner suspended or buried past `now`."""
    mine = and_(col(LearnerQuestion.question_id) == col(Question.id), col(LearnerQuestion.user_id) == user_id)
    return query.outerjoin(LearnerQuestion, mine).where(or_(
        col(LearnerQuestion.user_id).is_(None),
        and_(col(LearnerQuestion.suspended).is_(False),
             or_(col(LearnerQuestion.buried_until).is_(None), col(LearnerQuestion.buried_until) <= now))))


def _due_query(user_id: int, now: datetime, scope: Scope, *, review_state: bool | None = None) -> Any:
    """Due cards; review_state True: only cards in review state, False: only cards in (re)learning steps."""
    query = (
        select(ReviewCard, Question)
        .join(Question, col(Question.id) == col(ReviewCard.question_id))
        .where(col(ReviewCard.user_id) == user_id, col(ReviewCard.due) <= now, col(Question.retired).is_(False))
    )
    if review_state is True:
        query = query.where(col(ReviewCard.state) == REVIEW_STATE)
    elif review_state is False:
        query = query.where(col(ReviewCard.state) != REVIEW_STATE)
    return _with_scope(_not_set_aside(query, user_id, now), scope)


def _new_query(user_id: int, now: datetime, scope: Scope) -> Any:
    learners_card = and_(col(ReviewCard.question_id) == col(Question.id), col(ReviewCard.user_id) == user_id)
    query = (
        select(Question)
        .join(Bank, col(Bank.id) == col(Question.bank_id))
        .outerjoin(ReviewCard, learners_card)
        .where(col(ReviewCard.id).is_(None), col(Question.retired).is_(False))
    )
    return _with_scope(_not_set_aside(query, user_id, now), scope)


def _count(session: Session, query: Any) -> int:
    return int(session.exec(select(func.count()).select_from(query.subquery())).one())


def _todays_logs(user_id: int, zone: tzinfo, now: datetime) -> Any:
    start, end = day_bounds(local_day(now, zone), zone)
    return select(func.count()).select_from(ReviewLog).where(
        col(ReviewLog.user_id) == user_id, col(ReviewLog.reviewed_at) >= start, col(ReviewLog.reviewed_at) < end)


def _was_new() -> Any:
    return col(ReviewLog.card_before)["state"].as_integer().is_(None)


def new_started_today(*, session: Session, user_id: int, zone: tzinfo, now: datetime | None = None) -> int:
    """New questions started from the review page in the learner's day: what the daily new limit counts."""
    query = _todays_logs(user_id, zone, _utc(now)).where(
        col(ReviewLog.scheduled).is_(True), col(ReviewLog.origin) == "review", _was_new())
    return int(session.exec(query).one())


def new_started_elsewhere_today(*, session: Session, user_id: int, zone: tzinfo, now: datetime | None = None) -> int:
    """New questions first graded today by a quiz or a mock interview: not counted against the daily limit."""
    query = _todays_logs(user_id, zone, _utc(now)).where(
        col(ReviewLog.scheduled).is_(True), col(ReviewLog.origin) != "review", _was_new())
    return int(session.exec(query).one())


def reviews_graded_today(*, session: Session, user_id: int, zone: tzinfo, now: datetime | None = None) -> int:
    """Cards in review state graded from the review page today: what the daily review cap counts."""
    state_before = col(ReviewLog.card_before)["state"].as_integer()
    query = _todays_logs(user_id, zone, _utc(now)).where(
        col(ReviewLog.scheduled).is_(True), col(ReviewLog.origin) == "review", state_before == REVIEW_STATE)
    return int(session.exec(query).one())


def reviewed_today(*, session: Session, user_id: int, zone: tzinfo, now: datetime | None = None) -> int:
    return int(session.exec(_todays_logs(user_id, zone, _utc(now))).one())


def queue_counts(*, session: Session, user_id: int, daily_new_limit: int, zone: tzinfo, now: datetime | None = None,
                 scope: Scope = ALL, daily_review_limit: int = DEFAULT_REVIEW_LIMIT) -> QueueCounts:
    """Due now (within the review cap), new still allowed today (the limit less those started), today's grades."""
    now = _utc(now)
    started = new_started_today(session=session, user_id=user_id, zone=zone, now=now)
    allowance = max(0, daily_new_limit - started)
    unseen = _count(session, _new_query(user_id, now, scope)) if allowance else 0
    reviews = reviews_graded_today(session=session, user_id=user_id, zone=zone, now=now)
    review_allowance = max(0, daily_review_limit - reviews)
    review_due_all = _count(session, _due_query(user_id, now, scope, review_state=True))
    learning_due = _count(session, _due_query(user_id, now, scope, review_state=False))
    _, day_end = day_bounds(local_day(now, zone), zone)
    learning_later = _count(session, _due_query(user_id, day_end, scope, review_state=False)
                            .where(col(ReviewCard.due) > now))
    review_due = min(review_due_all, review_allowance)
    return QueueCounts(
        due_now=learning_due + review_due, new_available=min(allowance, unseen),
        reviewed_today=reviewed_today(session=session, user_id=user_id, zone=zone, now=now),
        new_today=started, daily_new_limit=daily_new_limit, learning_due=learning_due,
        learning_later=learning_later, review_due=review_due, backlog=review_due_all - review_due,
        reviews_today=reviews, daily_review_limit=daily_review_limit,
        new_elsewhere_today=new_started_elsewhere_today(session=session, user_id=user_id, zone=zone, now=now),
    )


def first_due(*, session: Session, user_id: int, now: datetime | None = None, scope: Scope = ALL,
              reviews_allowed: bool = True) -> tuple[ReviewCard, Question] | None:
    """The card that has waited longest; only (re)learning cards once today's review cap is spent."""
    query = _due_query(user_id, _utc(now), scope, review_state=None if reviews_allowed else False)
    row = session.exec(query.order_by(col(ReviewCard.due), col(ReviewCard.id))).first()
    return (row[0], row[1]) if row else None


def first_new(*, session: Session, user_id: int, now: datetime | None = None, scope: Scope = ALL,
              priority_topics: Sequence[str] = ()) -> Question | None:
    """The first question never graded: the interview's topics first (when set), then in bank order."""
    order: list[Any] = []
    if priority_topics:
        order.append(case((col(Question.topic).in_(list(priority_topics)), 0), else_=1))
    order += [col(Bank.position), col(Bank.id), col(Question.position), col(Question.id)]
    return session.exec(_new_query(user_id, _utc(now), scope).order_by(*order)).first()


def next_due_at(*, session: Session, user_id: int, now: datetime | None = None, scope: Scope = ALL) -> datetime | None:
    """When the next card falls due, for the "done for today" message."""
    moment = _utc(now)
    query = (
        select(func.min(col(ReviewCard.due)))
        .join(Question, col(Question.id) == col(ReviewCard.question_id))
        .where(col(ReviewCard.user_id) == user_id, col(ReviewCard.due) > moment, col(Question.retired).is_(False))
    )
    query = _with_scope(_not_set_aside(query, user_id, moment), scope)
    return as_utc(session.exec(query).one())
