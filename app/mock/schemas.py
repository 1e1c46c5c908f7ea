"""The mock interview's JSON shapes: request bodies and the dictionaries the /api routes answer with."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from pydantic import Field

from app.clock import as_utc
from app.messages import translate
from app.mock.errors import MockError
from app.mock.outcomes import ReviewSend
from app.mock.presets import PRESETS
from app.mock.report import Report, ReportRow, RoundSummary
from app.mock.service import MAX_ANSWER_CHARS, Round, RoundItem, Saved
from app.validation import RequestBody, StrictInt

MAX_ELAPSED_MS = 24 * 3600 * 1000
MAX_REVISION = 2**53 - 1  # the largest integer a browser's Number holds exactly


class AnswerIn(RequestBody):
    """An autosave: {"answer"} for open and code questions, {"choice"} for an MCQ ("" clears it); "flagged" marks
    it for review; "elapsed_ms" is the time on the question since its last save (the server caps it). "revision"
    (optional) numbers the client's edits of this position, each above the last: the write is kept only when it is
    above the stored revision, so send the whole state (answer or choice, and flagged) with it; an older one is
    answered 200 with the stored state and "stale": true. Without it the write is kept as it comes."""

    answer: str | None = Field(default=None, max_length=MAX_ANSWER_CHARS)
    choice: str | list[str] | None = Field(default=None, description='option label(s): "B", "A,C" or ["A", "C"]')
    flagged: bool | None = None
    elapsed_ms: StrictInt | None = Field(default=None, ge=0, le=MAX_ELAPSED_MS)
    revision: StrictInt | None = Field(default=None, ge=1, le=MAX_REVISION)


class GradeIn(RequestBody):
    """The learner's grade of an open answer against the reference: 1 missed (Again), 2 Hard, 3 Good, 4 Easy."""

    self_grade: StrictInt = Field(ge=1, le=4)


def iso(value: datetime | None) -> str | None:
    moment = as_utc(value)
    return moment.isoformat() if moment is not None else None


def error_json(error: MockError, lang: str) -> dict[str, Any]:
    """The message in the viewer's language as `detail`, and in both languages under `messages`."""
    return {"detail": error.message(lang), "code": error.code, "field": error.field,
            "messages": {"zh": error.message("zh"), "en": error.message("en")}}


def _public_settings(settings: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in settings.items() if key != "card_versions"}


def saved_json(item: RoundItem) -> dict[str, Any]:
    answer = item.answer
    return {"answer": answer.answer, "choice": item.chosen, "flagged": answer.flagged,
            "time_spent_ms": answer.time_spent_ms, "saved_at": iso(answer.saved_at), "revision": answer.revision}


def question_json(item: RoundItem, *, reveal: bool) -> dict[str, Any]:
    """A position as a client sees it; the right answer only once the round is over (reveal)."""
    question = item.question
    body: dict[str, Any] = {"position": item.position, "id": question.id, "title": question.title,
                            "kind": question.kind, "topic": question.topic, "difficulty": question.difficulty,
                            "prompt": question.prompt, "saved": saved_json(item)}
    if question.kind == "mcq":
        body["choices"] = [{"label": choice.label, "text": choice.text} for choice in item.choices]
        body["multiple"] = item.multiple
    else:
        body["key_point_count"] = len(item.key_points)
    if reveal:
        body.update(status=item.status, self_grade=item.answer.self_grade, explanation=question.explanation,
                    reference_answer=question.answer, corrections=_corrections_json(item))
        if question.kind == "mcq":
            body["correct_choice"] = item.correct_labels
        else:
            body.update(key_points=item.key_points)
    return body


def round_json(current: Round) -> dict[str, Any]:
    interview = current.interview
    reveal = current.status == "finished"
    return {"id": current.id, "title": interview.title, "status": current.status,
            "started_at": iso(current.started_at), "deadline": iso(current.deadline),
            "finished_at": iso(current.finished_at), "server_now": iso(current.now),
            "remaining_ms": current.remaining_ms, "budget_ms": current.budget_ms,
            "settings": _public_settings(interview.settings), "total": current.total,
            "questions": [question_json(item, reveal=reveal) for item in current.items]}


def save_json(saved: Saved, position: int) -> dict[str, Any]:
    """The position as stored after the save; `stale` when the save was older than it and only its time counted."""
    current = saved.round
    return {"id": current.id, "position": position, **saved_json(current.item(position)),
            "deadline": iso(current.deadline), "remaining_ms": current.remaining_ms, "stale": saved.stale}


def _corrections_json(item: RoundItem) -> list[dict[str, Any]]:
    return [asdict(correction) for correction in item.corrections]


def _row_json(row: ReportRow) -> dict[str, Any]:
    item, question = row.item, row.item.question
    body: dict[str, Any] = {"position": item.position, "id": question.id, "title": question.title,
                            "kind": question.kind, "topic": question.topic, "status": row.status,
                            "time_spent_ms": row.time_ms, "budget_ms": row.budget_ms,
                            "over_budget": row.over_budget, "flagged": item.answer.flagged,
                            "url": f"/questions/{question.id}", "corrections": _corrections_json(item)}
    if question.kind == "mcq":
        return {**body, "choice": item.chosen, "correct_choice": item.correct_labels,
                "reference_answer": question.answer}
    hint = row.hint
    assert hint is not None
    return {**body, "answer": item.answer.answer, "self_grade": item.answer.self_grade,
            "reference_answer": question.answer,
            "coverage": {"likely_covered": hint.likely_covered, "total": hint.total,
                         "points": [{"text": point.text, "share": round(point.share, 3), "likely": point.likely}
                                    for point in hint.points]}}


def summary_json(summary: RoundSummary) -> dict[str, Any]:
    return {"id": summary.id, "title": summary.title, "preset": summary.preset,
            "started_at": iso(summary.started_at), "deadline": iso(summary.deadline),
            "finished_at": iso(summary.finished_at), "total": summary.total, "right": summary.right,
            "ungraded": summary.ungraded, "percent": summary.percent, "minutes": summary.minutes,
            "time_used_ms": summary.time_used_ms,
            "report_url": f"/mock/{summary.id}/report" if summary.finished_at else None}


def report_json(report: Report) -> dict[str, Any]:
    current = report.round
    return {
        "id": current.id, "title": current.interview.title, "status": current.status,
        "started_at": iso(current.started_at), "deadline": iso(current.deadline),
        "finished_at": iso(current.finished_at), "settings": _public_settings(current.interview.settings),
        "score": {"right": report.right, "total": report.total, "percent": report.percent,
                  "wrong": report.count("wrong"), "ungraded": report.count("ungraded"),
                  "unanswered": report.count("unanswered")},
        "time_used_ms": report.time_used_ms,
        "questions": [_row_json(row) for row in report.rows],
        "by_topic": [{"topic": line.topic, "total": line.total, "right": line.right, "wrong": line.wrong,
                      "ungraded": line.ungraded, "unanswered": line.unanswered, "percent": line.percent,
                      "time_ms": line.time_ms} for line in report.by_topic],
        "trend": [summary_json(summary) for summary in report.trend], "delta": report.delta,
        "missed": [row.item.position for row in report.missed],
        "review_sent_at": current.interview.settings.get("review_sent_at"),
        "markdown_url": f"/api/mock-interviews/{current.id}/report.md",
    }


def send_json(outcome: ReviewSend) -> dict[str, Any]:
    return {"sent": outcome.sent, "already": outcome.already, "skipped": outcome.skipped}


def presets_json(lang: str) -> list[dict[str, Any]]:
    return [{"id": preset.id, "title": translate(f"mock.preset.{preset.id}.title", lang),
             "description": translate(f"mock.preset.{preset.id}.description", lang), **preset.values()}
            for preset in PRESETS]
