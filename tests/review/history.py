"""A realistic synthetic review history, made by the real FSRS scheduler: a learner who starts a few new questions a
day, reviews whatever is due each morning (and learning steps minutes later), and recalls with the probability the
scheduler itself predicts."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from fsrs import Card, Rating, Scheduler
from sqlmodel import Session

from app.models import ReviewLog

PASSES = (timedelta(0), timedelta(minutes=15), timedelta(minutes=30), timedelta(minutes=45))  # one sitting a day


def _rating(scheduler: Scheduler, card: Card, now: datetime, rng: random.Random) -> Rating:
    recalled = card.last_review is None or rng.random() < scheduler.get_card_retrievability(card, now)
    if not recalled:
        return Rating.Again
    return rng.choices((Rating.Hard, Rating.Good, Rating.Easy), weights=(15, 75, 10))[0]


def simulate(question_ids: list[str], *, start: datetime, days: int, new_per_day: int,
             seed: int = 7) -> Iterator[tuple[str, Rating, datetime, Card]]:
    """(question id, rating, time, card before) for every grade the learner gives, in time order."""
    scheduler, rng = Scheduler(enable_fuzzing=False), random.Random(seed)
    cards: dict[str, Card] = {}
    waiting = list(question_ids)
    for day in range(days):
        morning = start + timedelta(days=day, hours=rng.uniform(0, 3))
        for _ in range(min(new_per_day, len(waiting))):
            question_id = waiting.pop(0)
            cards[question_id] = Card(card_id=len(cards) + 1, due=morning)
        for offset in PASSES:
            now = morning + offset
            for question_id, card in sorted(cards.items(), key=lambda item: item[1].due):
                if card.due > now:
                    continue
                rating = _rating(scheduler, card, now, rng)
                yield question_id, rating, now, card
                cards[question_id], _ = scheduler.review_card(card, rating, review_datetime=now)


def write_history(session: Session, *, user_id: int, question_ids: list[str], start: datetime, days: int,
                  new_per_day: int) -> int:
    """Store the simulated grades as the review service would have logged them; returns how many."""
    count = 0
    for question_id, rating, moment, card in simulate(question_ids, start=start, days=days, new_per_day=new_per_day):
        before = {} if card.last_review is None else card.to_dict()
        session.add(ReviewLog(user_id=user_id, question_id=question_id, rating=int(rating), reviewed_at=moment,
                              duration_ms=8000, origin="review", card_before=before, scheduled=True))
        count += 1
    session.commit()
    return count
