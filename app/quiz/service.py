"""Quiz use cases: start a quiz, show one position, answer it (an MCQ graded at once, an open or code answer graded
by the learner against the reference), and score it.

Every outcome is one transaction: the QuizAnswer row and the practice the review service logs for the card
(record_practice, which commits both). A position is answered once: the row is written only while it has no
outcome (unique (quiz, position) for a first insert, `WHERE correct IS NULL` for an update), so a double click or a
second tab never logs a second practice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.choices import ChoiceProblem, parse_labels, split_stored
from app.clock import utcnow
from app.models import Choice, KeyPoint, Question, QuizAnswer, QuizSession
from app.quiz.errors import CardBusy, InvalidAnswer, UnknownPosition, UnknownQuiz
from app.quiz.selection import QuizSetup, pick
from app.review.service import GradeConflict, GradeResult, QuestionRetired, StaleCard, record_practice
from app.study.service import CorrectionView, answer_corrections

MAX_ANSWER_CHARS = 20_000
SELF_GRADES = (1, 2, 3, 4)  # Again, Hard, Good, Easy: Again is "not right", the others are right answers
_ATTEMPTS = 3


@dataclass(frozen=True)
class QuizProgress:
    """Where a quiz stands: one status per position (index 0 is position 1)."""

    quiz: QuizSession
    statuses: list[str]  # right | wrong | revealed (open answer written, not yet graded) | unanswered

    @property
    def total(self) -> int:
        return len(self.statuses)

    @property
    def graded(self) -> int:
        return sum(status in ("right", "wrong") for status in self.statuses)

    @property
    def correct(self) -> int:
        return self.statuses.count("right")

    @property
    def resume_position(self) -> int | None:
        """The first position still waiting for an outcome; None when every one has one."""
        return next((index + 1 for index, status in enumerate(self.statuses) if status not in ("right", "wrong")),
                    None)


@dataclass(frozen=True)
class QuizItem:
    """One position of a quiz: the question, its options and key points, what the learner answered, and the
    corrections of the reference answer (shown with it once the position is answered)."""

    progress: QuizProgress
    position: int
    question: Question
    choices: list[Choice]
    key_points: list[str]
    answer: QuizAnswer | None
    corrections: list[CorrectionView] = field(default_factory=list)

    @property
    def quiz_id(self) -> int:
        assert self.progress.quiz.id is not None
        return self.progress.quiz.id

    @property
    def correct_labels(self) -> list[str]:
        return [choice.label for choice in self.choices if choice.correct]

    @property
    def multiple(self) -> bool:
        return len(self.correct_labels) > 1

    @property
    def chosen(self) -> list[str]:
        return split_stored(self.answer.choice) if self.answer else []

    @property
    def graded(self) -> bool:
        return self.answer is not None and self.answer.correct is not None

    @property
    def revealed(self) -> bool:
        """An open answer was written (or skipped) and the reference is shown; grading may still be pending."""
        return self.answer is not None


@dataclass(frozen=True)
class AnswerOutcome:
    item: QuizItem
    duplicate: bool  # this position already had an outcome; nothing new was written
    review: GradeResult | None  # the practice the review service logged now (None: nothing logged)


def _status(answer: QuizAnswer | None) -> str:
    if answer is None:
        return "unanswered"
    if answer.correct is None:
        return "revealed"
    return "right" if answer.correct else "wrong"


def _utc(now: datetime | None) -> datetime:
    return (now or utcnow()).astimezone(UTC)


def _quiz(session: Session, user_id: int, quiz_id: int) -> QuizSession:
    quiz = session.get(QuizSession, quiz_id)
    if quiz is None or quiz.user_id != user_id:
        raise UnknownQuiz(quiz_id=quiz_id)
    return quiz


def _answers(session: Session, quiz_id: int) -> dict[int, QuizAnswer]:
    rows = session.exec(select(QuizAnswer).where(col(QuizAnswer.quiz_id) == quiz_id)).all()
    return {row.position: row for row in rows}


def create_quiz(*, session: Session, user_id: int, setup: QuizSetup, now: datetime | None = None) -> QuizSession:
    """Pick the questions (raising EmptySelection when none match) and store the quiz with its seed and ids."""
    question_ids, seed = pick(session=session, setup=setup)
    quiz = QuizSession(user_id=user_id, settings=setup.stored(seed), question_ids=question_ids, created_at=_utc(now))
    session.add(quiz)
    session.commit()
    session.refresh(quiz)
    return quiz


def quiz_progress(*, session: Session, user_id: int, quiz_id: int) -> QuizProgress:
    quiz = _quiz(session, user_id, quiz_id)
    answers = _answers(session, quiz_id)
    return QuizProgress(quiz=quiz, statuses=[_status(answers.get(position))
                                             for position in range(1, len(quiz.question_ids) + 1)])


def _item(session: Session, progress: QuizProgress, position: int) -> QuizItem:
    if not 1 <= position <= progress.total:
        raise UnknownPosition(field="position", position=position, total=progress.total)
    quiz_id = progress.quiz.id
    question_id = progress.quiz.question_ids[position - 1]
    question = session.get(Question, question_id)
    assert question is not None  # questions are retired, never deleted
    choices = list(session.exec(select(Choice).where(col(Choice.question_id) == question_id)
                                .order_by(col(Choice.position))).all())
    key_points = list(session.exec(select(KeyPoint.text).where(col(KeyPoint.question_id) == question_id)
                                   .order_by(col(KeyPoint.position))).all())
    answer = session.exec(select(QuizAnswer).where(col(QuizAnswer.quiz_id) == quiz_id,
                                                   col(QuizAnswer.position) == position)).first()
    return QuizItem(progress=progress, position=position, question=question, choices=choices,
                    key_points=key_points, answer=answer,
                    corrections=answer_corrections(session=session, question_id=question_id))


def quiz_item(*, session: Session, user_id: int, quiz_id: int, position: int) -> QuizItem:
    progress = quiz_progress(session=session, user_id=user_id, quiz_id=quiz_id)
    return _item(session, progress, position)


def quiz_items(*, session: Session, user_id: int, quiz_id: int) -> list[QuizItem]:
    """Every position of a quiz, in order."""
    progress = quiz_progress(session=session, user_id=user_id, quiz_id=quiz_id)
    return [_item(session, progress, position) for position in range(1, progress.total + 1)]


def parse_choice(item: QuizItem, raw: str | Sequence[str]) -> list[str]:
    """The labels a learner chose, checked against the question: "B", "A,C", "A C", "AC" or a list of labels."""
    try:
        return parse_labels(raw, [choice.label for choice in item.choices], multiple=item.multiple)
    except ChoiceProblem as problem:
        raise InvalidAnswer(f"quiz.error.{problem.reason}", field="choice", **problem.values) from problem


def _finish_if_complete(session: Session, quiz_id: int, total: int, now: datetime) -> None:
    graded = session.exec(select(func.count()).select_from(QuizAnswer).where(
        col(QuizAnswer.quiz_id) == quiz_id, col(QuizAnswer.correct).is_not(None))).one()
    if graded >= total:
        session.execute(update(QuizSession).where(col(QuizSession.id) == quiz_id,
                                                  col(QuizSession.finished_at).is_(None))
                        .values(finished_at=now).execution_options(synchronize_session=False))


def _stage(session: Session, item: QuizItem, values: dict[str, Any], now: datetime) -> bool:
    """Write this position's answer unless it already has an outcome; False when it has one (a double submit).

    Nothing is committed here: the caller commits the row together with the practice log.
    """
    quiz_id, position = item.quiz_id, item.position
    for _attempt in range(2):
        row = session.exec(select(QuizAnswer).where(col(QuizAnswer.quiz_id) == quiz_id,
                                                    col(QuizAnswer.position) == position)).first()
        if row is None:
            session.add(QuizAnswer(quiz_id=quiz_id, position=position, question_id=item.question.id,
                                   answered_at=now, **values))
            try:
                session.flush()
                break
            except IntegrityError:
                session.rollback()  # a concurrent submit of this position inserted first: look at its row
                continue
        changed: Any = session.execute(
            update(QuizAnswer).where(col(QuizAnswer.id) == row.id, col(QuizAnswer.correct).is_(None))
            .values(answered_at=now, **values).execution_options(synchronize_session=False))
        if changed.rowcount != 1:
            return False
        break
    else:
        return False
    if values.get("correct") is not None:
        _finish_if_complete(session, quiz_id, item.progress.total, now)
    return True


def _record(session: Session, *, user_id: int, item: QuizItem, values: dict[str, Any], desired_retention: float,
            duration_ms: int | None, now: datetime) -> tuple[bool, GradeResult | None]:
    """(written, practice): stage the answer, then let the review service log the practice and commit both."""
    correct = bool(values["correct"])
    for _attempt in range(_ATTEMPTS):
        if not _stage(session, item, values, now):
            session.rollback()
            return False, None
        try:
            result = record_practice(session=session, user_id=user_id, question_id=item.question.id,
                                     correct=correct, origin="quiz", duration_ms=duration_ms,
                                     desired_retention=desired_retention, now=now)
        except QuestionRetired:
            session.commit()  # retired after the quiz was made: keep the answer; review no longer schedules it
            return True, None
        except (GradeConflict, StaleCard):
            session.rollback()  # a review of this card landed between its read and write: try the card as it is now
            continue
        if not result.duplicate:
            return True, result
        # duplicate: the same race, and the review service's rollback took our staged row with it.
    raise CardBusy(question_id=item.question.id)


def _outcome(session: Session, user_id: int, item: QuizItem, written: bool,
             review: GradeResult | None) -> AnswerOutcome:
    session.expire_all()
    fresh = quiz_item(session=session, user_id=user_id, quiz_id=item.quiz_id, position=item.position)
    return AnswerOutcome(item=fresh, duplicate=not written, review=review)


def answer_choice(*, session: Session, user_id: int, quiz_id: int, position: int, choice: str | Sequence[str],
                  desired_retention: float = 0.9, duration_ms: int | None = None,
                  now: datetime | None = None) -> AnswerOutcome:
    """Grade an MCQ at once; a position already answered keeps its first answer (duplicate=True)."""
    item = quiz_item(session=session, user_id=user_id, quiz_id=quiz_id, position=position)
    if item.question.kind != "mcq":
        raise InvalidAnswer("quiz.error.answer_expected", field="answer")
    if item.graded:
        return AnswerOutcome(item=item, duplicate=True, review=None)
    chosen = parse_choice(item, choice)
    correct = set(chosen) == set(item.correct_labels)
    values = {"choice": ",".join(chosen), "correct": correct}
    written, review = _record(session, user_id=user_id, item=item, values=values,
                              desired_retention=desired_retention, duration_ms=duration_ms, now=_utc(now))
    return _outcome(session, user_id, item, written, review)


def _open_item(session: Session, user_id: int, quiz_id: int, position: int, answer: str | None) -> QuizItem:
    item = quiz_item(session=session, user_id=user_id, quiz_id=quiz_id, position=position)
    if item.question.kind == "mcq":
        raise InvalidAnswer("quiz.error.choice_expected", field="choice")
    if answer is not None and len(answer) > MAX_ANSWER_CHARS:
        raise InvalidAnswer("quiz.error.answer_too_long", field="answer", limit=MAX_ANSWER_CHARS)
    return item


def save_answer(*, session: Session, user_id: int, quiz_id: int, position: int, answer: str,
                now: datetime | None = None) -> QuizItem:
    """Keep an open or code answer and reveal the reference; the learner grades it next (grade_answer).

    An answer already graded stays as it was; one not yet graded may be rewritten.
    """
    item = _open_item(session, user_id, quiz_id, position, answer)
    if item.graded:
        return item
    moment = _utc(now)
    if _stage(session, item, {"answer": answer}, moment):
        session.commit()
    else:
        session.rollback()
    session.expire_all()
    return quiz_item(session=session, user_id=user_id, quiz_id=quiz_id, position=position)


def _check_grade(item: QuizItem, self_grade: int, key_points_covered: Sequence[int]) -> list[int]:
    if self_grade not in SELF_GRADES:
        raise InvalidAnswer("quiz.error.self_grade", field="self_grade")
    count = len(item.key_points)
    outside = [index for index in key_points_covered if not 0 <= index < count]
    if outside:
        raise InvalidAnswer("quiz.error.key_point", field="key_points_covered",
                            value="、".join(map(str, outside)), count=count)
    return sorted(set(key_points_covered))


def grade_answer(*, session: Session, user_id: int, quiz_id: int, position: int, self_grade: int,
                 key_points_covered: Sequence[int] = (), answer: str | None = None, desired_retention: float = 0.9,
                 duration_ms: int | None = None, now: datetime | None = None) -> AnswerOutcome:
    """The learner's own grade of an open or code answer (1 Again = not right; 2–4 right), with the key points
    they covered; `answer` replaces the text saved before (an API client may send everything at once)."""
    item = _open_item(session, user_id, quiz_id, position, answer)
    if item.graded:
        return AnswerOutcome(item=item, duplicate=True, review=None)
    covered = _check_grade(item, self_grade, key_points_covered)
    values: dict[str, Any] = {"self_grade": self_grade, "key_points_covered": covered, "correct": self_grade > 1}
    if answer is not None:
        values["answer"] = answer
    written, review = _record(session, user_id=user_id, item=item, values=values,
                              desired_retention=desired_retention, duration_ms=duration_ms, now=_utc(now))
    return _outcome(session, user_id, item, written, review)



def submit_answer(*, session: Session, user_id: int, quiz_id: int, position: int,
                  choice: str | Sequence[str] | None = None, answer: str | None = None, self_grade: int | None = None,
                  key_points_covered: Sequence[int] = (), desired_retention: float = 0.9,
                  duration_ms: int | None = None, now: datetime | None = None) -> AnswerOutcome:
    """One submission of any kind: a choice grades an MCQ; a self_grade grades an open answer; an answer alone is
    kept and the reference revealed (review=None, item.graded False)."""
    common: dict[str, Any] = {"session": session, "user_id": user_id, "quiz_id": quiz_id, "position": position}
    timing: dict[str, Any] = {"desired_retention": desired_retention, "duration_ms": duration_ms, "now": now}
    if choice is not None:
        return answer_choice(**common, choice=choice, **timing)
    if self_grade is not None:
        return grade_answer(**common, self_grade=self_grade, key_points_covered=key_points_covered, answer=answer,
                            **timing)
    if answer is not None:
        item = quiz_item(**common)
        if item.graded:
            return AnswerOutcome(item=item, duplicate=True, review=None)
        return AnswerOutcome(item=save_answer(**common, answer=answer, now=now), duplicate=False, review=None)
    raise InvalidAnswer("quiz.error.nothing_sent", field="choice")
