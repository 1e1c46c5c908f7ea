"""What the review page and GET /api/review/next show: the next card, its interval previews, the day's counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlmodel import Session, col, select

from app.clock import as_utc, utcnow
from app.models import Bank, Choice, Concept, KeyPoint, Note, Question, ReviewCard, ReviewLog
from app.review import queue, scheduling
from app.review.controls import Controls, controls
from app.review.errors import RATING_KEYS
from app.review.queue import ALL, DEFAULT_REVIEW_LIMIT, QueueCounts, Scope
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
    controls: Controls | None = None  # the learner's suspend / bury / flag / own wording
    note: str = ""  # the learner's private note, shown with the answer

    @property
    def prompt(self) -> str:
        """What the card asks: the learner's own wording when they wrote one, else the bank's."""
        own = self.controls.own_prompt if self.controls else None
        return own or self.question.prompt


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
    scope: Scope = ALL  # custom study: one concept, topic or bank
    bank_title: str = ""  # the scope's bank, by its title


def review_item(session: Session, scheduler: scheduling.Scheduler, question: Question, row: ReviewCard | None,
                now: datetime, lang: str, user_id: int) -> ReviewItem:
    """One card as the review screen shows it (the final review shows its cards the same way)."""
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
                      corrections=answer_corrections(session=session, question_id=question.id),
                      controls=controls(session=session, user_id=user_id, question_id=question.id, now=now),
                      note=_note(session, user_id, question.id))


def _note(session: Session, user_id: int, question_id: str) -> str:
    body = session.exec(select(Note.body).where(col(Note.user_id) == user_id,
                                                col(Note.question_id) == question_id)).first()
    return body or ""


def _preferred(session: Session, user_id: int, question_id: str, counts: QueueCounts,
               now: datetime) -> tuple[Question, ReviewCard | None] | None:
    """The question to show first (the one just undone), when it is in today's queue."""
    question = session.get(Question, question_id)
    if question is None or question.retired:
        return None
    mine = controls(session=session, user_id=user_id, question_id=question_id, now=now)
    if mine.suspended or mine.buried:
        return None
    row = session.exec(select(ReviewCard).where(col(ReviewCard.user_id) == user_id,
                                                col(ReviewCard.question_id) == question_id)).first()
    due = as_utc(row.due) if row else None
    if (row is None and counts.new_available > 0) or (due is not None and due <= now):
        return question, row
    return None


def _pick(session: Session, user_id: int, counts: QueueCounts, now: datetime, scope: Scope,
          prefer: str | None, priority_topics: Sequence[str]) -> tuple[Question, ReviewCard | None] | None:
    """Due cards first (longest waiting first; review cards only within today's cap), then new questions (the
    interview's topics first, then bank order) while today's allowance lasts."""
    if prefer:
        preferred = _preferred(session, user_id, prefer, counts, now)
        if preferred:
            return preferred
    due = queue.first_due(session=session, user_id=user_id, now=now, scope=scope,
                          reviews_allowed=counts.reviews_today < counts.daily_review_limit)
    if due:
        return due[1], due[0]
    if counts.new_available > 0:
        question = queue.first_new(session=session, user_id=user_id, now=now, scope=scope,
                                   priority_topics=priority_topics)
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
                  lang: str = "zh", scope: Scope = ALL, prefer: str | None = None, now: datetime | None = None,
                  daily_review_limit: int = DEFAULT_REVIEW_LIMIT, priority_topics: Sequence[str] = ()) -> ReviewScreen:
    """The next card to review (or None when the day's work is done), its interval previews and the day's counts."""
    now = (now or utcnow()).astimezone(UTC)
    counts = queue.queue_counts(session=session, user_id=user_id, daily_new_limit=daily_new_limit, zone=zone,
                                now=now, scope=scope, daily_review_limit=daily_review_limit)
    concept_row = session.get(Concept, scope.concept) if scope.concept else None
    bank = session.get(Bank, scope.bank) if scope.bank else None
    context: dict[str, Any] = {"concept": concept_row, "scope": scope, "bank_title": bank.title if bank else "",
                               "undoable": undoable(session=session, user_id=user_id)}
    picked = _pick(session, user_id, counts, now, scope, prefer, priority_topics)
    if picked:
        scheduler = scheduling.scheduler_for(session=session, user_id=user_id, desired_retention=desired_retention)
        item = review_item(session, scheduler, picked[0], picked[1], now, lang, user_id)
        return ReviewScreen(counts=counts, item=item, shown_at=now, **context)
    next_due = queue.next_due_at(session=session, user_id=user_id, now=now, scope=scope)
    limit_reached = counts.new_today >= daily_new_limit and queue.first_new(
        session=session, user_id=user_id, now=now, scope=scope) is not None
    return ReviewScreen(counts=counts, item=None, shown_at=now, next_due=next_due,
                        next_due_in=scheduling.interval_text(next_due - now, lang) if next_due else "",
                        limit_reached=limit_reached, **context)


def screen_json(screen: ReviewScreen) -> dict[str, Any]:
    """The JSON twin of the page: {"card": {...} | null, "counts": {...}, "next_due": ISO | null, ...}."""
    counts = screen.counts
    body: dict[str, Any] = {
        "card": _item_json(screen.item) if screen.item else None,
        "counts": counts_json(counts),
        "next_due": screen.next_due.isoformat() if screen.next_due else None,
        "limit_reached": screen.limit_reached,
        "concept": screen.scope.concept, "topic": screen.scope.topic, "bank": screen.scope.bank,
        "undo": {"question_id": screen.undoable[0]} if screen.undoable else None,
    }
    return body


def counts_json(counts: QueueCounts) -> dict[str, Any]:
    return {"due_now": counts.due_now, "new_available": counts.new_available, "reviewed_today": counts.reviewed_today,
            "new_today": counts.new_today, "daily_new_limit": counts.daily_new_limit,
            "learning_due": counts.learning_due, "learning_later": counts.learning_later,
            "review_due": counts.review_due, "backlog": counts.backlog, "reviews_today": counts.reviews_today,
            "daily_review_limit": counts.daily_review_limit, "new_elsewhere_today": counts.new_elsewhere_today}


def _item_json(item: ReviewItem) -> dict[str, Any]:
    question = item.question
    return {
        "question_id": question.id, "title": question.title, "prompt": item.prompt, "kind": question.kind,
        "bank_prompt": question.prompt, "controls": item.controls.json() if item.controls else None,
        "note": item.note or None,
        "choices": [{"label": choice.label, "text": choice.text} for choice in item.choices],
        "reps": item.version, "is_new": item.is_new, "state": item.state,
        "due": item.due.isoformat() if item.due else None,
        "intervals": {str(preview.rating): {"text": preview.interval, "seconds": preview.seconds}
                      for preview in item.previews},
        "answer": {"text": question.answer, "explanation": question.explanation, "key_points": item.key_points,
                   "correct": [choice.label for choice in item.choices if choice.correct],
                   "corrections": [asdict(correction) for correction in item.corrections]},
    }
