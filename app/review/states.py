"""A question's place in the learner's study, as lists show it: new, learning, due, known (in review, not yet due)
or suspended."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from app.clock import as_utc, utcnow
from app.models import LearnerQuestion, ReviewCard

REVIEW_STATE = 2  # fsrs.State.Review
STATES = ("new", "learning", "due", "known", "suspended")


def study_states(*, session: Session, user_id: int, question_ids: Sequence[str],
                 now: datetime | None = None) -> dict[str, str]:
    """Question id → new | learning | due | known | suspended, for the given questions, in two queries."""
    moment = (now or utcnow()).astimezone(UTC)
    ids = list(question_ids)
    cards = {row.question_id: row for row in session.exec(
        select(ReviewCard).where(col(ReviewCard.user_id) == user_id, col(ReviewCard.question_id).in_(ids))).all()}
    suspended = set(session.exec(select(LearnerQuestion.question_id).where(
        col(LearnerQuestion.user_id) == user_id, col(LearnerQuestion.question_id).in_(ids),
        col(LearnerQuestion.suspended).is_(True))).all())
    states: dict[str, str] = {}
    for question_id in ids:
        card = cards.get(question_id)
        due = as_utc(card.due) if card else None
        if question_id in suspended:
            states[question_id] = "suspended"
        elif card is None:
            states[question_id] = "new"
        elif due is not None and due <= moment:
            states[question_id] = "due"
        else:
            states[question_id] = "known" if card.state == REVIEW_STATE else "learning"
    return states
