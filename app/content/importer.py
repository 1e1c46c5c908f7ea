"""Load parsed content into the database in one transaction: upsert by stable id, retire what vanished."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, select

from app.content.bank import ContentWarning, ParsedBank, ParsedQuestion
from app.content.concepts import Concept as CatalogueConcept
from app.content.pipeline import Content
from app.models import (
    Alternate,
    Bank,
    Choice,
    Concept,
    Correction,
    KeyPoint,
    Question,
    QuestionConcept,
    QuestionSource,
    TextFix,
    utcnow,
)
from app.search.index import rebuild_index

_CHILD_TABLES: tuple[Any, ...] = (
    Correction, Alternate, Choice, KeyPoint, QuestionSource, QuestionConcept, TextFix,
)


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    restored: int = 0
    kinds_by_bank: dict[str, Counter[str]] = field(default_factory=dict)
    warnings: list[ContentWarning] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(sum(kinds.values()) for kinds in self.kinds_by_bank.values())


def import_content(*, session: Session, content: Content) -> ImportReport:
    """Write content into the session; the caller commits (or rolls back) the one transaction."""
    report = ImportReport(warnings=list(content.warnings))
    _upsert_concepts(session, content.catalogue.concepts)
    for position, bank in enumerate(content.banks):
        _upsert_bank(session, bank, position)
    existing = {row.id: row for row in session.exec(select(Question))}
    changed: list[ParsedQuestion] = []
    for position, (bank, question) in enumerate(content.questions):
        if _upsert_question(session, existing.get(question.ensure_id()), bank, question, position, report):
            changed.append(question)
        report.kinds_by_bank.setdefault(bank.slug, Counter())[question.kind] += 1
    # Rows are written table by table, a few statements in all rather than several per question: the questions
    # first (everything else refers to them; the session knows no relationships to order a flush by), then their
    # children and the alternates (whose ids the alternates' corrections need), then those corrections.
    session.flush()
    alternates = [pair for question in changed for pair in _add_children(session, question)]
    session.flush()
    for alternate_row, alternate in alternates:
        session.add_all([Correction(question_id=alternate_row.question_id, alternate_id=alternate_row.id, position=i,
                                    text=c.text, sources=list(c.sources), lab=c.lab, quote=c.quote)
                         for i, c in enumerate(alternate.corrections)])
    imported_ids = {question.id for _bank, question in content.questions}
    imported_banks = {bank.slug for bank in content.banks}
    for row in existing.values():
        if row.bank_id in imported_banks and row.id not in imported_ids and not row.retired:
            row.retired, row.retired_at = True, utcnow()
            session.add(row)
            report.retired += 1
    rebuild_index(session)  # the search index changes in the same transaction as the questions
    session.flush()
    return report


def _upsert_concepts(session: Session, concepts: tuple[CatalogueConcept, ...]) -> None:
    existing = {row.id: row for row in session.exec(select(Concept))}
    for position, concept in enumerate(concepts):
        values: dict[str, Any] = {
            "name_zh": concept.name_zh, "name_en": concept.name_en, "topic": concept.topic,
            "summary": concept.summary, "aliases": list(concept.aliases), "related": list(concept.related),
            "labs": list(concept.labs), "position": position,
        }
        row = existing.get(concept.id)
        if row is None:
            session.add(Concept(id=concept.id, **values))
        elif any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            session.add(row)
    session.flush()


def _upsert_bank(session: Session, bank: ParsedBank, position: int) -> None:
    values: dict[str, Any] = {"title": bank.title, "description": bank.description, "path": bank.path.name,
              "canonical": bank.canonical, "position": position}
    row = session.get(Bank, bank.slug)
    if row is None:
        session.add(Bank(id=bank.slug, **values))
    elif any(getattr(row, key) != value for key, value in values.items()):
        for key, value in values.items():
            setattr(row, key, value)
        row.imported_at = utcnow()
        session.add(row)
    session.flush()


def content_hash(bank: ParsedBank, question: ParsedQuestion, position: int) -> str:
    """A digest of everything an import writes for a question, so unchanged questions are left untouched."""
    payload = asdict(question)
    payload.pop("file"), payload.pop("line")
    # Where a correction sits in its file is not content: moving it must not count as an edit.
    for item in [*payload["corrections"], *(c for alt in payload["alternates"] for c in alt["corrections"])]:
        item.pop("line")
    payload["bank"], payload["position"] = bank.slug, position
    encoded = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def _upsert_question(
    session: Session, row: Question | None, bank: ParsedBank, question: ParsedQuestion, position: int,
    report: ImportReport,
) -> bool:
    digest = content_hash(bank, question, position)
    if row is not None and row.content_hash == digest and not row.retired:
        report.unchanged += 1
        return False  # nothing to write
    values: dict[str, Any] = {
        "bank_id": bank.slug, "position": position, "kind": question.kind, "title": question.title,
        "prompt": question.prompt, "answer": question.shown_answer, "explanation": question.shown_explanation,
        "original_answer": question.answer, "original_explanation": question.explanation,
        "has_model_answer": bool(question.model_answer), "model_references": list(question.references),
        "difficulty": question.difficulty, "topic": question.topic, "skill": question.skill,
        "unanswered": question.unanswered, "content_hash": digest,
    }
    if row is None:
        row = Question(id=question.ensure_id(), **values)
        report.added += 1
    else:
        for table in _CHILD_TABLES:
            session.exec(delete(table).where(table.question_id == row.id))  # type: ignore[call-overload]
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        if row.retired:
            row.retired, row.retired_at = False, None
            report.restored += 1
        else:
            report.updated += 1
    session.add(row)
    return True


def _add_children(session: Session, question: ParsedQuestion) -> list[tuple[Alternate, Any]]:
    """Add the question's child rows (not flushed); returns its alternates' rows with what they were made from."""
    qid = question.ensure_id()
    session.add_all(
        [Choice(question_id=qid, position=i, label=c.label, text=c.text, correct=c.correct)
         for i, c in enumerate(question.choices)]
        + [KeyPoint(question_id=qid, position=i, text=text) for i, text in enumerate(question.key_points)]
        + [QuestionSource(question_id=qid, position=i, document=s.document, line=s.line)
           for i, s in enumerate(question.sources)]
        + [QuestionConcept(question_id=qid, concept_id=cid, position=i) for i, cid in enumerate(question.concepts)]
        + [Correction(question_id=qid, position=i, text=c.text, sources=list(c.sources), lab=c.lab, quote=c.quote)
           for i, c in enumerate(question.corrections)]
        + [TextFix(question_id=qid, position=i, original=f.original, fixed=f.fixed,
                   source_document=f.location.document, source_line=f.location.line)
           for i, f in enumerate(question.text_fixes)]
    )
    rows = [(Alternate(question_id=qid, position=position, answer=alternate.answer,
                       document=alternate.source.document, line=alternate.source.line), alternate)
            for position, alternate in enumerate(question.alternates)]
    session.add_all([row for row, _alternate in rows])
    return rows
