"""Mock-interview pages: set-up with presets and history, the timed round (autosaved by static/js/mock.js, every
form also a plain form), and the report with self-grading, send-to-review and Markdown export. The JSON twins are
in app/mock/api.py, included here."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from app.clock import learner_zone, utcnow
from app.deps import RowId, SessionDep, SessionReleasingRoute, SettingsDep, Viewer, ViewerDep
from app.messages import translate
from app.mock.api import markdown_response
from app.mock.api import router as api_router
from app.mock.coverage import COVERED_AT
from app.mock.errors import MockError, UnknownInterview, UnknownPosition
from app.mock.markdown import report_markdown
from app.mock.outcomes import ReviewSend, self_grade, send_missed_to_review
from app.mock.presets import PRESETS
from app.mock.report import build_report, round_summaries
from app.mock.service import Round, create_interview, finish_interview, load_round, save_answer
from app.mock.setup import DEFAULT_COUNT, DEFAULT_MINUTES_PER_QUESTION, MAX_COUNT, MAX_MINUTES, MockSetup
from app.mock.weak import concept_strengths
from app.quiz.selection import setup_options
from app.templating import is_htmx, render

router = APIRouter(route_class=SessionReleasingRoute)
router.include_router(api_router)

FORM_FIELDS = ("title", "topics", "concepts", "difficulty_min", "difficulty_max", "count", "minutes",
               "minutes_per_question", "mix_mcq", "mix_open", "mix_code", "focus_weak")
DEFAULT_FORM: dict[str, Any] = {"topics": [], "concepts": [], "difficulty_min": "1", "difficulty_max": "10",
                                "count": str(DEFAULT_COUNT), "minutes": "", "minutes_per_question": "",
                                "mix_mcq": "", "mix_open": "", "mix_code": "", "focus_weak": False, "title": ""}


def _not_found(error: MockError, viewer: Viewer) -> HTTPException:
    return HTTPException(status_code=error.status, detail=error.message(viewer.lang))


def _setup_page(request: Request, session: SessionDep, viewer: Viewer, settings: SettingsDep, *,
                form: dict[str, Any], errors: dict[str, str], status_code: int = 200) -> Response:
    weak = concept_strengths(session=session, user_id=viewer.user_id, now=utcnow(),
                             desired_retention=viewer.desired_retention)
    context = {"options": setup_options(session=session), "presets": PRESETS, "form": form, "errors": errors,
               "history": list(reversed(round_summaries(session=session, user_id=viewer.user_id))),
               "weak": weak[:5], "zone": learner_zone(settings.timezone), "now": utcnow(), "max_count": MAX_COUNT,
               "max_minutes": int(MAX_MINUTES), "default_minutes": DEFAULT_MINUTES_PER_QUESTION, "active": "mock"}
    return render(request, viewer, "mock/index.html", context, status_code=status_code)


def _setup_values(form: dict[str, Any]) -> dict[str, Any]:
    """The form as MockSetup values: blanks left out (so a preset or default fills them), mix as one dict."""
    values: dict[str, Any] = {}
    for name in ("title", "difficulty_min", "difficulty_max", "count", "minutes", "minutes_per_question"):
        text = str(form.get(name) or "").strip()
        if text:
            values[name] = text
    for name in ("topics", "concepts"):
        if form.get(name):
            values[name] = form[name]
    mix = {kind: str(form.get(f"mix_{kind}") or "").strip() for kind in ("mcq", "open", "code")}
    if any(mix.values()):
        values["mix"] = {kind: number for kind, number in mix.items() if number}
    if form.get("focus_weak"):
        values["focus_weak"] = True
    if form.get("preset"):
        values["preset"] = form["preset"]
    return values


def _form_errors(error: ValidationError, lang: str) -> dict[str, str]:
    """One readable line per field (pydantic's own messages are English and technical)."""
    messages: dict[str, str] = {}
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else "count"
        messages.setdefault(field, translate(f"mock.error.field.{field}", lang, max_count=MAX_COUNT,
                                             max_minutes=int(MAX_MINUTES)))
    return messages


@router.get("/mock", name="mock_setup")
def mock_setup(request: Request, session: SessionDep, viewer: ViewerDep, settings: SettingsDep) -> Response:
    """Presets, the set-up form, your weakest concepts and every past round."""
    return _setup_page(request, session, viewer, settings, form=dict(DEFAULT_FORM), errors={})


@router.post("/mock", name="mock_start")
def mock_start(
    request: Request, session: SessionDep, viewer: ViewerDep, settings: SettingsDep,
    preset: Annotated[str, Form()] = "", title: Annotated[str, Form()] = "",
    topics: Annotated[list[str] | None, Form()] = None, concepts: Annotated[list[str] | None, Form()] = None,
    difficulty_min: Annotated[str, Form()] = "", difficulty_max: Annotated[str, Form()] = "",
    count: Annotated[str, Form()] = "", minutes: Annotated[str, Form()] = "",
    minutes_per_question: Annotated[str, Form()] = "", mix_mcq: Annotated[str, Form()] = "",
    mix_open: Annotated[str, Form()] = "", mix_code: Annotated[str, Form()] = "",
    focus_weak: Annotated[str, Form()] = "",
) -> Response:
    """Start a round from a preset button or the form, and go to its first question."""
    form = {"preset": preset, "title": title, "topics": topics or [], "concepts": concepts or [],
            "difficulty_min": difficulty_min, "difficulty_max": difficulty_max, "count": count, "minutes": minutes,
            "minutes_per_question": minutes_per_question, "mix_mcq": mix_mcq, "mix_open": mix_open,
            "mix_code": mix_code, "focus_weak": bool(focus_weak)}
    try:
        current = create_interview(session=session, user_id=viewer.user_id,
                                   setup=MockSetup.model_validate(_setup_values(form)),
                                   desired_retention=viewer.desired_retention, lang=viewer.lang)
    except ValidationError as error:
        return _setup_page(request, session, viewer, settings, form={**DEFAULT_FORM, **form},
                           errors=_form_errors(error, viewer.lang), status_code=422)
    except MockError as error:
        session.rollback()
        return _setup_page(request, session, viewer, settings, form={**DEFAULT_FORM, **form},
                           errors={error.field or "selection": error.message(viewer.lang)}, status_code=error.status)
    return RedirectResponse(f"/mock/{current.id}", status_code=303)


def _round_or_404(session: SessionDep, viewer: Viewer, interview_id: int) -> Round:
    try:
        return load_round(session=session, user_id=viewer.user_id, interview_id=interview_id)
    except UnknownInterview as error:
        raise _not_found(error, viewer) from error


def _first_open(current: Round) -> int:
    return next((item.position for item in current.items if not item.answered), 1)


def _round_page(request: Request, viewer: Viewer, current: Round, position: int, *, error: str = "",
                status_code: int = 200) -> Response:
    context = {"round": current, "position": position, "active": "mock", "error": error,
               "server_now_ms": int(current.now.timestamp() * 1000),
               "deadline_ms": int(current.deadline.timestamp() * 1000)}
    return render(request, viewer, "mock/round.html", context, status_code=status_code,
                  headers={"Cache-Control": "no-store"})


@router.get("/mock/{interview_id}", name="mock_round")
def mock_round(request: Request, interview_id: RowId, session: SessionDep, viewer: ViewerDep,
               q: int | None = None) -> Response:
    """The round: one question at a time, the round's and the question's countdown, autosave; the report once over."""
    current = _round_or_404(session, viewer, interview_id)
    if current.status != "running":
        return RedirectResponse(f"/mock/{interview_id}/report", status_code=303)
    position = q if q is not None and 1 <= q <= current.total else _first_open(current)
    return _round_page(request, viewer, current, position)


@router.post("/mock/{interview_id}/answers/{position}", name="mock_answer")
def mock_answer(
    request: Request, interview_id: RowId, position: RowId, session: SessionDep, viewer: ViewerDep,
    answer: Annotated[str | None, Form()] = None, choice: Annotated[list[str] | None, Form()] = None,
    flagged: Annotated[str, Form()] = "", go: Annotated[str, Form()] = "",
) -> Response:
    """The plain-form save (without JavaScript): keep the answer, then go to the question or the hand-in asked for."""
    try:
        save_answer(session=session, user_id=viewer.user_id, interview_id=interview_id, position=position,
                    answer=answer, choice=(choice or "") if answer is None else None, flagged=bool(flagged))
    except (UnknownInterview, UnknownPosition) as error:
        raise _not_found(error, viewer) from error
    except MockError as error:
        session.rollback()
        if error.status == 409:  # time is up or the round was handed in: its report is what is left
            return RedirectResponse(f"/mock/{interview_id}/report", status_code=303)
        current = _round_or_404(session, viewer, interview_id)
        return _round_page(request, viewer, current, position, error=error.message(viewer.lang),
                           status_code=error.status)
    if go == "finish":
        return _hand_in(session, viewer, interview_id, confirmed=False)
    target = int(go) if go.isdigit() else position
    return RedirectResponse(f"/mock/{interview_id}?q={target}", status_code=303)


def _unanswered(current: Round) -> list[int]:
    return [item.position for item in current.items if not item.answered]


def _hand_in(session: SessionDep, viewer: Viewer, interview_id: int, *, confirmed: bool) -> Response:
    """Hand in and go to the report; with questions unanswered and no confirmation, ask first."""
    current = _round_or_404(session, viewer, interview_id)
    if current.status == "running" and _unanswered(current) and not confirmed:
        return RedirectResponse(f"/mock/{interview_id}/finish", status_code=303)
    try:
        finish_interview(session=session, user_id=viewer.user_id, interview_id=interview_id)
    except UnknownInterview as error:
        raise _not_found(error, viewer) from error
    return RedirectResponse(f"/mock/{interview_id}/report", status_code=303)


@router.get("/mock/{interview_id}/finish", name="mock_finish_confirm")
def mock_finish_confirm(request: Request, interview_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """Before handing in a round with unanswered questions: which ones, and hand in anyway or go back."""
    current = _round_or_404(session, viewer, interview_id)
    if current.status != "running":
        return RedirectResponse(f"/mock/{interview_id}/report", status_code=303)
    context = {"round": current, "unanswered": _unanswered(current), "active": "mock"}
    return render(request, viewer, "mock/confirm_finish.html", context, headers={"Cache-Control": "no-store"})


@router.post("/mock/{interview_id}/finish", name="mock_finish")
def mock_finish(interview_id: RowId, session: SessionDep, viewer: ViewerDep,
                confirm: Annotated[str, Form(max_length=4)] = "") -> Response:
    """Hand the round in and show its report (unanswered questions: confirm=1, else the confirmation page)."""
    return _hand_in(session, viewer, interview_id, confirmed=confirm == "1")


def _report_page(request: Request, session: SessionDep, viewer: Viewer, settings: SettingsDep, interview_id: int,
                 *, sent: ReviewSend | None = None, error: str = "") -> Response:
    try:
        report = build_report(session=session, user_id=viewer.user_id, interview_id=interview_id)
    except UnknownInterview as problem:
        raise _not_found(problem, viewer) from problem
    except MockError:  # still running: the round itself is where to go
        return RedirectResponse(f"/mock/{interview_id}", status_code=303)
    context = {"report": report, "sent": sent, "error": error, "zone": learner_zone(settings.timezone),
               "covered_at": round(COVERED_AT * 100), "active": "mock"}
    name = "mock/_report.html" if is_htmx(request) else "mock/report.html"
    return render(request, viewer, name, context)


@router.get("/mock/{interview_id}/report", name="mock_report")
def mock_report(request: Request, interview_id: RowId, session: SessionDep, viewer: ViewerDep,
                settings: SettingsDep) -> Response:
    """Score, time per question, topics, trend, your open answers beside the reference, and what to study next."""
    return _report_page(request, session, viewer, settings, interview_id)


@router.get("/mock/{interview_id}/report.md", name="mock_report_markdown")
def mock_report_markdown(interview_id: RowId, session: SessionDep, viewer: ViewerDep,
                         settings: SettingsDep) -> Response:
    """The report as a Markdown file to keep."""
    try:
        report = build_report(session=session, user_id=viewer.user_id, interview_id=interview_id)
    except UnknownInterview as error:
        raise _not_found(error, viewer) from error
    except MockError as error:
        raise HTTPException(status_code=error.status, detail=error.message(viewer.lang)) from error
    return markdown_response(report_markdown(report, viewer.lang, learner_zone(settings.timezone)), interview_id)


@router.post("/mock/{interview_id}/answers/{position}/grade", name="mock_grade")
def mock_grade(request: Request, interview_id: RowId, position: RowId, session: SessionDep, viewer: ViewerDep,
               settings: SettingsDep, self_grade_value: Annotated[str, Form(alias="self_grade")] = "") -> Response:
    """Grade one open answer against the reference (HTMX swaps the report; a plain form reloads it)."""
    error = ""
    try:
        self_grade(session=session, user_id=viewer.user_id, interview_id=interview_id, position=position,
                   grade_value=int(self_grade_value) if self_grade_value.strip().isdigit() else 0)
    except (UnknownInterview, UnknownPosition) as problem:
        raise _not_found(problem, viewer) from problem
    except MockError as problem:
        session.rollback()
        error = problem.message(viewer.lang)
    if not is_htmx(request) and not error:
        return RedirectResponse(f"/mock/{interview_id}/report#q{position}", status_code=303)
    return _report_page(request, session, viewer, settings, interview_id, error=error)


@router.post("/mock/{interview_id}/review", name="mock_review")
def mock_review(request: Request, interview_id: RowId, session: SessionDep, viewer: ViewerDep,
                settings: SettingsDep) -> Response:
    """Send every missed question to review as Again (a second click writes nothing new)."""
    error, sent = "", None
    try:
        sent = send_missed_to_review(session=session, user_id=viewer.user_id, interview_id=interview_id,
                                     desired_retention=viewer.desired_retention)
    except UnknownInterview as problem:
        raise _not_found(problem, viewer) from problem
    except MockError as problem:
        session.rollback()
        error = problem.message(viewer.lang)
    return _report_page(request, session, viewer, settings, interview_id, sent=sent, error=error)
