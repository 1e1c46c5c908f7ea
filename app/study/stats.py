"""Learning statistics for the dashboard: activity by day, streak, retention and mastery by topic.

Each figure is one GROUP BY query (never a loop over questions); days are the learner's calendar days.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Integer, and_, case, cast, extract, func
from sqlmodel import Session, col, select

from app.clock import day_bounds, local_day, utcnow
from app.models import Question, ReviewCard, ReviewLog
from app.review.queue import DEFAULT_REVIEW_LIMIT
from app.review.service import queue_counts  # the review queue owns what "due" and "new" mean

# A question counts as mastered once FSRS expects it to be remembered for three weeks or more.
MASTERED_STABILITY_DAYS = 21.0
RETENTION_WINDOW_DAYS = 30
HEATMAP_WEEKS = 53
REVIEW_STATE = 2  # fsrs.State.Review
# Every time zone's UTC offset is a multiple of 15 minutes, so a 15-minute UTC bucket never straddles
# a local midnight: grouping by bucket in SQL and folding buckets into days here is exact.
BUCKET_SECONDS = 900


def epoch_bucket(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(extract("epoch", column) / BUCKET_SECONDS), Integer)
    return cast(func.strftime("%s", column), Integer) // BUCKET_SECONDS


def reviews_by_day(*, session: Session, user_id: int, zone: tzinfo, since: datetime | None = None) -> Counter[date]:
    """How many grades (review, quiz and mock alike) the learner gave on each local day."""
    bucket = epoch_bucket(session, col(ReviewLog.reviewed_at))
    query = select(bucket, func.count()).where(ReviewLog.user_id == user_id).group_by(bucket)
    if since is not None:
        query = query.where(col(ReviewLog.reviewed_at) >= since)
    counts: Counter[date] = Counter()
    for bucket_index, count in session.exec(query).all():
        moment = datetime.fromtimestamp(int(bucket_index) * BUCKET_SECONDS, UTC)
        counts[local_day(moment, zone)] += count
    return counts


def streak_days(counts: Counter[date], *, today: date) -> int:
    """Consecutive days with at least one grade, ending today — or yesterday, so the day isn't lost before studying."""
    day = today if counts[today] else today - timedelta(days=1)
    length = 0
    while counts[day]:
        length += 1
        day -= timedelta(days=1)
    return length


@dataclass(frozen=True)
class Retention:
    """Share of scheduled reviews of cards already in Review state that were recalled (rated Hard, Good or Easy)."""

    recalled: int
    total: int
    window_days: int

    @property
    def rate(self) -> float | None:
        return self.recalled / self.total if self.total else None


def retention(*, session: Session, user_id: int, zone: tzinfo, now: datetime | None = None,
              window_days: int = RETENTION_WINDOW_DAYS) -> Retention:
    """True retention over the last `window_days` learner days (today included).

    Learning-step grades and quizzing ahead of schedule say little about long-term memory, so only
    scheduled grades of cards that were in Review state before the grade count.
    """
    now = now or utcnow()
    start, _ = day_bounds(local_day(now, zone) - timedelta(days=window_days - 1), zone)
    state_before = col(ReviewLog.card_before)["state"].as_integer()
    recalled = func.sum(case((col(ReviewLog.rating) > 1, 1), else_=0))
    row = session.exec(
        select(func.count(), recalled).where(
            ReviewLog.user_id == user_id, col(ReviewLog.scheduled).is_(True), state_before == REVIEW_STATE,
            col(ReviewLog.reviewed_at) >= start, col(ReviewLog.reviewed_at) <= now,
        )
    ).one()
    return Retention(recalled=int(row[1] or 0), total=int(row[0]), window_days=window_days)


@dataclass(frozen=True)
class TopicMastery:
    topic: str | None
    total: int
    mastered: int  # Review state with stability >= MASTERED_STABILITY_DAYS
    learning: int  # has a card, not yet mastered

    @property
    def new(self) -> int:
        return self.total - self.mastered - self.learning

    def share(self, part: str) -> float:
        return getattr(self, part) / self.total if self.total else 0.0


def mastery_by_topic(*, session: Session, user_id: int) -> dict[str | None, TopicMastery]:
    """For each topic, how many active questions are mastered, being learned, or never seen."""
    is_mastered = and_(col(ReviewCard.state) == REVIEW_STATE,
                       col(ReviewCard.stability) >= MASTERED_STABILITY_DAYS)
    learners_card = and_(col(ReviewCard.question_id) == col(Question.id), col(ReviewCard.user_id) == user_id)
    rows = session.exec(
        select(Question.topic, func.count(col(Question.id)), func.sum(case((is_mastered, 1), else_=0)),
               func.count(col(ReviewCard.id)))
        .outerjoin(ReviewCard, learners_card)
        .where(col(Question.retired).is_(False))
        .group_by(col(Question.topic))
    ).all()
    return {
        topic: TopicMastery(topic=topic, total=total, mastered=int(mastered or 0), learning=carded - int(mastered or 0))
        for topic, total, mastered, carded in rows
    }


@dataclass(frozen=True)
class HeatmapDay:
    day: date
    count: int
    level: int  # 0 (none) to 4 (the busiest days)
    future: bool = False


def heatmap(counts: Counter[date], *, today: date, weeks: int = HEATMAP_WEEKS) -> list[HeatmapDay]:
    """`weeks` columns of Monday-to-Sunday days ending with today's week, in column order (for a CSS grid)."""
    first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    days = [first + timedelta(days=offset) for offset in range(7 * weeks)]
    busiest = max((counts[day] for day in days if day <= today), default=0)
    return [
        HeatmapDay(day=day, count=counts[day], level=_level(counts[day], busiest), future=day > today)
        for day in days
    ]


def _level(count: int, busiest: int) -> int:
    if count <= 0 or busiest <= 0:
        return 0
    return max(1, min(4, -(-4 * count // busiest)))


@dataclass(frozen=True)
class Dashboard:
    today: date
    due_now: int
    new_available: int
    reviewed_today: int
    streak_days: int
    retention: Retention
    mastery: list[TopicMastery]  # in the order of `topics`
    heatmap: list[HeatmapDay]
    learning_due: int = 0  # cards in (re)learning steps due now
    learning_later: int = 0  # … and later today
    review_due: int = 0  # cards in review state due now, within today's review cap
    backlog: int = 0  # due review cards over the cap, waiting for the next days
    new_today: int = 0  # new questions started from the review page today (what the daily limit counts)
    new_elsewhere_today: int = 0  # new questions a quiz or mock interview started today (not counted)


def dashboard(*, session: Session, user_id: int, daily_new_limit: int, zone: tzinfo, topics: list[str],
              now: datetime | None = None, daily_review_limit: int = DEFAULT_REVIEW_LIMIT) -> Dashboard:
    """The learner's day at a glance; `topics` orders the mastery bars (topics without questions are left out)."""
    now = now or utcnow()
    today = local_day(now, zone)
    queue = queue_counts(session=session, user_id=user_id, daily_new_limit=daily_new_limit, zone=zone, now=now,
                         daily_review_limit=daily_review_limit)
    counts = reviews_by_day(session=session, user_id=user_id, zone=zone)
    by_topic = mastery_by_topic(session=session, user_id=user_id)
    ordered = [by_topic[topic] for topic in topics if topic in by_topic]
    ordered += [row for topic, row in by_topic.items() if topic not in topics]
    return Dashboard(
        today=today, due_now=queue.due_now, new_available=queue.new_available, reviewed_today=queue.reviewed_today,
        streak_days=streak_days(counts, today=today),
        retention=retention(session=session, user_id=user_id, zone=zone, now=now),
        mastery=ordered, heatmap=heatmap(counts, today=today), learning_due=queue.learning_due,
        learning_later=queue.learning_later, review_due=queue.review_due, backlog=queue.backlog,
        new_today=queue.new_today, new_elsewhere_today=queue.new_elsewhere_today,
    )
