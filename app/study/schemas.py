"""The JSON faces of the study pages: plain dicts built from the same values the templates show."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from app.models import Concept
from app.study.browse import QuestionFilters, QuestionItem, QuestionPage, TopicSummary
from app.study.service import BookmarkedQuestion, CardState, ConceptDetail, QuestionDetail
from app.study.stats import Dashboard


def card_json(card: CardState) -> dict[str, Any]:
    return asdict(card)


def item_json(item: QuestionItem) -> dict[str, Any]:
    return asdict(item)


def concept_ref_json(concept: Concept) -> dict[str, Any]:
    return {"id": concept.id, "name_zh": concept.name_zh, "name_en": concept.name_en, "topic": concept.topic}


def question_json(detail: QuestionDetail) -> dict[str, Any]:
    question = detail.question
    return {
        "id": question.id, "bank": question.bank_id, "bank_title": detail.bank_title, "kind": question.kind,
        "title": question.title, "prompt": question.prompt, "answer": question.answer,
        "explanation": question.explanation, "has_model_answer": question.has_model_answer,
        "references": list(question.model_references),
        "original_answer": question.original_answer, "original_explanation": question.original_explanation,
        "originals": [{"answer": o.answer, "explanation": o.explanation, "own": o.own,
                       "places": [asdict(place) for place in o.places],
                       "corrections": [asdict(c) for c in o.corrections]} for o in detail.originals],
        "difficulty": question.difficulty, "topic": question.topic,
        "skill": question.skill, "unanswered": question.unanswered, "retired": question.retired,
        "choices": [{"label": c.label, "text": c.text, "correct": c.correct} for c in detail.choices],
        "key_points": detail.key_points,
        "sources": [{"document": document, "line": line} for document, line in detail.sources],
        "corrections": [asdict(c) for c in detail.corrections],
        "alternates": [asdict(a) for a in detail.alternates],
        "text_fixes": [asdict(f) for f in detail.text_fixes],
        "concepts": [concept_ref_json(c) for c in detail.concepts],
        "related": [item_json(item) for item in detail.related],
        "card": card_json(detail.card),
        "note": detail.note.body if detail.note else None,
        "bookmarked": detail.bookmarked,
    }


def topic_json(summary: TopicSummary) -> dict[str, Any]:
    return asdict(summary)


def topic_page_json(summary: TopicSummary, filters: QuestionFilters, page: QuestionPage) -> dict[str, Any]:
    return topic_json(summary) | {
        "filters": filters.public(),
        "page": page.page, "pages": page.pages, "page_size": page.page_size, "total": page.total,
        "items": [item_json(item) for item in page.items],
    }


def concept_json(detail: ConceptDetail) -> dict[str, Any]:
    concept = detail.concept
    return concept_ref_json(concept) | {
        "summary": concept.summary, "aliases": list(concept.aliases), "labs": list(concept.labs),
        "related": [concept_ref_json(c) for c in detail.related],
        "questions": [item_json(item) for item in detail.questions],
    }


def bookmarks_json(rows: list[BookmarkedQuestion]) -> list[dict[str, Any]]:
    return [item_json(row.item) | {"bookmarked_at": row.bookmarked_at} for row in rows]


def dashboard_json(board: Dashboard) -> dict[str, Any]:
    retention = board.retention
    return {
        "today": board.today, "due_now": board.due_now, "new_available": board.new_available,
        "reviewed_today": board.reviewed_today, "streak_days": board.streak_days,
        "learning_due": board.learning_due, "learning_later": board.learning_later, "review_due": board.review_due,
        "backlog": board.backlog, "new_today": board.new_today, "new_elsewhere_today": board.new_elsewhere_today,
        "retention": {"rate": retention.rate, "recalled": retention.recalled, "total": retention.total,
                      "window_days": retention.window_days},
        "mastery": [{"topic": row.topic, "total": row.total, "mastered": row.mastered, "learning": row.learning,
                     "new": row.new} for row in board.mastery],
        "heatmap": [{"date": cell.day, "count": cell.count} for cell in board.heatmap if not cell.future],
    }
