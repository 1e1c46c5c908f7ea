"""`preplab srs optimize`: fit the learner's FSRS parameters from their review history with fsrs.Optimizer.

The optimizer (PyTorch, CPU) learns only from reviews made on a later day than the card's previous review, among the
first 64 reviews of each card, and silently returns the default parameters when fewer than 512 of those exist (its
mini-batch size). We count them the same way first, so the learner hears how many more are needed instead of
getting defaults dressed up as a fit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from fsrs import Rating, Scheduler
from fsrs import ReviewLog as FsrsReviewLog
from sqlmodel import Session, col, select

from app.clock import as_utc
from app.models import ReviewLog, UserSettings, utcnow

MIN_REVIEWS = 512  # fsrs.optimizer.mini_batch_size: below it compute_optimal_parameters() returns the defaults
MAX_SEQUENCE = 64  # fsrs.optimizer.max_seq_len: reviews of a card after the 64th are not used


@dataclass(frozen=True)
class OptimizeOutcome:
    logs: int  # scheduled review grades read
    countable: int  # of those, the reviews the optimizer learns from
    parameters: list[float] | None  # the fitted parameters (stored), or None when there was too little history

    @property
    def needed(self) -> int:
        return max(0, MIN_REVIEWS - self.countable)


def training_logs(*, session: Session, user_id: int) -> list[FsrsReviewLog]:
    """The learner's review-page grades that moved the schedule, as fsrs.ReviewLog (one card id per question)."""
    rows = session.exec(
        select(ReviewLog)
        .where(col(ReviewLog.user_id) == user_id, col(ReviewLog.origin) == "review", col(ReviewLog.scheduled).is_(True))
        .order_by(col(ReviewLog.reviewed_at), col(ReviewLog.id))
    ).all()
    card_ids: dict[str, int] = {}
    logs = []
    for row in rows:
        card_id = card_ids.setdefault(row.question_id, len(card_ids) + 1)
        reviewed_at = as_utc(row.reviewed_at)
        assert reviewed_at is not None
        logs.append(FsrsReviewLog(card_id=card_id, rating=Rating(row.rating), review_datetime=reviewed_at,
                                  review_duration=row.duration_ms))
    return logs


def countable_reviews(logs: list[FsrsReviewLog]) -> int:
    """Reviews on a later day than the same card's previous one, within each card's first 64 (what fsrs trains on)."""
    by_card: dict[int, list[datetime]] = defaultdict(list)
    for log in logs:
        by_card[log.card_id].append(log.review_datetime)
    count = 0
    for moments in by_card.values():
        moments = sorted(moments)[:MAX_SEQUENCE]
        count += sum(1 for before, after in zip(moments, moments[1:], strict=False) if (after - before).days > 0)
    return count


def optimize_parameters(*, session: Session, user_id: int) -> OptimizeOutcome:
    """Fit and store UserSettings.fsrs_parameters when there is enough history; otherwise change nothing."""
    logs = training_logs(session=session, user_id=user_id)
    countable = countable_reviews(logs)
    if countable < MIN_REVIEWS:
        return OptimizeOutcome(logs=len(logs), countable=countable, parameters=None)
    from fsrs import Optimizer  # imports PyTorch: only this command pays for it, never the web app

    parameters = [float(value) for value in Optimizer(logs).compute_optimal_parameters()]
    Scheduler(parameters=parameters)  # the scheduler validates bounds; a bad fit must not reach the settings
    prefs = session.get(UserSettings, user_id) or UserSettings(user_id=user_id)
    prefs.fsrs_parameters = parameters
    prefs.updated_at = utcnow()
    session.add(prefs)
    session.commit()
    return OptimizeOutcome(logs=len(logs), countable=countable, parameters=parameters)
