"""Export the database's questions and concepts as one JSON document (a shape outside tools rely on)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlmodel import Session, col, select

from app.models import (
    Alternate,
    Choice,
    Concept,
    Correction,
    KeyPoint,
    Question,
    QuestionConcept,
    QuestionSource,
    TextFix,
)


def _grouped(session: Session, model: Any) -> dict[str, list[Any]]:
    groups: dict[str, list[Any]] = defaultdict(list)
    for row in session.exec(select(model).order_by(col(model.question_id), col(model.position))):
        groups[row.question_id].append(row)
    return groups


def export_document(session: Session) -> dict[str, Any]:
    """Every question (retired ones flagged) and every concept, in bank order."""
    choices, key_points = _grouped(session, Choice), _grouped(session, KeyPoint)
    sources, links = _grouped(session, QuestionSource), _grouped(session, QuestionConcept)
    alternates, corrections = _grouped(session, Alternate), _grouped(session, Correction)
    text_fixes = _grouped(session, TextFix)
    corrections_of_alternate: dict[int, list[Correction]] = defaultdict(list)
    for rows in corrections.values():
        for row in rows:
            if row.alternate_id is not None:
                corrections_of_alternate[row.alternate_id].append(row)

    def correction_json(row: Correction) -> dict[str, Any]:
        return {"text": row.text, "quote": row.quote, "sources": list(row.sources), "lab": row.lab}

    questions = []
    for question in session.exec(select(Question).order_by(col(Question.position))):
        qid = question.id
        questions.append({
            "id": qid,
            "kind": question.kind,
            "title": question.title,
            "bank": question.bank_id,
            "prompt": question.prompt,
            "answer": question.answer,
            "explanation": question.explanation,
            "has_model_answer": question.has_model_answer,
            "references": list(question.model_references),
            "original_answer": question.original_answer,
            "original_explanation": question.original_explanation,
            "choices": [{"label": c.label, "text": c.text, "correct": c.correct} for c in choices[qid]],
            "key_points": [k.text for k in key_points[qid]],
            "difficulty": question.difficulty,
            "topic": question.topic,
            "skill": question.skill,
            "concepts": [link.concept_id for link in links[qid]],
            "sources": [{"document": s.document, "line": s.line} for s in sources[qid]],
            "corrections": [correction_json(c) for c in corrections[qid] if c.alternate_id is None],
            "alternates": [
                {
                    "answer": a.answer,
                    "source": {"document": a.document, "line": a.line},
                    "corrections": [correction_json(c) for c in corrections_of_alternate[a.id or 0]],
                }
                for a in alternates[qid]
            ],
            "text_fixes": [
                {"original": f.original, "fixed": f.fixed,
                 "location": {"document": f.source_document, "line": f.source_line}}
                for f in text_fixes[qid]
            ],
            "unanswered": question.unanswered,
            "retired": question.retired,
        })
    concepts = [
        {"id": c.id, "name_zh": c.name_zh, "name_en": c.name_en, "topic": c.topic, "labs": list(c.labs)}
        for c in session.exec(select(Concept).order_by(col(Concept.position)))
    ]
    return {"questions": questions, "concepts": concepts}
