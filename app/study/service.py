"""Study use cases: a question with everything about it, a concept, the learner's notes and bookmarks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from app.caches import on_content_change
from app.clock import as_utc, utcnow
from app.models import (
    Alternate,
    Bank,
    Bookmark,
    Choice,
    Concept,
    Correction,
    KeyPoint,
    Note,
    Question,
    QuestionConcept,
    QuestionSource,
    TextFix,
)
from app.review.service import card_state as review_card_state
from app.study.browse import QuestionItem, question_items
from app.study.originals import OriginalAnswer, Place, group_originals
from labs.registry import LabNotFound, load_spec

RELATED_LIMIT = 8
NOTE_MAX_CHARS = 20_000


class UnknownQuestion(LookupError):
    """No question has this id."""


@dataclass(frozen=True)
class CardState:
    """The learner's FSRS card for one question, or the state of a question never graded ("new")."""

    state: str  # new | learning | review | relearning
    due: datetime | None = None
    stability: float | None = None
    difficulty: float | None = None
    last_review: datetime | None = None
    review_count: int = 0  # as the review engine counts them
    lapses: int = 0


@dataclass(frozen=True)
class LabRef:
    """A lab a correction can be checked in; `known` is False for an id no longer registered (no link then)."""

    id: str
    title_zh: str
    title_en: str
    known: bool = True


@dataclass(frozen=True)
class CorrectionView:
    text: str
    sources: list[str]
    lab: LabRef | None = None
    quote: str | None = None  # the wrong claim, as the original worded it


@dataclass(frozen=True)
class TextFixView:
    """A repaired line of a source document; document and line find the original."""

    original: str
    fixed: str
    document: str
    line: int


@dataclass(frozen=True)
class AlternateView:
    """Another document's answer to the same question, with the corrections that apply to it."""

    answer: str
    document: str
    line: int
    corrections: list[CorrectionView]


@dataclass(frozen=True)
class NoteView:
    body: str
    updated_at: datetime


@dataclass(frozen=True)
class QuestionDetail:
    question: Question
    bank_title: str
    choices: list[Choice]
    key_points: list[str]
    sources: list[tuple[str, int]]  # (document, line)
    corrections: list[CorrectionView]  # of the document's own answer
    alternates: list[AlternateView]
    # The documents' answers with copies folded together: the own original first (when there is one).
    originals: list[OriginalAnswer]
    text_fixes: list[TextFixView]
    concepts: list[Concept]
    related: list[QuestionItem]
    card: CardState
    note: NoteView | None
    bookmarked: bool


def card_state(*, session: Session, user_id: int, question_id: str) -> CardState:
    """The review engine's view of the learner's card; a question never graded is "new"."""
    card = review_card_state(session=session, user_id=user_id, question_id=question_id)
    if card is None:
        return CardState(state="new")
    return CardState(state=card["state"], due=_moment(card["due"]), stability=card["stability"],
                     difficulty=card["difficulty"], last_review=_moment(card["last_review"]),
                     review_count=card["review_count"], lapses=card.get("lapses", 0))


def _moment(value: datetime | str | None) -> datetime | None:
    return as_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


def _ordered(session: Session, model: Any, question_id: str) -> list[Any]:
    """A question's child rows (choices, sources, ...) in file order."""
    return list(session.exec(
        select(model).where(model.question_id == question_id).order_by(col(model.position))
    ).all())


def _correction_view(row: Correction) -> CorrectionView:
    return CorrectionView(text=row.text, sources=list(row.sources), lab=lab_ref(row.lab) if row.lab else None,
                          quote=row.quote)


def _corrections(session: Session, question_id: str) -> tuple[list[CorrectionView], list[AlternateView]]:
    of_alternate: dict[int, list[CorrectionView]] = defaultdict(list)
    own: list[CorrectionView] = []
    for row in _ordered(session, Correction, question_id):
        view = _correction_view(row)
        if row.alternate_id is None:
            own.append(view)
        else:
            of_alternate[row.alternate_id].append(view)
    alternates = [
        AlternateView(answer=row.answer, document=row.document, line=row.line, corrections=of_alternate[row.id])
        for row in _ordered(session, Alternate, question_id)
    ]
    return own, alternates


def answer_corrections_of(*, session: Session, question_ids: Iterable[str]) -> dict[str, list[CorrectionView]]:
    """The corrections of each question's shown answer, in file order; a question without any has no key
    (nor has one whose shown answer is PrepLab's model answer: the corrections are of the original).

    One query for a whole list, so a page of many questions (a mock report) does not ask once per question.
    """
    wanted = list(dict.fromkeys(question_ids))
    if not wanted:
        return {}
    found: dict[str, list[CorrectionView]] = defaultdict(list)
    # A model answer replaces the document's answer everywhere it is shown, and so do its corrections.
    for row in session.exec(
        select(Correction).join(Question, col(Question.id) == col(Correction.question_id))
        .where(col(Correction.question_id).in_(wanted), col(Correction.alternate_id).is_(None),
               col(Question.has_model_answer).is_(False))
        .order_by(col(Correction.question_id), col(Correction.position))
    ).all():
        found[row.question_id].append(_correction_view(row))
    return dict(found)


def answer_corrections(*, session: Session, question_id: str) -> list[CorrectionView]:
    """The corrections of a question's shown answer (not those of its alternates), for every place that shows it."""
    return answer_corrections_of(session=session, question_ids=[question_id]).get(question_id, [])


@lru_cache(maxsize=32)
def lab_ref(lab_id: str) -> LabRef:
    """The lab's titles from its spec, read without torch; an unregistered id keeps only its name."""
    try:
        spec = load_spec(lab_id)
    except LabNotFound:
        return LabRef(id=lab_id, title_zh=lab_id, title_en=lab_id, known=False)
    return LabRef(id=lab_id, title_zh=spec.title_zh, title_en=spec.title_en)


on_content_change(lab_ref.cache_clear)  # a lab's titles come from its spec, which ships with the content


def _text_fixes(session: Session, question_id: str) -> list[TextFixView]:
    return [TextFixView(original=row.original, fixed=row.fixed, document=row.source_document, line=row.source_line)
            for row in _ordered(session, TextFix, question_id)]


def related_questions(*, session: Session, question_id: str, limit: int = RELATED_LIMIT) -> list[QuestionItem]:
    """Active questions that share concepts with this one, those sharing the most first."""
    mine = select(QuestionConcept.concept_id).where(QuestionConcept.question_id == question_id)
    shared = func.count().label("shared")
    rows = session.exec(
        select(QuestionConcept.question_id, shared)
        .join(Question, col(Question.id) == col(QuestionConcept.question_id))
        .where(col(QuestionConcept.concept_id).in_(mine), QuestionConcept.question_id != question_id,
               col(Question.retired).is_(False))
        .group_by(col(QuestionConcept.question_id))
        .order_by(shared.desc(), col(QuestionConcept.question_id))
        .limit(limit)
    ).all()
    return question_items(session=session, question_ids=[qid for qid, _ in rows])


def _concepts_of(session: Session, question_id: str) -> list[Concept]:
    return list(session.exec(
        select(Concept).join(QuestionConcept, col(QuestionConcept.concept_id) == col(Concept.id))
        .where(QuestionConcept.question_id == question_id).order_by(col(QuestionConcept.position))
    ).all())


def question_detail(*, session: Session, user_id: int, question_id: str) -> QuestionDetail | None:
    """Everything the question page shows, or None for an unknown id (retired questions still load)."""
    question = session.get(Question, question_id)
    if question is None:
        return None
    bank = session.get(Bank, question.bank_id)
    corrections, alternates = _corrections(session, question_id)
    sources = [(row.document, row.line) for row in _ordered(session, QuestionSource, question_id)]
    return QuestionDetail(
        question=question,
        bank_title=bank.title if bank else question.bank_id,
        choices=_ordered(session, Choice, question_id),
        key_points=[row.text for row in _ordered(session, KeyPoint, question_id)],
        sources=sources,
        corrections=corrections,
        alternates=alternates,
        originals=_originals(question, sources, corrections, alternates),
        text_fixes=_text_fixes(session, question_id),
        concepts=_concepts_of(session, question_id),
        related=related_questions(session=session, question_id=question_id),
        card=card_state(session=session, user_id=user_id, question_id=question_id),
        note=_note_view(_note(session, user_id, question_id)),
        bookmarked=session.get(Bookmark, (user_id, question_id)) is not None,
    )


def _originals(question: Question, sources: list[tuple[str, int]], corrections: list[CorrectionView],
               alternates: list[AlternateView]) -> list[OriginalAnswer]:
    elsewhere = {(alternate.document, alternate.line) for alternate in alternates}
    # Sources that no alternate claims asked the question with the own answer's text (exact copies merged).
    own_places = [Place(document, line) for document, line in sources if (document, line) not in elsewhere]
    own_text = question.original_answer if question.has_model_answer else question.answer
    own = OriginalAnswer(
        answer=own_text, explanation=question.original_explanation if question.has_model_answer else "",
        places=own_places, corrections=list(corrections), own=True,
    ) if own_text.strip() else None
    others = [OriginalAnswer(answer=a.answer, explanation="", places=[Place(a.document, a.line)],
                             corrections=list(a.corrections)) for a in alternates]
    return group_originals(own, others)


def _note(session: Session, user_id: int, question_id: str) -> Note | None:
    return session.exec(select(Note).where(Note.user_id == user_id, Note.question_id == question_id)).first()


def _note_view(note: Note | None) -> NoteView | None:
    return NoteView(body=note.body, updated_at=as_utc(note.updated_at) or utcnow()) if note else None


def _require_question(session: Session, question_id: str) -> None:
    if session.get(Question, question_id) is None:
        raise UnknownQuestion(question_id)


def save_note(*, session: Session, user_id: int, question_id: str, body: str) -> NoteView | None:
    """Write the learner's private note; an empty note is deleted (returns None)."""
    if len(body) > NOTE_MAX_CHARS:
        raise ValueError(f"note longer than {NOTE_MAX_CHARS} characters")
    _require_question(session, question_id)
    note = _note(session, user_id, question_id)
    if not body.strip():
        if note is not None:
            session.delete(note)
        session.commit()
        return None
    note = note or Note(user_id=user_id, question_id=question_id)
    note.body, note.updated_at = body, utcnow()
    session.add(note)
    session.commit()
    return _note_view(note)


def set_bookmark(*, session: Session, user_id: int, question_id: str, bookmarked: bool) -> bool:
    """Bookmark or unbookmark a question; setting the state it already has changes nothing."""
    _require_question(session, question_id)
    row = session.get(Bookmark, (user_id, question_id))
    if bookmarked and row is None:
        session.add(Bookmark(user_id=user_id, question_id=question_id))
    elif not bookmarked and row is not None:
        session.delete(row)
    session.commit()
    return bookmarked


@dataclass(frozen=True)
class BookmarkedQuestion:
    item: QuestionItem
    bookmarked_at: datetime | None


def bookmarked_questions(*, session: Session, user_id: int) -> list[BookmarkedQuestion]:
    """The learner's bookmarks, newest first (retired questions included: the learner chose them)."""
    rows = session.exec(
        select(Bookmark).where(Bookmark.user_id == user_id).order_by(col(Bookmark.created_at).desc())
    ).all()
    items = {item.id: item for item in question_items(session=session, question_ids=[r.question_id for r in rows])}
    return [BookmarkedQuestion(items[r.question_id], as_utc(r.created_at)) for r in rows if r.question_id in items]


@dataclass(frozen=True)
class ConceptDetail:
    concept: Concept
    questions: list[QuestionItem]
    related: list[Concept]  # those of Concept.related that exist, in the catalogue's order of mention


def concept_detail(*, session: Session, concept_id: str) -> ConceptDetail | None:
    concept = session.get(Concept, concept_id)
    if concept is None:
        return None
    question_ids = session.exec(
        select(Question.id).join(QuestionConcept, and_(col(QuestionConcept.question_id) == col(Question.id),
                                                       col(QuestionConcept.concept_id) == concept_id))
        .join(Bank, col(Bank.id) == col(Question.bank_id))
        .where(col(Question.retired).is_(False))
        .order_by(col(Bank.position), col(Bank.id), col(Question.position))
    ).all()
    known = {c.id: c for c in session.exec(select(Concept).where(col(Concept.id).in_(list(concept.related))))}
    return ConceptDetail(
        concept=concept,
        questions=question_items(session=session, question_ids=list(question_ids)),
        related=[known[cid] for cid in concept.related if cid in known],
    )
