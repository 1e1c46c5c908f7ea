"""A round's report (score, time per question, topics, the trend against earlier rounds) and the history of rounds.

Scoring: an MCQ is right when the chosen options are exactly the right ones; an open or code answer is right when
the learner graded it 2–4 against the reference (1 is a miss), and is *ungraded* until then; an empty answer is
unanswered. The percentage is right answers over all questions, so ungraded answers count as not yet right.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app.choices import split_stored
from app.clock import as_utc
from app.mock.coverage import CoverageHint, coverage
from app.mock.errors import StillRunning
from app.mock.service import Round, RoundItem, close_if_expired
from app.models import Choice, Concept, MockAnswer, MockInterview, Question

TREND_ROUNDS = 10


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


@dataclass(frozen=True)
class ReportRow:
    item: RoundItem
    budget_ms: int
    hint: CoverageHint | None  # open and code answers only

    @property
    def status(self) -> str:
        return self.item.status

    @property
    def time_ms(self) -> int:
        return self.item.answer.time_spent_ms

    @property
    def over_budget(self) -> bool:
        return self.budget_ms > 0 and self.time_ms > self.budget_ms


@dataclass(frozen=True)
class TopicLine:
    topic: str | None
    total: int
    right: int
    wrong: int
    ungraded: int
    unanswered: int
    time_ms: int

    @property
    def percent(self) -> int:
        return _percent(self.right, self.total)


@dataclass(frozen=True)
class RoundSummary:
    id: int
    title: str
    preset: str | None
    started_at: datetime
    deadline: datetime
    finished_at: datetime | None
    total: int
    right: int
    ungraded: int
    minutes: float
    time_used_ms: int

    @property
    def percent(self) -> int:
        return _percent(self.right, self.total)


@dataclass(frozen=True)
class Report:
    round: Round
    rows: list[ReportRow]
    by_topic: list[TopicLine]
    trend: list[RoundSummary]  # earlier finished rounds then this one, oldest first
    weak_concepts: list[Concept]  # a weak-area round's concepts, weakest first

    def count(self, status: str) -> int:
        return sum(row.status == status for row in self.rows)

    @property
    def right(self) -> int:
        return self.count("right")

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def percent(self) -> int:
        return _percent(self.right, self.total)

    @property
    def time_used_ms(self) -> int:
        ended = self.round.finished_at or self.round.deadline
        return max(0, int((ended - self.round.started_at).total_seconds() * 1000))

    @property
    def previous(self) -> RoundSummary | None:
        return self.trend[-2] if len(self.trend) >= 2 else None

    @property
    def delta(self) -> int | None:
        """Percentage points against the round before this one."""
        return self.percent - self.previous.percent if self.previous else None

    @property
    def missed(self) -> list[ReportRow]:
        return [row for row in self.rows if row.status in ("wrong", "unanswered")]


def _by_topic(rows: list[ReportRow]) -> list[TopicLine]:
    """Topics in the order the round first asked them."""
    groups: dict[str | None, list[ReportRow]] = {}
    for row in rows:
        groups.setdefault(row.item.question.topic, []).append(row)
    return [TopicLine(topic=topic, total=len(group), right=sum(r.status == "right" for r in group),
                      wrong=sum(r.status == "wrong" for r in group),
                      ungraded=sum(r.status == "ungraded" for r in group),
                      unanswered=sum(r.status == "unanswered" for r in group),
                      time_ms=sum(r.time_ms for r in group)) for topic, group in groups.items()]


def build_report(*, session: Session, user_id: int, interview_id: int, now: datetime | None = None) -> Report:
    """The report of a round that is over (one whose time ran out is handed in first); StillRunning otherwise."""
    current = close_if_expired(session=session, user_id=user_id, interview_id=interview_id, now=now)
    if current.status != "finished":
        raise StillRunning(interview_id=interview_id)
    budget = current.budget_ms
    rows = [ReportRow(item=item, budget_ms=budget,
                      hint=None if item.question.kind == "mcq" else coverage(item.answer.answer, item.key_points))
            for item in current.items]
    started = current.started_at
    earlier = [summary for summary in round_summaries(session=session, user_id=user_id)
               if summary.finished_at is not None and summary.started_at < started and summary.id != current.id]
    mine = next(summary for summary in round_summaries(session=session, user_id=user_id, ids=[current.id]))
    trend = [*earlier[-(TREND_ROUNDS - 1):], mine]
    weak_ids = list(current.interview.settings.get("weak_concepts", []))
    concepts = {concept.id: concept for concept in session.exec(
        select(Concept).where(col(Concept.id).in_(weak_ids))).all()}
    return Report(round=current, rows=rows, by_topic=_by_topic(rows), trend=trend,
                  weak_concepts=[concepts[concept_id] for concept_id in weak_ids if concept_id in concepts])


def _right_labels(session: Session, question_ids: set[str]) -> dict[str, set[str]]:
    labels: dict[str, set[str]] = defaultdict(set)
    for question_id, label in session.exec(select(Choice.question_id, Choice.label).where(
            col(Choice.question_id).in_(question_ids), col(Choice.correct).is_(True))).all():
        labels[question_id].add(label)
    return labels


def is_right(kind: str, answer: MockAnswer, right: set[str]) -> bool:
    if kind == "mcq":
        chosen = set(split_stored(answer.choice))
        return bool(chosen) and chosen == right
    return bool(answer.answer.strip()) and answer.self_grade is not None and answer.self_grade > 1


def scoring_inputs(session: Session, interviews: list[MockInterview]) -> tuple[
        dict[int, list[MockAnswer]], dict[str, str], dict[str, set[str]]]:
    """What scoring these rounds needs, in three queries however many rounds: each round's answers, the kind of
    every question asked, and the right labels of its MCQs."""
    answers: dict[int, list[MockAnswer]] = defaultdict(list)
    for answer in session.exec(select(MockAnswer).where(
            col(MockAnswer.interview_id).in_([interview.id for interview in interviews]))).all():
        answers[answer.interview_id].append(answer)
    question_ids = {answer.question_id for group in answers.values() for answer in group}
    kinds = dict(session.exec(select(Question.id, Question.kind)  # type: ignore[arg-type]
                              .where(col(Question.id).in_(question_ids))).all())
    return answers, kinds, _right_labels(session, question_ids)


def round_summaries(*, session: Session, user_id: int, ids: list[int] | None = None) -> list[RoundSummary]:
    """The learner's rounds, oldest first, each with its score: every round, or only `ids`."""
    query = select(MockInterview).where(col(MockInterview.user_id) == user_id)
    if ids is not None:
        query = query.where(col(MockInterview.id).in_(ids))
    interviews = list(session.exec(query.order_by(col(MockInterview.started_at), col(MockInterview.id))).all())
    answers, kinds, right = scoring_inputs(session, interviews)
    summaries = []
    for interview in interviews:
        assert interview.id is not None
        group = answers[interview.id]
        started, deadline = as_utc(interview.started_at), as_utc(interview.deadline)
        assert started is not None and deadline is not None
        finished = as_utc(interview.finished_at)
        summaries.append(RoundSummary(
            id=interview.id, title=interview.title, preset=interview.settings.get("preset"), started_at=started,
            deadline=deadline, finished_at=finished, total=len(group),
            right=sum(is_right(kinds[a.question_id], a, right[a.question_id]) for a in group),
            ungraded=sum(kinds[a.question_id] != "mcq" and bool(a.answer.strip()) and a.self_grade is None
                         for a in group),
            minutes=float(interview.settings.get("minutes", 0)),
            time_used_ms=int(((finished or deadline) - started).total_seconds() * 1000)))
    return summaries
