"""What the review page and GET /api/review/next show: the next card, its interval previews, the day's counts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlmodel import Session, col, select

from app.clock import as_utc, utcnow
from app.models import Choice, Concept, KeyPoint, Question, ReviewCard, ReviewLog
from app.review import queue, scheduling
from app.review.errors import RATING_KEYS
from app.review.queue import QueueCounts
from app.study.service import CorrectionView, answer_corrections


@dataclass(frozen=True)
class Preview:
    rating: int
    label_key: str  # message key of the rating's name
    interval: str  # "10分钟", "4天"
    seconds: int


@dataclass(frozen=True)
class ReviewItem:
    question: Question
    choices: list[Choice]
    key_points: list[str]
    version: int  # ReviewCard.reps; 0 for a new card: the grade must send it back
    is_new: bool
    state: str  # new | learning | review | relearning
    due: datetime | None
    previews: list[Preview]
    corrections: list[CorrectionView] = field(default_factory=list)  # of the shown answer, shown above it


@dataclass(frozen=True)
class ReviewScreen:
    counts: QueueCounts
    item: ReviewItem | None
    shown_at: datetime
    next_due: datetime | None = None  # when nothing is left: the next card's due time
    next_due_in: str = ""
    limit_reached: bool = False  # new questions remain but today's allowance is spent
    concept: Concept | None = None
    undoable: list[str] = field(default_factory=list)  # [question_id, title] of the grade `undo` would take back


def _item(session: Session, scheduler: scheduling.Scheduler, question: Question, row: ReviewCard | None,
          now: datetime, lang: str) -> ReviewItem:
    card = scheduling.to_fsrs(row) if row else scheduling.new_card(now)
    previews = [Preview(rating=rating, label_key=RATING_KEYS[rating], interval=scheduling.interval_text(delta, lang),
                        seconds=max(0, int(delta.total_seconds())))
                for rating, delta in scheduling.previews(scheduler, card, now).items()]
    choices = list(session.exec(select(Choice).where(col(Choice.question_id) == question.id)
                                .order_by(col(Choice.position))).all())
    key_points = [point.text for point in session.exec(select(KeyPoint).where(col(KeyPoint.question_id) == question.id)
                                                       .order_by(col(KeyPoint.position))).all()]
    return ReviewItem(question=question, choices=choices, key_points=key_points, version=row.reps if row else 0,
                      is_new=row is None, state=scheduling.state_name(row.state) if row else "new",
                      due=as_utc(row.due) if row else None, previews=previews,
                      corrections=answer_corrections(session=session, question_id=question.id))


def _preferred(session: Session, user_id: int, question_id: str, counts: QueueCounts,
               now: datetime) -> tuple[Question, ReviewCard | None] | None:
    """The question to show first (the one just undone), when it is in today's queue."""
    question = session.get(Question, question_id)
    if question is None or question.retired:
        return None
    row = session.exec(select(ReviewCard).where(col(ReviewCard.user_id) == user_id,
                                                col(ReviewCard.question_id) == question_id)).first()
    due = as_utc(row.due) if row else None
    if (row is None and counts.new_available > 0) or (due is not None and due <= now):
        return question, row
    return None


def _pick(session: Session, user_id: int, counts: QueueCounts, now: datetime, concept: str | None,
          prefer: str | None) -> tuple[Question, ReviewCard | None] | None:
    """Due cards first (longest waiting first), then new questions in bank order while today's allowance lasts."""
    if prefer:
        preferred = _preferred(session, user_id, prefer, counts, now)
        if preferred:
            return preferred
    due = queue.first_due(session=session, user_id=user_id, now=now, concept=concept)
    if due:
        return due[1], due[0]
    if counts.new_available > 0:
        question = queue.first_new(session=session, user_id=user_id, concept=concept)
        if question:
            return question, None
    return None


def undoable(*, session: Session, user_id: int) -> list[str]:
    """[question_id, title] of the latest review grade, which `undo` would take back; [] when there is none."""
    row = session.exec(
        select(ReviewLog.question_id, Question.title)
        .join(Question, col(Question.id) == col(ReviewLog.question_id))
        .where(col(ReviewLog.user_id) == user_id, col(ReviewLog.origin) == "review", col(ReviewLog.scheduled).is_(True))
        .order_by(col(ReviewLog.reviewed_at).desc(), col(ReviewLog.id).desc())
    ).first()
    return [row[0], row[1]] if row else []


def review_screen(*, session: Session, user_id: int, daily_new_limit: int, desired_retention: float, zone: tzinfo,
                  lang: str = "zh", concept: str | None = None, prefer: str | None = None,
                  now: datetime | None = None) -> ReviewScreen:
    """The next card to review (or None when the day's work is done), its interval previews and the day's counts."""
    now = (now or utcnow()).astimezone(UTC)
    counts = queue.queue_counts(session=session, user_id=user_id, daily_new_limit=daily_new_limit, zone=zone,
                                now=now, concept=concept)
    concept_row = session.get(Concept, concept) if concept else None
    picked = _pick(session, user_id, counts, now, concept, prefer)
    last = undoable(session=session, user_id=user_id)
    if picked:
        scheduler = scheduling.scheduler_for(session=session, user_id=user_id, desired_retention=desired_retention)
        item = _item(session, scheduler, picked[0], picked[1], now, lang)
        return ReviewScreen(counts=counts, item=item, shown_at=now, concept=concept_row, undoable=last)
    next_due = queue.next_due_at(session=session, user_id=user_id, now=now, concept=concept)
    limit_reached = counts.new_today >= daily_new_limit and queue.first_new(
        session=session, user_id=user_id, concept=concept) is not None
    return ReviewScreen(counts=counts, item=None, shown_at=now, next_due=next_due,
                        next_due_in=scheduling.interval_text(next_due - now, lang) if next_due else "",
                        limit_reached=limit_reached, concept=concept_row, undoable=last)


def screen_json(screen: ReviewScreen) -> dict[str, Any]:
    """The JSON twin of the page: {"card": {...} | null, "counts": {...}, "next_due": ISO | null, ...}."""
    counts = screen.counts
    body: dict[str, Any] = {
        "card": _item_json(screen.item) if screen.item else None,
        "counts": {"due_now": counts.due_now, "new_available": counts.new_available,
                   "reviewed_today": counts.reviewed_today, "new_today": counts.new_today,
                   "daily_new_limit": counts.daily_new_limit},
        "next_due": screen.next_due.isoformat() if screen.next_due else None,
        "limit_reached": screen.limit_reached,
        "concept": screen.concept.id if screen.concept else None,
        "undo": {"question_id": screen.undoable[0]} if screen.undoable else None,
    }
    return body


def _item_json(item: ReviewItem) -> dict[str, Any]:
    question = item.question
    return {
        "question_id": question.id, "title": question.title, "prompt": question.prompt, "kind": question.kind,
        "choices": [{"label": choice.label, "text": choice.text} for choice in item.choices],
        "reps": item.version, "is_new": item.is_new, "state": item.state,
        "due": item.due.isoformat() if item.due else None,
        "intervals": {str(preview.rating): {"text": preview.interval, "seconds": preview.seconds}
                      for preview in item.previews},
        "answer": {"text": question.answer, "explanation": question.explanation, "key_points": item.key_points,
                   "correct": [choice.label for choice in item.choices if choice.correct],
                   "corrections": [asdict(correction) for correction in item.corrections]},
    }
