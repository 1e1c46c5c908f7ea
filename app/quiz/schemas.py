"""The quiz's JSON shapes: request bodies and the dictionaries the /api routes answer with."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from pydantic import Field

from app.clock import as_utc
from app.models import QuizSession
from app.quiz.errors import QuizError
from app.quiz.results import QuizResults, QuizSummary
from app.quiz.selection import SetupOptions
from app.quiz.service import MAX_ANSWER_CHARS, AnswerOutcome, QuizItem, QuizProgress
from app.review.service import GradeResult
from app.validation import MAX_SQL_INT, RequestBody, StrictInt


class AnswerIn(RequestBody):
    """One answer: {"choice": "B"} for an MCQ; {"answer", "key_points_covered", "self_grade"} for open and code
    questions ({"answer"} alone keeps the text and returns the reference, to grade in a second call)."""

    choice: str | list[str] | None = Field(default=None, description='option label(s): "B", "A,C" or ["A", "C"]')
    answer: str | None = Field(default=None, max_length=MAX_ANSWER_CHARS)
    key_points_covered: list[StrictInt] = Field(default_factory=list, max_length=200,
                                          description="indexes (from 0) of the key points the answer covered")
    self_grade: StrictInt | None = Field(default=None, ge=1, le=4,
                                         description="1 missed (Again), 2 Hard, 3 Good, 4 Easy")
    duration_ms: StrictInt | None = Field(default=None, ge=0, le=MAX_SQL_INT, description="time spent on the question")


def error_json(error: QuizError, lang: str) -> dict[str, Any]:
    return {"detail": error.message(lang), "code": error.code, "field": error.field}


def _iso(value: datetime | None) -> str | None:
    moment = as_utc(value)
    return moment.isoformat() if moment is not None else None


def review_json(result: GradeResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {"rating": result.rating, "scheduled": result.scheduled, "state": result.state, "due": _iso(result.due),
            "interval": result.interval, "log_id": result.log_id}


def _outcome_json(item: QuizItem) -> dict[str, Any]:
    """What the learner answered and what is right (with the corrections of the answer); only for a position that
    has an answer."""
    question, answer = item.question, item.answer
    assert answer is not None
    # reference_answer is the answer PrepLab shows (for an MCQ with a model answer: why each option is right or wrong)
    body: dict[str, Any] = {"correct": answer.correct, "explanation": question.explanation,
                            "reference_answer": question.answer, "answered_at": _iso(answer.answered_at),
                            "corrections": [asdict(correction) for correction in item.corrections]}
    if question.kind == "mcq":
        return {**body, "choice": answer.choice, "correct_choice": ",".join(item.correct_labels)}
    return {**body, "answer": answer.answer, "self_grade": answer.self_grade,
            "key_points_covered": answer.key_points_covered, "key_points": item.key_points}


def item_json(item: QuizItem) -> dict[str, Any]:
    """A position as an API client sees it; answers stay hidden until the position is answered."""
    question = item.question
    body: dict[str, Any] = {
        "position": item.position, "id": question.id, "title": question.title, "kind": question.kind,
        "topic": question.topic, "difficulty": question.difficulty, "prompt": question.prompt,
        "url": f"/questions/{question.id}", "status": item.progress.statuses[item.position - 1],
    }
    if question.kind == "mcq":
        body["choices"] = [{"label": choice.label, "text": choice.text} for choice in item.choices]
        body["multiple"] = item.multiple
    else:
        body["key_point_count"] = len(item.key_points)
    if item.answer is not None:
        body["outcome"] = _outcome_json(item)
    return body


def _quiz_head(quiz: QuizSession, progress: QuizProgress) -> dict[str, Any]:
    return {"id": quiz.id, "created_at": _iso(quiz.created_at), "finished_at": _iso(quiz.finished_at),
            "settings": quiz.settings, "total": progress.total, "graded": progress.graded,
            "correct": progress.correct, "resume_position": progress.resume_position}


def quiz_json(items: list[QuizItem]) -> dict[str, Any]:
    progress = items[0].progress
    return {**_quiz_head(progress.quiz, progress), "questions": [item_json(item) for item in items]}


def answer_json(outcome: AnswerOutcome) -> dict[str, Any]:
    item = outcome.item
    body = {"position": item.position, "question_id": item.question.id, "kind": item.question.kind,
            "duplicate": outcome.duplicate, "review": review_json(outcome.review), "correct": None}
    if item.answer is not None:
        body.update(_outcome_json(item))
    body["quiz"] = {"graded": item.progress.graded, "correct": item.progress.correct, "total": item.progress.total,
                    "next_position": item.position + 1 if item.position < item.progress.total else None}
    return body


def results_json(results: QuizResults) -> dict[str, Any]:
    progress = results.progress
    return {
        **_quiz_head(progress.quiz, progress), "percent": results.percent,
        "questions": [{"position": row.position, "id": row.question_id, "title": row.title, "kind": row.kind,
                       "topic": row.topic, "difficulty": row.difficulty, "status": row.status, "choice": row.choice,
                       "correct_choice": row.correct_choice, "self_grade": row.self_grade,
                       "key_points_covered": row.key_points_covered, "url": f"/questions/{row.question_id}"}
                      for row in results.rows],
        "by_topic": [{"topic": score.topic, "total": score.total, "correct": score.correct, "wrong": score.wrong,
                      "percent": score.percent} for score in results.by_topic],
    }


def summary_json(summary: QuizSummary) -> dict[str, Any]:
    return {"id": summary.id, "created_at": _iso(summary.created_at), "finished_at": _iso(summary.finished_at),
            "total": summary.total, "graded": summary.graded, "correct": summary.correct,
            "percent": summary.percent, "topics": summary.topics, "kinds": summary.kinds,
            "url": f"/quiz/{summary.id}/results" if summary.finished_at else f"/quiz/{summary.id}"}


def options_json(options: SetupOptions) -> dict[str, Any]:
    return {"topics": [{"name": topic.name, "count": topic.count} for topic in options.topics],
            "concepts": [{"id": c.id, "name_zh": c.name_zh, "name_en": c.name_en, "topic": c.topic, "count": c.count}
                         for c in options.concepts],
            "kinds": options.kind_counts, "total": options.total}
