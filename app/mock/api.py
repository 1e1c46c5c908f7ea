"""The mock interview's JSON API: create, read, autosave, hand in, report (JSON and Markdown), self-grade, and send
what was missed to review."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import JSONResponse, Response

from app.clock import learner_zone, utcnow
from app.deps import RowId, SessionDep, SessionReleasingRoute, SettingsDep, Viewer, ViewerDep
from app.mock.errors import MockError
from app.mock.markdown import report_markdown
from app.mock.outcomes import self_grade, send_missed_to_review
from app.mock.report import build_report, round_summaries
from app.mock.schemas import (
    AnswerIn,
    GradeIn,
    error_json,
    presets_json,
    report_json,
    round_json,
    save_json,
    send_json,
    summary_json,
)
from app.mock.service import create_interview, finish_interview, load_round, save_answer
from app.mock.setup import MockSetup
from app.mock.weak import concept_strengths
from app.quiz.schemas import options_json
from app.quiz.selection import setup_options

router = APIRouter(route_class=SessionReleasingRoute)


def _error(error: MockError, viewer: Viewer) -> JSONResponse:
    return JSONResponse(error_json(error, viewer.lang), status_code=error.status)


def markdown_response(body: str, interview_id: int) -> Response:
    return Response(body, media_type="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="mock-interview-{interview_id}.md"'})


@router.get("/api/mock-interviews", name="api_mock_interviews")
def api_mock_interviews(session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    """Every round (newest first), the presets, what a round can be made of, and the learner's weakest concepts."""
    weak = concept_strengths(session=session, user_id=viewer.user_id, now=utcnow(),
                             desired_retention=viewer.desired_retention)
    return {"rounds": [summary_json(s) for s in reversed(round_summaries(session=session, user_id=viewer.user_id))],
            "presets": presets_json(viewer.lang), "options": options_json(setup_options(session=session)),
            "weak_concepts": [{"id": s.concept_id, "name_zh": s.name_zh, "name_en": s.name_en, "cards": s.cards,
                               "retrievability": round(s.retrievability, 3), "lapses": s.lapses}
                              for s in weak[:10]]}


@router.post("/api/mock-interviews", name="api_mock_create", status_code=201)
def api_mock_create(setup: MockSetup, session: SessionDep, viewer: ViewerDep) -> Response:
    """Start a round (201): its id, server deadline and questions; `minutes` accepts fractions."""
    try:
        current = create_interview(session=session, user_id=viewer.user_id, setup=setup,
                                   desired_retention=viewer.desired_retention, lang=viewer.lang)
    except MockError as error:
        session.rollback()
        return _error(error, viewer)
    return JSONResponse(round_json(current), status_code=201)


@router.get("/api/mock-interviews/{interview_id}", name="api_mock")
def api_mock(interview_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """A round: its questions, saved answers, deadline and status (answers revealed once it is finished)."""
    try:
        return JSONResponse(round_json(load_round(session=session, user_id=viewer.user_id,
                                                  interview_id=interview_id)))
    except MockError as error:
        return _error(error, viewer)


@router.put("/api/mock-interviews/{interview_id}/answers/{position}", name="api_mock_answer")
def api_mock_answer(interview_id: RowId, position: RowId, body: AnswerIn, session: SessionDep,
                    viewer: ViewerDep) -> Response:
    """Autosave one answer, committed before the reply; 409 after the deadline or hand-in, nothing stored changes;
    a revision not above the stored one is answered 200 with the stored state and `"stale": true`."""
    try:
        saved = save_answer(session=session, user_id=viewer.user_id, interview_id=interview_id,
                            position=position, answer=body.answer, choice=body.choice, flagged=body.flagged,
                            elapsed_ms=body.elapsed_ms, revision=body.revision)
    except MockError as error:
        session.rollback()
        return _error(error, viewer)
    return JSONResponse(save_json(saved, position))


@router.put("/api/mock-interviews/{interview_id}/answers/{position}/grade", name="api_mock_grade")
def api_mock_grade(interview_id: RowId, position: RowId, body: GradeIn, session: SessionDep,
                   viewer: ViewerDep) -> Response:
    """Grade one open answer against the reference once the round is over; answers with the updated report."""
    try:
        self_grade(session=session, user_id=viewer.user_id, interview_id=interview_id, position=position,
                   grade_value=body.self_grade)
        return JSONResponse(report_json(build_report(session=session, user_id=viewer.user_id,
                                                     interview_id=interview_id)))
    except MockError as error:
        session.rollback()
        return _error(error, viewer)


@router.post("/api/mock-interviews/{interview_id}/finish", name="api_mock_finish")
def api_mock_finish(interview_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """Hand the round in (a repeat changes nothing) and answer with its report."""
    try:
        finish_interview(session=session, user_id=viewer.user_id, interview_id=interview_id)
        return JSONResponse(report_json(build_report(session=session, user_id=viewer.user_id,
                                                     interview_id=interview_id)))
    except MockError as error:
        session.rollback()
        return _error(error, viewer)


@router.get("/api/mock-interviews/{interview_id}/report", name="api_mock_report")
def api_mock_report(interview_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """The report: score, time per question, topics, trend; 409 while the round is still running."""
    try:
        return JSONResponse(report_json(build_report(session=session, user_id=viewer.user_id,
                                                     interview_id=interview_id)))
    except MockError as error:
        return _error(error, viewer)


@router.get("/api/mock-interviews/{interview_id}/report.md", name="api_mock_report_markdown")
def api_mock_report_markdown(interview_id: RowId, session: SessionDep, viewer: ViewerDep,
                             settings: SettingsDep) -> Response:
    """The report as a Markdown file."""
    try:
        report = build_report(session=session, user_id=viewer.user_id, interview_id=interview_id)
    except MockError as error:
        return _error(error, viewer)
    return markdown_response(report_markdown(report, viewer.lang, learner_zone(settings.timezone)), interview_id)


@router.post("/api/mock-interviews/{interview_id}/review", name="api_mock_review")
def api_mock_review(interview_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """Send every missed question to review as Again; a repeat finds them already sent and logs nothing."""
    try:
        outcome = send_missed_to_review(session=session, user_id=viewer.user_id, interview_id=interview_id,
                                        desired_retention=viewer.desired_retention)
    except MockError as error:
        session.rollback()
        return _error(error, viewer)
    return JSONResponse(send_json(outcome))
