"""A quiz's score: per position and per topic; and the learner's past quizzes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from app.clock import as_utc
from app.models import Choice, Question, QuizAnswer, QuizSession
from app.quiz.service import QuizProgress, quiz_progress


@dataclass(frozen=True)
class ResultRow:
    position: int
    question_id: str
    title: str
    kind: str
    topic: str | None
    difficulty: int | None
    status: str  # right | wrong | revealed | unanswered
    choice: str | None  # the learner's labels ("A,C") for an MCQ
    correct_choice: str | None  # the right labels for an MCQ
    self_grade: int | None
    key_points_covered: int


@dataclass(frozen=True)
class TopicScore:
    topic: str | None
    total: int
    correct: int
    wrong: int

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0


@dataclass(frozen=True)
class QuizResults:
    progress: QuizProgress
    rows: list[ResultRow]
    by_topic: list[TopicScore]

    @property
    def percent(self) -> int:
        total = self.progress.total
        return round(100 * self.progress.correct / total) if total else 0


def _correct_labels(session: Session, question_ids: list[str]) -> dict[str, str]:
    labels: dict[str, list[str]] = defaultdict(list)
    rows = session.exec(select(Choice.question_id, Choice.label)
                        .where(col(Choice.question_id).in_(question_ids), col(Choice.correct).is_(True))
                        .order_by(col(Choice.position))).all()
    for question_id, label in rows:
        labels[question_id].append(label)
    return {question_id: ",".join(found) for question_id, found in labels.items()}


def _by_topic(rows: list[ResultRow]) -> list[TopicScore]:
    """Topics in the order the quiz first asked them."""
    seen: dict[str | None, list[ResultRow]] = {}
    for row in rows:
        seen.setdefault(row.topic, []).append(row)
    return [TopicScore(topic, len(group), sum(r.status == "right" for r in group),
                       sum(r.status == "wrong" for r in group)) for topic, group in seen.items()]


def quiz_results(*, session: Session, user_id: int, quiz_id: int) -> QuizResults:
    progress = quiz_progress(session=session, user_id=user_id, quiz_id=quiz_id)
    ids = progress.quiz.question_ids
    questions = {q.id: q for q in session.exec(select(Question).where(col(Question.id).in_(ids))).all()}
    answers = {a.position: a for a in session.exec(select(QuizAnswer).where(col(QuizAnswer.quiz_id) == quiz_id))}
    right = _correct_labels(session, ids)
    rows = []
    for position, (question_id, status) in enumerate(zip(ids, progress.statuses, strict=True), start=1):
        question, answer = questions[question_id], answers.get(position)
        rows.append(ResultRow(
            position=position, question_id=question_id, title=question.title, kind=question.kind,
            topic=question.topic, difficulty=question.difficulty, status=status,
            choice=answer.choice if answer else None, correct_choice=right.get(question_id),
            self_grade=answer.self_grade if answer else None,
            key_points_covered=len(answer.key_points_covered) if answer else 0))
    return QuizResults(progress=progress, rows=rows, by_topic=_by_topic(rows))


@dataclass(frozen=True)
class QuizSummary:
    id: int
    created_at: datetime
    finished_at: datetime | None
    total: int
    graded: int
    correct: int
    topics: list[str]
    kinds: list[str]

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0


def quiz_history(*, session: Session, user_id: int, limit: int = 20) -> list[QuizSummary]:
    """The learner's latest quizzes, newest first, with their scores so far."""
    quizzes = session.exec(select(QuizSession).where(col(QuizSession.user_id) == user_id)
                           .order_by(col(QuizSession.created_at).desc(), col(QuizSession.id).desc())
                           .limit(limit)).all()
    ids = [quiz.id for quiz in quizzes]
    counts = {quiz_id: (graded, correct) for quiz_id, graded, correct in session.exec(
        select(QuizAnswer.quiz_id, func.count(col(QuizAnswer.correct)),
               func.sum(case((col(QuizAnswer.correct).is_(True), 1), else_=0)))
        .where(col(QuizAnswer.quiz_id).in_(ids)).group_by(col(QuizAnswer.quiz_id))).all()}
    summaries = []
    for quiz in quizzes:
        assert quiz.id is not None
        graded, correct = counts.get(quiz.id, (0, 0))
        summaries.append(QuizSummary(
            id=quiz.id, created_at=as_utc(quiz.created_at) or quiz.created_at, finished_at=as_utc(quiz.finished_at),
            total=len(quiz.question_ids),
            graded=graded, correct=int(correct or 0), topics=list(quiz.settings.get("topics", [])),
            kinds=list(quiz.settings.get("kinds", []))))
    return summaries
