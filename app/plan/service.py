"""The study plan toward the interview date: the new-question quota that sees every chosen question twice before the
day, a forecast of reviews per day (app/plan/simulate.py), and the predicted recall on the day by topic and concept.

Recall on the day is FSRS's retrievability (fsrs.Scheduler.get_card_retrievability) of each question's card at
INTERVIEW_HOUR on the interview day, in the learner's zone: `recall_on_day` as the cards stand now (no more study),
`recall_with_plan` after the forecast's reviews (every due card reviewed, every grade Good). A question never
studied counts as 0: it cannot be recalled. A topic's or concept's recall is the mean over its questions that the
interview covers (every topic when the learner chose none); suspended and retired questions are left out.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo

from fsrs import Scheduler
from sqlalchemy import case
from sqlmodel import Session, col, select

from app.clock import as_utc, local_day, utcnow
from app.models import Bank, Concept, LearnerQuestion, Question, QuestionConcept, ReviewCard, ReviewLog
from app.plan.simulate import ForecastDay, SimCard, Simulation, lead_days, simulate
from app.preferences.service import preferences
from app.review import queue, scheduling

DAYS_WITHOUT_DATE = 30  # the forecast's length when no interview date is set (or it has passed)
MAX_DAYS = 366  # an interview further away is forecast for its first year
INTERVIEW_HOUR = 9  # recall is predicted for 09:00 on the interview day
FINAL_REVIEW_DAYS = 3  # the final review is offered on the interview day and the three days before it
SIGHTS = 2  # a chosen question counts as prepared once seen on this many different days


@dataclass(frozen=True)
class ConceptRecall:
    id: str
    name_zh: str
    name_en: str
    topic: str
    questions: int  # of the interview's questions tagged with it
    seen: int  # of those, studied at least once
    recall_on_day: float
    recall_with_plan: float


@dataclass(frozen=True)
class Plan:
    today: date
    interview_date: date | None
    days_left: int | None  # days from today to the interview (0: it is today; negative: it has passed)
    topics: list[str]  # the interview's topics as chosen ([] = every topic)
    questions: int  # questions the interview covers (live, not suspended)
    unseen: int  # of those, never studied
    lead_days: int  # days from a question's first sight to its second (FSRS, Good grades)
    daily_new_quota: int | None  # new questions a day to see every one twice before the day (None: no date)
    quota_reachable: bool  # False when too few days are left to see every question twice
    daily_new_limit: int
    daily_review_limit: int
    forecast: list[ForecastDay]  # today first: until the day before the interview, or DAYS_WITHOUT_DATE days
    recall_on_day: dict[str, float]  # topic → predicted recall on the day if studying stopped now
    recall_with_plan: dict[str, float]  # topic → predicted recall on the day after the forecast's reviews
    concepts: list[ConceptRecall]  # weakest first (recall on the day)
    prepared: int  # interview questions seen on SIGHTS different days by the day, following the plan

    @property
    def has_date(self) -> bool:
        return self.interview_date is not None and self.days_left is not None and self.days_left >= 0

    @property
    def final_review_open(self) -> bool:
        return self.has_date and self.days_left is not None and self.days_left <= FINAL_REVIEW_DAYS


@dataclass(frozen=True)
class Interview:
    """What the plan needs of the learner's settings."""

    date: date | None
    topics: list[str]
    daily_new_limit: int
    daily_review_limit: int
    desired_retention: float


def interview_of(*, session: Session, user_id: int) -> Interview:
    prefs = preferences(session=session, user_id=user_id)
    return Interview(date=prefs.interview_date, topics=list(prefs.interview_topics or []),
                     daily_new_limit=prefs.daily_new_limit, daily_review_limit=prefs.daily_review_limit,
                     desired_retention=prefs.desired_retention)


def interview_moment(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(INTERVIEW_HOUR), tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class _Material:
    """The learner's questions and cards as the plan reads them."""

    topic_of: dict[str, str | None]  # every live, unsuspended question → its topic
    cards: dict[str, SimCard]  # question → its card, with the days it was graded
    unseen: list[str]  # questions never studied, in the order the review queue starts them
    concepts_of: dict[str, list[str]]  # question → concept ids


def _material(session: Session, user_id: int, zone: tzinfo, priority: list[str]) -> _Material:
    suspended = select(LearnerQuestion.question_id).where(col(LearnerQuestion.user_id) == user_id,
                                                          col(LearnerQuestion.suspended).is_(True))
    order: list[object] = [case((col(Question.topic).in_(priority), 0), else_=1)] if priority else []
    rows = session.exec(
        select(Question.id, Question.topic).join(Bank, col(Bank.id) == col(Question.bank_id))
        .where(col(Question.retired).is_(False), col(Question.id).not_in(suspended))
        .order_by(*order, col(Bank.position), col(Bank.id), col(Question.position), col(Question.id))  # type: ignore[arg-type]
    ).all()
    topic_of: dict[str, str | None] = dict(rows)  # type: ignore[arg-type]
    cards: dict[str, SimCard] = {}
    for row in session.exec(select(ReviewCard).where(col(ReviewCard.user_id) == user_id)).all():
        if row.question_id in topic_of:
            cards[row.question_id] = SimCard(row.question_id, scheduling.to_fsrs(row))
    for question_id, moment in session.exec(select(ReviewLog.question_id, ReviewLog.reviewed_at)
                                            .where(col(ReviewLog.user_id) == user_id)).all():
        reviewed_at = as_utc(moment)
        if question_id in cards and reviewed_at is not None:
            cards[question_id].days.add(local_day(reviewed_at, zone))
    concepts_of: dict[str, list[str]] = defaultdict(list)
    for question_id, concept_id in session.exec(select(QuestionConcept.question_id, QuestionConcept.concept_id)).all():
        if question_id in topic_of:
            concepts_of[question_id].append(concept_id)
    return _Material(topic_of=topic_of, cards=cards, unseen=[q for q in topic_of if q not in cards],
                     concepts_of=concepts_of)


def _recall(scheduler: Scheduler, cards: dict[str, SimCard], question_id: str, moment: datetime) -> float:
    sim = cards.get(question_id)
    return float(scheduler.get_card_retrievability(sim.card, moment)) if sim else 0.0


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _quota(unseen: int, days_left: int | None, lead: int) -> tuple[int | None, bool]:
    """(new questions a day, reachable): every unseen question started by the day that leaves `lead` days for its
    second sight before the interview."""
    if days_left is None or days_left < 0:
        return None, True
    if unseen == 0:
        return 0, True
    window = days_left - lead
    if window <= 0:
        return unseen, False
    return math.ceil(unseen / window), True


def _concepts(session: Session, material: _Material, covered: list[str], on_day: dict[str, float],
              with_plan: dict[str, float]) -> list[ConceptRecall]:
    members: dict[str, list[str]] = defaultdict(list)
    for question_id in covered:
        for concept_id in material.concepts_of.get(question_id, []):
            members[concept_id].append(question_id)
    rows = session.exec(select(Concept).where(col(Concept.id).in_(list(members)))).all()
    concepts = [ConceptRecall(id=concept.id, name_zh=concept.name_zh, name_en=concept.name_en, topic=concept.topic,
                              questions=len(members[concept.id]),
                              seen=sum(q in material.cards for q in members[concept.id]),
                              recall_on_day=_mean([on_day[q] for q in members[concept.id]]),
                              recall_with_plan=_mean([with_plan[q] for q in members[concept.id]]))
                for concept in rows]
    position = {concept.id: concept.position for concept in rows}
    return sorted(concepts, key=lambda c: (c.recall_on_day, -c.questions, position[c.id]))


def _by_topic(covered: list[str], topic_of: dict[str, str | None], recall: dict[str, float]) -> dict[str, float]:
    groups: dict[str, list[float]] = defaultdict(list)
    for question_id in covered:
        groups[topic_of[question_id] or ""].append(recall[question_id])
    return {topic: _mean(values) for topic, values in groups.items()}


def build_plan(*, session: Session, user_id: int, zone: tzinfo, now: datetime | None = None) -> Plan:
    """The learner's plan as of `now`: quota, forecast, recall on the day by topic and concept."""
    now = (now or utcnow()).astimezone(UTC)
    interview = interview_of(session=session, user_id=user_id)
    today = local_day(now, zone)
    days_left = (interview.date - today).days if interview.date else None
    scheduler = scheduling.scheduler_for(session=session, user_id=user_id,
                                         desired_retention=interview.desired_retention)
    material = _material(session, user_id, zone, interview.topics)
    wanted = set(interview.topics)
    covered = [q for q, topic in material.topic_of.items() if not wanted or topic in wanted]
    dated = days_left is not None and days_left >= 0
    horizon = min(days_left, MAX_DAYS) if dated and days_left is not None else DAYS_WITHOUT_DATE
    simulation: Simulation = simulate(
        scheduler=scheduler, cards=list(material.cards.values()), unseen=material.unseen, now=now, zone=zone,
        days=horizon, daily_new_limit=interview.daily_new_limit, daily_review_limit=interview.daily_review_limit,
        reviews_done_today=queue.reviews_graded_today(session=session, user_id=user_id, zone=zone, now=now),
        new_done_today=queue.new_started_today(session=session, user_id=user_id, zone=zone, now=now))
    moment = interview_moment(interview.date, zone) if dated and interview.date else now
    on_day = {q: _recall(scheduler, material.cards, q, moment) for q in covered}
    with_plan = {q: _recall(scheduler, simulation.cards, q, moment) for q in covered}
    lead = lead_days(scheduler, now, zone)
    unseen = sum(q not in material.cards for q in covered)
    quota, reachable = _quota(unseen, days_left, lead)
    cutoff = interview.date if dated else None
    prepared = sum(1 for q in covered if q in simulation.cards
                   and len({d for d in simulation.cards[q].days if cutoff is None or d < cutoff}) >= SIGHTS)
    return Plan(
        today=today, interview_date=interview.date, days_left=days_left, topics=interview.topics,
        questions=len(covered), unseen=unseen, lead_days=lead, daily_new_quota=quota, quota_reachable=reachable,
        daily_new_limit=interview.daily_new_limit, daily_review_limit=interview.daily_review_limit,
        forecast=simulation.days,
        recall_on_day=_by_topic(covered, material.topic_of, on_day) if dated else {},
        recall_with_plan=_by_topic(covered, material.topic_of, with_plan) if dated else {},
        concepts=_concepts(session, material, covered, on_day, with_plan) if dated else [],
        prepared=prepared,
    )


def question_recall(*, session: Session, user_id: int, question_ids: list[str], moment: datetime,
                    desired_retention: float) -> dict[str, float]:
    """FSRS retrievability at `moment` of each question's card (0 for a question never studied)."""
    scheduler = scheduling.scheduler_for(session=session, user_id=user_id, desired_retention=desired_retention)
    rows = session.exec(select(ReviewCard).where(col(ReviewCard.user_id) == user_id,
                                                 col(ReviewCard.question_id).in_(question_ids))).all()
    cards = {row.question_id: SimCard(row.question_id, scheduling.to_fsrs(row)) for row in rows}
    return {question_id: _recall(scheduler, cards, question_id, moment) for question_id in question_ids}

