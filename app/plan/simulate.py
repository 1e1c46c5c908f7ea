"""The review forecast: the learner's cards played forward day by day with the fsrs scheduler, as the review queue
would serve them (app/review/queue.py).

Each day of the learner's calendar: every card in (re)learning steps due that day is graded; cards in review state
due that day are graded oldest-due first up to the daily review cap, the rest wait (their due dates unchanged) for
the next days, as the queue holds them back; then up to the daily new limit of unseen questions start, in the
queue's order. Every grade is Good, given at the card's due time (or the day's start, or now, if later); a card
whose learning step falls due again the same day is graded again that day. Nothing here is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from fsrs import Card, Rating, Scheduler, State

from app.clock import day_bounds, local_day

MAX_STEPS_A_DAY = 20  # learning steps graded again the same day; FSRS's default steps need two


@dataclass(frozen=True)
class ForecastDay:
    day: date
    reviews: int  # cards in review state graded (never more than the daily review cap)
    learning: int  # grades of cards in (re)learning steps, a new card's second step included
    new: int  # unseen questions started
    backlog: int  # cards in review state that were due but wait for a later day (over the cap)

    @property
    def total(self) -> int:
        return self.reviews + self.learning + self.new


@dataclass
class SimCard:
    """One question's card in the simulation; `days` are the local days it was (or will be) graded."""

    question_id: str
    card: Card
    days: set[date] = field(default_factory=set)


@dataclass(frozen=True)
class Simulation:
    days: list[ForecastDay]
    cards: dict[str, SimCard]  # every question's card at the end (started ones included)


def _good(scheduler: Scheduler, card: Card, moment: datetime) -> Card:
    reviewed, _log = scheduler.review_card(card, Rating.Good, review_datetime=moment.astimezone(UTC))
    return reviewed


def _grade_through_day(scheduler: Scheduler, sim: SimCard, moment: datetime, day: date, day_end: datetime) -> int:
    """Grade the card Good at `moment`, then again at each learning step that falls due the same day; the number of
    grades after the first."""
    sim.card = _good(scheduler, sim.card, moment)
    sim.days.add(day)
    again = 0
    while sim.card.due < day_end and again < MAX_STEPS_A_DAY:
        sim.card = _good(scheduler, sim.card, max(sim.card.due, moment))
        again += 1
    return again


def new_card(moment: datetime) -> Card:
    return Card(card_id=1, state=State.Learning, step=0, due=moment)  # an id fsrs never reads; None would sleep 1 ms


def simulate(*, scheduler: Scheduler, cards: Sequence[SimCard], unseen: Sequence[str], now: datetime, zone: tzinfo,
             days: int, daily_new_limit: int, daily_review_limit: int, reviews_done_today: int = 0,
             new_done_today: int = 0) -> Simulation:
    """`days` forecast days from today (today first); `cards` are copied, `unseen` start in the order given."""
    state = {sim.question_id: SimCard(sim.question_id, copy(sim.card), set(sim.days)) for sim in cards}
    waiting = list(unseen)
    today = local_day(now, zone)
    forecast: list[ForecastDay] = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        start, end = day_bounds(day, zone)
        moment = max(now, start)
        cap = max(0, daily_review_limit - (reviews_done_today if offset == 0 else 0))
        learning = reviews = 0
        for sim in [s for s in state.values() if s.card.state != State.Review and s.card.due < end]:
            learning += 1 + _grade_through_day(scheduler, sim, max(sim.card.due, moment), day, end)
        due = sorted((s for s in state.values() if s.card.state == State.Review and s.card.due < end),
                     key=lambda s: (s.card.due, s.question_id))
        for sim in due[:cap]:
            learning += _grade_through_day(scheduler, sim, max(sim.card.due, moment), day, end)
            reviews += 1
        allowance = max(0, daily_new_limit - (new_done_today if offset == 0 else 0))
        starting, waiting = waiting[:allowance], waiting[allowance:]
        for question_id in starting:
            sim = state[question_id] = SimCard(question_id, new_card(moment))
            learning += _grade_through_day(scheduler, sim, moment, day, end)
        forecast.append(ForecastDay(day=day, reviews=reviews, learning=learning, new=len(starting),
                                    backlog=max(0, len(due) - cap)))
    return Simulation(days=forecast, cards=state)


def lead_days(scheduler: Scheduler, moment: datetime, zone: tzinfo) -> int:
    """Days from a new card's first sight to its second, on a later day, when both grades are Good (FSRS's own
    learning steps and first interval; 3 days with the default parameters)."""
    day = local_day(moment, zone)
    _start, end = day_bounds(day, zone)
    sim = SimCard("lead", new_card(moment))
    _grade_through_day(scheduler, sim, moment, day, end)
    return max(1, (local_day(sim.card.due, zone) - day).days)
