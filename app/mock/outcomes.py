"""After the round: the learner grades their open answers against the reference, and sends what they missed to the
review queue as Again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from app.mock.errors import InvalidAnswer, StillRunning
from app.mock.service import Round, close_if_expired, now_utc
from app.models import MockAnswer, MockInterview
from app.review.service import GradeConflict, QuestionRetired, StaleCard, grade

SELF_GRADES = (1, 2, 3, 4)  # as in the quiz: 1 missed (Again); 2–4 right


def _finished_round(session: Session, user_id: int, interview_id: int, now: datetime) -> Round:
    current = close_if_expired(session=session, user_id=user_id, interview_id=interview_id, now=now)
    if current.status != "finished":
        raise StillRunning(interview_id=interview_id)
    return current


def self_grade(*, session: Session, user_id: int, interview_id: int, position: int, grade_value: int,
               now: datetime | None = None) -> Round:
    """The learner's grade of one open or code answer (it may be changed later); only once the round is over."""
    moment = now_utc(now)
    current = _finished_round(session, user_id, interview_id, moment)
    item = current.item(position)
    if item.question.kind == "mcq":
        raise InvalidAnswer("mock.error.mcq_graded", field="self_grade")
    if grade_value not in SELF_GRADES:
        raise InvalidAnswer("mock.error.self_grade", field="self_grade")
    if not item.answered:
        raise InvalidAnswer("mock.error.grade_empty", field="self_grade")
    session.execute(update(MockAnswer).where(col(MockAnswer.interview_id) == interview_id,
                                             col(MockAnswer.position) == position)
                    .values(self_grade=grade_value).execution_options(synchronize_session=False))
    session.commit()
    session.expire_all()
    return close_if_expired(session=session, user_id=user_id, interview_id=interview_id, now=moment)


@dataclass(frozen=True)
class ReviewSend:
    """What "send missed to review" did, question by question."""

    sent: list[str] = field(default_factory=list)  # graded Again now
    already: list[str] = field(default_factory=list)  # graded Again by an earlier click: nothing new written
    skipped: dict[str, str] = field(default_factory=dict)  # question id → why (retired | reviewed_since)


def send_missed_to_review(*, session: Session, user_id: int, interview_id: int, desired_retention: float = 0.9,
                          now: datetime | None = None) -> ReviewSend:
    """Grade Again, through the review service, every question the round missed (wrong or unanswered).

    Each card is graded at the version it had when the round ended, so a second click (or a second tab) finds that
    version already graded Again and writes nothing. A card reviewed with another grade since the round keeps that
    newer grade: it is skipped as reviewed_since.
    """
    moment = now_utc(now)
    current = _finished_round(session, user_id, interview_id, moment)
    versions: dict[str, Any] = current.interview.settings.get("card_versions", {})
    outcome = ReviewSend()
    for item in current.items:
        if item.status not in ("wrong", "unanswered"):
            continue
        question_id = item.question.id
        version = versions.get(question_id)
        try:
            result = grade(session=session, user_id=user_id, question_id=question_id, rating=1,
                           expected_reps=int(version) if version is not None else None, origin="mock",
                           desired_retention=desired_retention, now=moment)
        except QuestionRetired:
            outcome.skipped[question_id] = "retired"
            continue
        except (GradeConflict, StaleCard):
            outcome.skipped[question_id] = "reviewed_since"
            continue
        (outcome.already if result.duplicate else outcome.sent).append(question_id)
    if outcome.sent and "review_sent_at" not in current.interview.settings:
        session.refresh(current.interview)
        settings = {**current.interview.settings, "review_sent_at": moment.isoformat()}
        session.execute(update(MockInterview).where(col(MockInterview.id) == interview_id)
                        .values(settings=settings).execution_options(synchronize_session=False))
        session.commit()
    return outcome
