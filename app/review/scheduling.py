"""FSRS glue: ReviewCard rows to and from fsrs.Card, the learner's scheduler, and intervals as people read them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from fsrs import Card, Rating, Scheduler, State
from sqlmodel import Session

from app.clock import as_utc
from app.models import UserSettings

RATINGS = (Rating.Again, Rating.Hard, Rating.Good, Rating.Easy)
# py-fsrs draws its fuzz from the process-wide `random` at grade time, so a preview can't know it: an "8天" button
# could give anything from 6 to 11 days. The buttons must tell the truth, so PrepLab schedules without fuzz.
FUZZING = False
STATE_NAMES = {State.Learning: "learning", State.Review: "review", State.Relearning: "relearning"}


def scheduler_for(
    *, session: Session, user_id: int, desired_retention: float, enable_fuzzing: bool = FUZZING
) -> Scheduler:
    """The learner's scheduler: their fitted parameters when `preplab srs optimize` stored some, else FSRS defaults."""
    prefs = session.get(UserSettings, user_id)
    return scheduler_with(prefs.fsrs_parameters if prefs is not None else None, desired_retention, enable_fuzzing)


def scheduler_with(parameters: Sequence[float] | None, desired_retention: float,
                   enable_fuzzing: bool = FUZZING) -> Scheduler:
    """The scheduler for fitted `parameters` (None: FSRS defaults), shared by every grade with the same ones."""
    return _scheduler(tuple(parameters) if parameters else None, desired_retention, enable_fuzzing)


@lru_cache(maxsize=256)
def _scheduler(parameters: tuple[float, ...] | None, desired_retention: float, enable_fuzzing: bool) -> Scheduler:
    """A Scheduler holds only its configuration (review_card changes nothing in it), so one per configuration is
    shared by every grade instead of validated and built again each time."""
    if parameters:
        return Scheduler(parameters=parameters, desired_retention=desired_retention, enable_fuzzing=enable_fuzzing)
    return Scheduler(desired_retention=desired_retention, enable_fuzzing=enable_fuzzing)


class CardFields(Protocol):
    """A ReviewCard row's FSRS fields, as the ORM row or as a grade's own read has them."""

    @property
    def id(self) -> int | None: ...
    @property
    def state(self) -> int: ...
    @property
    def step(self) -> int | None: ...
    @property
    def stability(self) -> float | None: ...
    @property
    def difficulty(self) -> float | None: ...
    @property
    def due(self) -> datetime: ...
    @property
    def last_review(self) -> datetime | None: ...
    @property
    def reps(self) -> int: ...
    @property
    def lapses(self) -> int: ...


def new_card(now: datetime) -> Card:
    return Card(card_id=0, state=State.Learning, step=0, due=now)


def to_fsrs(row: CardFields) -> Card:
    due = as_utc(row.due)
    assert due is not None
    return Card(card_id=row.id or 0, state=State(row.state), step=row.step, stability=row.stability,
                difficulty=row.difficulty, due=due, last_review=as_utc(row.last_review))


def card_values(card: Card) -> dict[str, Any]:
    """The ReviewCard columns that FSRS owns, from an fsrs.Card."""
    return {"state": int(card.state), "step": card.step, "stability": card.stability, "difficulty": card.difficulty,
            "due": card.due, "last_review": card.last_review}


def snapshot(row: CardFields | None) -> dict[str, Any]:
    """What ReviewLog.card_before holds: the whole row as JSON, or {} when the question had no card (a new card)."""
    if row is None:
        return {}
    due, last_review = as_utc(row.due), as_utc(row.last_review)
    return {"state": row.state, "step": row.step, "stability": row.stability, "difficulty": row.difficulty,
            "due": due.isoformat() if due else None, "last_review": last_review.isoformat() if last_review else None,
            "reps": row.reps, "lapses": row.lapses}


def restore_values(before: dict[str, Any]) -> dict[str, Any]:
    """The ReviewCard columns a card_before snapshot describes (the inverse of `snapshot`)."""
    return {"state": before["state"], "step": before["step"], "stability": before["stability"],
            "difficulty": before["difficulty"], "due": _parse(before["due"]),
            "last_review": _parse(before["last_review"]), "reps": before["reps"], "lapses": before["lapses"]}


def _parse(text: str | None) -> datetime | None:
    return as_utc(datetime.fromisoformat(text)) if text else None


def review(scheduler: Scheduler, card: Card, rating: int, now: datetime, duration_ms: int | None = None) -> Card:
    """The card after one grade at `now` (fsrs insists on an aware UTC instant)."""
    moment = now.astimezone(UTC)
    reviewed, _log = scheduler.review_card(card, Rating(rating), review_datetime=moment, review_duration=duration_ms)
    return reviewed


def previews(scheduler: Scheduler, card: Card, now: datetime) -> dict[int, timedelta]:
    """For each rating 1–4, how long until the card would be due again (computed on a copy; nothing is saved)."""
    return {int(rating): review(scheduler, card, int(rating), now).due - now.astimezone(UTC) for rating in RATINGS}


def interval_text(delta: timedelta, lang: str = "zh") -> str:
    """An interval as a learner reads it on a button: 10分钟, 5小时, 4天, 2个月, 1.5年 (10m, 5h, 4d, 2mo, 1.5y)."""
    seconds = max(0.0, delta.total_seconds())
    value: float | int
    minutes, hours, days = seconds / 60, seconds / 3600, seconds / 86400
    if minutes < 60:
        value, unit = max(1, round(minutes)), ("分钟", "m")
    elif hours < 24:
        value, unit = round(hours), ("小时", "h")
    elif days < 30:
        value, unit = round(days), ("天", "d")
    elif days < 365:
        value, unit = _one_decimal(days / 30), ("个月", "mo")
    else:
        value, unit = _one_decimal(days / 365), ("年", "y")
    return f"{value}{unit[0] if lang == 'zh' else unit[1]}"


def _one_decimal(value: float) -> float | int:
    rounded = round(value, 1)
    return int(rounded) if rounded == int(rounded) else rounded


def state_name(state: int) -> str:
    return STATE_NAMES.get(State(state), "learning")
