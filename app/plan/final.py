"""The final review: in the last days before the interview, the questions of the concepts the learner will recall
worst on the day (at most FINAL_QUESTIONS, the worst first), one pass each per day, graded like a review but
logged as practice (ReviewLog.scheduled=False, origin "final"), so it never changes a due date, a stability or a
learning step: the practice rule of quizzes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from sqlmodel import Session, col, select

from app.clock import day_bounds, local_day, utcnow
from app.models import Question, QuestionConcept, ReviewCard, ReviewLog
from app.plan.service import ConceptRecall, Plan, build_plan, interview_moment, question_recall
from app.review.service import log_practice

FINAL_CONCEPTS = 5  # the final review draws from this many of the weakest concepts
FINAL_QUESTIONS = 40  # and at most this many of their questions a day, the worst recalled first
ORIGIN = "final"


@dataclass(frozen=True)
class FinalReview:
    plan: Plan
    concepts: list[ConceptRecall]  # the weakest concepts, weakest first
    question_ids: list[str]  # their questions, the worst recalled on the day first
    done_today: list[str] = field(default_factory=list)  # practised in a final review today, in that order

    @property
    def remaining(self) -> list[str]:
        done = set(self.done_today)
        return [question_id for question_id in self.question_ids if question_id not in done]

    @property
    def next_question(self) -> str | None:
        return self.remaining[0] if self.remaining else None


def _done_today(session: Session, user_id: int, zone: tzinfo, now: datetime) -> list[str]:
    start, end = day_bounds(local_day(now, zone), zone)
    rows = session.exec(select(ReviewLog.question_id).where(
        col(ReviewLog.user_id) == user_id, col(ReviewLog.origin) == ORIGIN, col(ReviewLog.reviewed_at) >= start,
        col(ReviewLog.reviewed_at) < end).order_by(col(ReviewLog.reviewed_at), col(ReviewLog.id))).all()
    return list(dict.fromkeys(rows))


def final_review(*, session: Session, user_id: int, zone: tzinfo, desired_retention: float,
                 now: datetime | None = None) -> FinalReview:
    """The final review as it stands now (its questions are empty without an interview date)."""
    now = (now or utcnow()).astimezone(UTC)
    plan = build_plan(session=session, user_id=user_id, zone=zone, now=now)
    if not plan.has_date or plan.interview_date is None:
        return FinalReview(plan=plan, concepts=[], question_ids=[])
    weakest = plan.concepts[:FINAL_CONCEPTS]
    wanted = set(plan.topics)
    tagged = session.exec(
        select(Question.id, Question.topic).join(QuestionConcept, col(QuestionConcept.question_id) == col(Question.id))
        .where(col(QuestionConcept.concept_id).in_([concept.id for concept in weakest]),
               col(Question.retired).is_(False))
    ).all()
    candidates = sorted({question_id for question_id, topic in tagged if not wanted or topic in wanted})
    recall = question_recall(session=session, user_id=user_id, question_ids=candidates,
                             moment=interview_moment(plan.interview_date, zone), desired_retention=desired_retention)
    ordered = sorted(candidates, key=lambda question_id: (recall[question_id], question_id))[:FINAL_QUESTIONS]
    return FinalReview(plan=plan, concepts=weakest, question_ids=ordered,
                       done_today=_done_today(session, user_id, zone, now))


def practise(*, session: Session, user_id: int, question_id: str, rating: int, duration_ms: int | None = None,
             now: datetime | None = None) -> int:
    """One final-review grade, logged as practice: the card (if any) is not touched. Returns the log's id."""
    return log_practice(session=session, user_id=user_id, question_id=question_id, rating=rating, origin=ORIGIN,
                        duration_ms=duration_ms, now=now)


def card_row(session: Session, user_id: int, question_id: str) -> ReviewCard | None:
    return session.exec(select(ReviewCard).where(col(ReviewCard.user_id) == user_id,
                                                 col(ReviewCard.question_id) == question_id)).first()
