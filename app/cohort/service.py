"""The cohort view for an admin: each learner's grades over the last 7 and 30 days and their streak, the group's
weakest concepts now, and every learner's mock-interview scores over time.

Weakest concepts: FSRS's retrievability (fsrs.Scheduler.get_card_retrievability, each learner's own scheduler, as in
app/mock/weak.py) of every card the group holds on a live question, averaged per concept over all the group's cards
tagged with it; the lowest first. Grades and streaks count what the dashboard counts (app/study/stats.py: every
grade, review, quiz and mock alike, by the learner's calendar day). A round's score is its report's (app/mock/report.py:
right answers over all questions), for rounds that are over.

A fixed number of queries whatever the group's size (GROUP BY and IN, never one per learner): tests/cohort counts
them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from fsrs import Scheduler
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from app.clock import as_utc, day_bounds, local_day, utcnow
from app.mock.report import is_right, scoring_inputs  # the report's own scoring, for every learner at once
from app.models import (
    Concept,
    MockInterview,
    Question,
    QuestionConcept,
    ReviewCard,
    ReviewLog,
    User,
    UserSettings,
)
from app.review import scheduling
from app.study.stats import BUCKET_SECONDS, epoch_bucket, streak_days

WINDOWS = (7, 30)  # the grade counts' windows, in the learner's days (today included)
STREAK_WINDOW_DAYS = 366  # streaks are counted back this far; a longer one shows as "366+"
WEAKEST_CONCEPTS = 10


@dataclass(frozen=True)
class LearnerLine:
    user_id: int
    name: str
    role: str
    disabled: bool
    reviews_7d: int
    reviews_30d: int
    streak_days: int
    streak_capped: bool  # the streak reaches back to the start of the window: at least this long
    last_day: date | None  # the last day they graded anything (within the streak window)
    cards: int  # cards on live questions
    recall: float | None  # mean retrievability of those cards now (None: no card yet)
    rounds: int  # mock interviews that are over
    last_score: int | None  # the newest of those rounds' percentage


@dataclass(frozen=True)
class ConceptLine:
    id: str
    name_zh: str
    name_en: str
    topic: str
    recall: float  # mean retrievability over the group's cards tagged with the concept
    cards: int
    learners: int


@dataclass(frozen=True)
class RoundPoint:
    user_id: int
    name: str
    interview_id: int
    title: str
    started_at: datetime
    day: date  # started_at's day in the learner's zone
    right: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.right / self.total) if self.total else 0


@dataclass(frozen=True)
class Cohort:
    today: date
    learners: list[LearnerLine]
    weakest: list[ConceptLine]
    rounds: list[RoundPoint]  # oldest first

    @property
    def cards(self) -> int:
        return sum(line.cards for line in self.learners)


def build_cohort(*, session: Session, zone: tzinfo, user_ids: Sequence[int] | None = None,
                 now: datetime | None = None) -> Cohort:
    """The group: every user, or only `user_ids` (single-user mode's cohort of one)."""
    now = now or utcnow()
    today = local_day(now, zone)
    query = select(User).order_by(col(User.name))
    if user_ids is not None:
        query = query.where(col(User.id).in_(list(user_ids)))
    users = list(session.exec(query).all())
    ids = [user.id for user in users if user.id is not None]
    days = _days_by_learner(session, ids, zone, today)
    recall_by_card, weakest = _recall(session, ids, now)
    rounds = _rounds(session, users, now, zone)
    recall_by_learner: dict[int, list[float]] = defaultdict(list)
    for (owner, _question), value in recall_by_card.items():
        recall_by_learner[owner].append(value)
    rounds_by_learner: dict[int, list[RoundPoint]] = defaultdict(list)
    for point in rounds:
        rounds_by_learner[point.user_id].append(point)
    lines = []
    for user in users:
        assert user.id is not None
        counts, mine, over = days[user.id], recall_by_learner[user.id], rounds_by_learner[user.id]
        streak = streak_days(counts, today=today)
        lines.append(LearnerLine(
            user_id=user.id, name=user.name, role=user.role, disabled=user.disabled,
            reviews_7d=_within(counts, today, WINDOWS[0]), reviews_30d=_within(counts, today, WINDOWS[1]),
            streak_days=streak, streak_capped=streak >= STREAK_WINDOW_DAYS, last_day=max(counts, default=None),
            cards=len(mine), recall=sum(mine) / len(mine) if mine else None, rounds=len(over),
            last_score=over[-1].percent if over else None))
    return Cohort(today=today, learners=lines, weakest=weakest, rounds=rounds)


def _within(counts: Counter[date], today: date, days: int) -> int:
    first = today - timedelta(days=days - 1)
    return sum(count for day, count in counts.items() if first <= day <= today)


def _days_by_learner(session: Session, ids: list[int], zone: tzinfo, today: date) -> dict[int, Counter[date]]:
    """Grades per learner per local day over the streak window: one GROUP BY of 15-minute UTC buckets, folded into
    days here (exact in every zone, as on the dashboard)."""
    since, _end = day_bounds(today - timedelta(days=STREAK_WINDOW_DAYS - 1), zone)
    bucket = epoch_bucket(session, col(ReviewLog.reviewed_at))
    rows = session.exec(select(ReviewLog.user_id, bucket, func.count())
                        .where(col(ReviewLog.user_id).in_(ids), col(ReviewLog.reviewed_at) >= since)
                        .group_by(col(ReviewLog.user_id), bucket)).all()
    days: dict[int, Counter[date]] = defaultdict(Counter)
    for user_id, bucket_index, count in rows:
        moment = datetime.fromtimestamp(int(bucket_index) * BUCKET_SECONDS, UTC)
        days[user_id][local_day(moment, zone)] += count
    return days


def _schedulers(session: Session, ids: list[int]) -> dict[int, Scheduler]:
    """Each learner's scheduler (scheduling.scheduler_for), their settings read in one query first, so that its
    session.get finds them in the identity map; a learner with no settings row has FSRS's defaults."""
    loaded = list(session.exec(select(UserSettings).where(col(UserSettings.user_id).in_(ids))))  # held: the map is weak
    return {row.user_id: scheduling.scheduler_for(session=session, user_id=row.user_id, desired_retention=0.9)
            for row in loaded}


def _recall(session: Session, ids: list[int], now: datetime) -> tuple[dict[tuple[int, str], float], list[ConceptLine]]:
    """Retrievability now of each (learner, question) card on a live question, and the weakest concepts."""
    schedulers = _schedulers(session, ids)
    default = Scheduler(enable_fuzzing=scheduling.FUZZING)
    cards = session.exec(select(ReviewCard).join(Question, col(Question.id) == col(ReviewCard.question_id))
                         .where(col(ReviewCard.user_id).in_(ids), col(Question.retired).is_(False))).all()
    recall = {(card.user_id, card.question_id): float(schedulers.get(card.user_id, default)
                                                      .get_card_retrievability(scheduling.to_fsrs(card), now))
              for card in cards}
    by_question: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for (user_id, question_id), value in recall.items():
        by_question[question_id].append((user_id, value))
    by_concept: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for question_id, concept_id in session.exec(select(QuestionConcept.question_id, QuestionConcept.concept_id)
                                                .where(col(QuestionConcept.question_id).in_(list(by_question)))).all():
        by_concept[concept_id] += by_question[question_id]
    concepts = {concept.id: concept for concept in session.exec(
        select(Concept).where(col(Concept.id).in_(list(by_concept)))).all()}
    lines = [ConceptLine(id=concept.id, name_zh=concept.name_zh, name_en=concept.name_en, topic=concept.topic,
                         recall=sum(value for _user, value in by_concept[concept.id]) / len(by_concept[concept.id]),
                         cards=len(by_concept[concept.id]),
                         learners=len({user for user, _value in by_concept[concept.id]}))
             for concept in concepts.values()]
    lines.sort(key=lambda line: (line.recall, -line.cards, concepts[line.id].position))
    return recall, lines[:WEAKEST_CONCEPTS]


def _rounds(session: Session, users: list[User], now: datetime, zone: tzinfo) -> list[RoundPoint]:
    """Every mock interview of the group that is over (handed in, or its time has run out), oldest first, scored
    as its report scores it."""
    names = {user.id: user.name for user in users}
    over = or_(col(MockInterview.finished_at).is_not(None), col(MockInterview.deadline) <= now)
    interviews = list(session.exec(
        select(MockInterview).where(col(MockInterview.user_id).in_(list(names)), over)
        .order_by(col(MockInterview.started_at), col(MockInterview.id))).all())
    answers, kinds, right = scoring_inputs(session, interviews)
    points = []
    for interview in interviews:
        assert interview.id is not None
        group = answers[interview.id]
        started = as_utc(interview.started_at)
        assert started is not None
        points.append(RoundPoint(
            user_id=interview.user_id, name=names[interview.user_id], interview_id=interview.id,
            title=interview.title, started_at=started, day=local_day(started, zone), total=len(group),
            right=sum(is_right(kinds[answer.question_id], answer, right[answer.question_id]) for answer in group)))
    return points
