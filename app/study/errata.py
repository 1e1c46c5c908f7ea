"""The errata of the source documents: every correction and text fix in one place, by document and line."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from app.models import Alternate, Correction, Question, QuestionSource, TextFix
from app.study.service import CorrectionView, lab_ref

_TRUE = ("1", "true", "on", "yes")


@dataclass(frozen=True)
class ErrataFilters:
    """What the errata are narrowed to; a document or topic that has no errata means "no filter"."""

    document: str | None = None
    topic: str | None = None
    has_lab: bool = False  # only corrections a lab measures (text fixes have none, so they are left out)

    @classmethod
    def parse(cls, *, document: str | None = None, topic: str | None = None,
              has_lab: str | bool | None = None) -> ErrataFilters:
        lab = has_lab if isinstance(has_lab, bool) else str(has_lab or "").strip().lower() in _TRUE
        return cls(document=(document or "").strip() or None, topic=(topic or "").strip() or None, has_lab=lab)

    @property
    def active(self) -> bool:
        return bool(self.document or self.topic or self.has_lab)

    def query(self, **changes: Any) -> str:
        """These filters as a query string, with `changes` applied."""
        values = replace(self, **changes)
        pairs = {"document": values.document, "topic": values.topic, "has_lab": "1" if values.has_lab else None}
        return urlencode({key: value for key, value in pairs.items() if value})

    def public(self) -> dict[str, Any]:
        return {"document": self.document, "topic": self.topic, "has_lab": self.has_lab}


@dataclass(frozen=True)
class ErrataEntry:
    """The corrections of one answer: a question's shown answer, or another document's answer to it."""

    question_id: str
    title: str
    topic: str | None
    document: str  # of the corrected answer; "" when the question names no source
    line: int
    alternate: bool  # False: the answer the question page shows; True: another document's answer
    corrections: list[CorrectionView]


@dataclass(frozen=True)
class DocumentErrata:
    document: str
    entries: list[ErrataEntry]  # by line

    @property
    def corrections(self) -> int:
        return sum(len(entry.corrections) for entry in self.entries)


@dataclass(frozen=True)
class TextFixEntry:
    question_id: str
    title: str
    topic: str | None
    original: str
    fixed: str
    document: str
    line: int


@dataclass(frozen=True)
class ErrataCounts:
    corrections: int
    questions: int  # with at least one correction
    documents: int  # holding at least one corrected answer
    text_fixes: int
    with_lab: int  # corrections a lab measures


@dataclass(frozen=True)
class Errata:
    summary: ErrataCounts  # all of them, whatever the filters
    shown: ErrataCounts  # what the filters leave
    filters: ErrataFilters  # as applied (an unknown document or topic dropped)
    documents: list[DocumentErrata]  # in name order
    text_fixes: list[TextFixEntry]  # by document, then line
    document_options: list[str]
    topic_options: list[str]


def _active() -> Any:
    return col(Question.retired).is_(False)


def _first_source() -> Any:
    """The shown answer's document: the question's first source."""
    return and_(col(QuestionSource.question_id) == col(Correction.question_id), col(QuestionSource.position) == 0)


def _correction_entries(session: Session) -> list[ErrataEntry]:
    """Every active question's corrected answers, each with its corrections in file order (one query)."""
    rows = session.exec(
        select(Correction, Question, Alternate, QuestionSource)
        .join(Question, col(Question.id) == col(Correction.question_id))
        .outerjoin(Alternate, col(Alternate.id) == col(Correction.alternate_id))
        .outerjoin(QuestionSource, _first_source())
        .where(_active())
        .order_by(col(Correction.question_id), col(Correction.position))
    ).all()
    corrections: dict[tuple[str, int | None], list[CorrectionView]] = defaultdict(list)
    entries: dict[tuple[str, int | None], ErrataEntry] = {}
    for correction, question, alternate, source in rows:
        key = (question.id, correction.alternate_id)  # the entry holds this list, so later rows still land in it
        corrections[key].append(CorrectionView(text=correction.text, sources=list(correction.sources),
                                               lab=lab_ref(correction.lab) if correction.lab else None))
        if key not in entries:
            place = alternate if correction.alternate_id is not None else source
            entries[key] = ErrataEntry(
                question_id=question.id, title=question.title, topic=question.topic,
                document=place.document if place else "", line=place.line if place else 0,
                alternate=correction.alternate_id is not None, corrections=corrections[key])
    return sorted(entries.values(), key=lambda e: (e.document == "", e.document, e.line, e.question_id, e.alternate))


def _text_fix_entries(session: Session) -> list[TextFixEntry]:
    rows = session.exec(
        select(TextFix, Question).join(Question, col(Question.id) == col(TextFix.question_id)).where(_active())
        .order_by(col(TextFix.source_document), col(TextFix.source_line), col(TextFix.question_id),
                  col(TextFix.position))
    ).all()
    return [TextFixEntry(question_id=question.id, title=question.title, topic=question.topic, original=fix.original,
                         fixed=fix.fixed, document=fix.source_document, line=fix.source_line)
            for fix, question in rows]


def _counts(entries: list[ErrataEntry], text_fixes: list[TextFixEntry]) -> ErrataCounts:
    corrections = [correction for entry in entries for correction in entry.corrections]
    return ErrataCounts(corrections=len(corrections), questions=len({entry.question_id for entry in entries}),
                        documents=len({entry.document for entry in entries if entry.document}),
                        text_fixes=len(text_fixes),
                        with_lab=sum(1 for correction in corrections if correction.lab is not None))


def _narrowed(entry: ErrataEntry, filters: ErrataFilters) -> ErrataEntry | None:
    if (filters.document and entry.document != filters.document) or (filters.topic and entry.topic != filters.topic):
        return None
    if not filters.has_lab:
        return entry
    with_lab = [correction for correction in entry.corrections if correction.lab is not None]
    return replace(entry, corrections=with_lab) if with_lab else None


def errata(*, session: Session, filters: ErrataFilters) -> Errata:
    """All corrections of active questions grouped by the corrected answer's document, and the text fixes.

    The summary counts everything; `documents` and `text_fixes` hold what the filters leave.
    """
    entries, text_fixes = _correction_entries(session), _text_fix_entries(session)
    documents = sorted({entry.document for entry in entries} | {fix.document for fix in text_fixes})
    topics = sorted({entry.topic for entry in entries if entry.topic}
                    | {fix.topic for fix in text_fixes if fix.topic})
    filters = replace(filters, document=filters.document if filters.document in documents else None,
                      topic=filters.topic if filters.topic in topics else None)
    kept = [narrowed for entry in entries if (narrowed := _narrowed(entry, filters)) is not None]
    fixes = [] if filters.has_lab else [
        fix for fix in text_fixes if filters.document in (None, fix.document) and filters.topic in (None, fix.topic)
    ]
    grouped: dict[str, list[ErrataEntry]] = defaultdict(list)
    for entry in kept:
        grouped[entry.document].append(entry)
    return Errata(summary=_counts(entries, text_fixes), shown=_counts(kept, fixes), filters=filters,
                  documents=[DocumentErrata(document, items) for document, items in grouped.items()],
                  text_fixes=fixes, document_options=documents, topic_options=topics)


def errata_counts(*, session: Session) -> ErrataCounts:
    """The errata's summary figures by counting in the database (two queries), for pages that only link to it."""
    place = func.coalesce(col(Alternate.document), col(QuestionSource.document))
    corrections, questions, documents, with_lab = session.exec(
        select(func.count(col(Correction.id)), func.count(func.distinct(col(Correction.question_id))),
               func.count(func.distinct(place)), func.count(col(Correction.lab)))
        .join(Question, col(Question.id) == col(Correction.question_id))
        .outerjoin(Alternate, col(Alternate.id) == col(Correction.alternate_id))
        .outerjoin(QuestionSource, _first_source())
        .where(_active())
    ).one()
    text_fixes = session.exec(
        select(func.count()).select_from(TextFix).join(Question, col(Question.id) == col(TextFix.question_id))
        .where(_active())
    ).one()
    return ErrataCounts(corrections=corrections, questions=questions, documents=documents, text_fixes=text_fixes,
                        with_lab=with_lab)


def errata_json(found: Errata) -> dict[str, Any]:
    """The JSON face of the errata page: the same counts, groups and text fixes the page shows."""
    return {
        "summary": asdict(found.summary),
        "shown": asdict(found.shown),
        "filters": found.filters.public(),
        "options": {"documents": found.document_options, "topics": found.topic_options},
        "documents": [
            {"document": group.document, "corrections": group.corrections,
             "entries": [{"question_id": entry.question_id, "url": f"/questions/{entry.question_id}",
                          "title": entry.title, "topic": entry.topic,
                          "location": {"document": entry.document, "line": entry.line},
                          "answer": "alternate" if entry.alternate else "shown",
                          "corrections": [asdict(correction) for correction in entry.corrections]}
                         for entry in group.entries]}
            for group in found.documents
        ],
        "text_fixes": [asdict(fix) | {"url": f"/questions/{fix.question_id}"} for fix in found.text_fixes],
    }
