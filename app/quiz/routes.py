"""Quiz pages and their JSON twins: set-up and history, one question at a time (an HTMX fragment, or the whole
page for a plain form), and the results."""

from __future__ import annotations

from datetime import timedelta, tzinfo
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from pydantic import ValidationError
from starlette.responses import JSONResponse, RedirectResponse, Response

from app.clock import learner_zone, utcnow
from app.deps import RowId, SessionDep, SessionReleasingRoute, SettingsDep, Viewer, ViewerDep
from app.messages import translate
from app.quiz.errors import QuizError, UnknownPosition, UnknownQuiz
from app.quiz.results import quiz_history, quiz_results
from app.quiz.schemas import (
    AnswerIn,
    answer_json,
    error_json,
    options_json,
    quiz_json,
    results_json,
    summary_json,
)
from app.quiz.selection import DEFAULT_COUNT, MAX_COUNT, QuizSetup, setup_options
from app.quiz.service import AnswerOutcome, QuizItem, create_quiz, quiz_item, quiz_items, quiz_progress, submit_answer
from app.review.scheduling import interval_text
from app.settings import Settings
from app.templating import is_htmx, render

router = APIRouter(route_class=SessionReleasingRoute)

MAX_DURATION_MS = 2 * 3600 * 1000  # a question left open over lunch is not two hours of recall
DEFAULT_FORM: dict[str, Any] = {"topics": [], "concepts": [], "kinds": [], "difficulty_min": 1, "difficulty_max": 10,
                                "count": DEFAULT_COUNT, "mix_mcq": "", "mix_open": "", "mix_code": ""}


def _zone(settings: Settings) -> tzinfo:
    return learner_zone(settings.timezone)


def _now_ms() -> int:
    return int(utcnow().timestamp() * 1000)


def _duration(shown_at: str) -> int | None:
    """Time since the server showed the question (the form carries that moment)."""
    if not shown_at.strip().isdigit():
        return None
    elapsed = _now_ms() - int(shown_at)
    return elapsed if 0 <= elapsed <= MAX_DURATION_MS else None


def _not_found(error: QuizError, viewer: Viewer) -> HTTPException:
    return HTTPException(status_code=error.status, detail=error.message(viewer.lang))


def _setup_page(request: Request, session: SessionDep, viewer: Viewer, settings: Settings, *,
                form: dict[str, Any], errors: dict[str, str], status_code: int = 200) -> Response:
    context = {"options": setup_options(session=session), "history": quiz_history(session=session,
                                                                                  user_id=viewer.user_id),
               "form": form, "errors": errors, "zone": _zone(settings), "max_count": MAX_COUNT, "active": "quiz"}
    return render(request, viewer, "quiz/index.html", context, status_code=status_code)


def _form_errors(error: ValidationError, lang: str) -> dict[str, str]:
    """One readable line per field the form got wrong (pydantic's own messages are English and technical)."""
    messages: dict[str, str] = {}
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else "count"
        messages.setdefault(field, translate(f"quiz.error.field.{field}", lang, max=MAX_COUNT))
    return messages


@router.get("/quiz", name="quiz_setup")
def quiz_setup(
    request: Request, session: SessionDep, viewer: ViewerDep, settings: SettingsDep,
    concept: Annotated[list[str] | None, Query()] = None,
) -> Response:
    """The set-up form (topics, concepts, difficulty, kinds, count) and the learner's past quizzes.

    `?concept=ID` (linked from concept and question pages) preselects that concept.
    """
    form = {**DEFAULT_FORM, "concepts": concept or []}
    return _setup_page(request, session, viewer, settings, form=form, errors={})


@router.post("/quiz", name="quiz_start")
def quiz_start(
    request: Request, session: SessionDep, viewer: ViewerDep, settings: SettingsDep,
    topics: Annotated[list[str] | None, Form()] = None, concepts: Annotated[list[str] | None, Form()] = None,
    kinds: Annotated[list[str] | None, Form()] = None, difficulty_min: Annotated[str, Form()] = "1",
    difficulty_max: Annotated[str, Form()] = "10", count: Annotated[str, Form()] = str(DEFAULT_COUNT),
    mix_mcq: Annotated[str, Form(max_length=8)] = "", mix_open: Annotated[str, Form(max_length=8)] = "",
    mix_code: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Start a quiz from the form and go to its first question; bad or empty settings show the form with why."""
    values: dict[str, Any] = {"topics": topics or [], "concepts": concepts or [], "kinds": kinds or [],
                              "difficulty_min": difficulty_min.strip(), "difficulty_max": difficulty_max.strip(),
                              "count": count.strip()}
    typed = {kind: text.strip() for kind, text in (("mcq", mix_mcq), ("open", mix_open), ("code", mix_code))}
    if any(typed.values()):
        values["mix"] = {kind: text for kind, text in typed.items() if text}
    form = {**values, **{f"mix_{kind}": text for kind, text in typed.items()}}
    try:
        quiz = create_quiz(session=session, user_id=viewer.user_id, setup=QuizSetup.model_validate(values))
    except ValidationError as error:
        return _setup_page(request, session, viewer, settings, form=form, errors=_form_errors(error, viewer.lang),
                           status_code=422)
    except QuizError as error:
        session.rollback()
        return _setup_page(request, session, viewer, settings, form=form, status_code=error.status,
                           errors={error.field or "selection": error.message(viewer.lang)})
    return RedirectResponse(f"/quiz/{quiz.id}", status_code=303)


@router.get("/quiz/{quiz_id}", name="quiz_resume")
def quiz_resume(quiz_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """Go to the first question still waiting for an answer; to the results once every one has one."""
    try:
        progress = quiz_progress(session=session, user_id=viewer.user_id, quiz_id=quiz_id)
    except UnknownQuiz as error:
        raise _not_found(error, viewer) from error
    position = progress.resume_position
    target = f"/quiz/{quiz_id}/{position}" if position else f"/quiz/{quiz_id}/results"
    return RedirectResponse(target, status_code=303)


@router.get("/quiz/{quiz_id}/results", name="quiz_results")
def quiz_results_page(request: Request, quiz_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """The score, each question's outcome with a link to its page, and the score by topic."""
    try:
        results = quiz_results(session=session, user_id=viewer.user_id, quiz_id=quiz_id)
    except UnknownQuiz as error:
        raise _not_found(error, viewer) from error
    return render(request, viewer, "quiz/results.html", {"results": results, "active": "quiz"})


def _notice(outcome: AnswerOutcome | None, lang: str) -> str:
    if outcome is None:
        return ""
    if outcome.duplicate:
        return translate("quiz.question.duplicate", lang)
    if outcome.review is None:
        return ""
    if not outcome.review.scheduled:
        return translate("quiz.question.practice", lang)
    interval = interval_text(timedelta(seconds=outcome.review.interval_seconds), lang)
    return translate("quiz.question.scheduled", lang, interval=interval)


def _question_page(request: Request, viewer: Viewer, item: QuizItem, *, outcome: AnswerOutcome | None = None,
                   error: str = "", shown_at: str = "", status_code: int = 200) -> Response:
    fragment = is_htmx(request) and request.headers.get("HX-History-Restore-Request") != "true"
    context = {"item": item, "notice": _notice(outcome, viewer.lang), "error": error, "active": "quiz",
               "answered_now": outcome is not None,
               "shown_at": shown_at if shown_at.strip().isdigit() else str(_now_ms())}
    name = "quiz/_question.html" if fragment else "quiz/question.html"
    return render(request, viewer, name, context, status_code=status_code)


def _item_or_404(session: SessionDep, viewer: Viewer, quiz_id: int, position: int) -> QuizItem:
    try:
        return quiz_item(session=session, user_id=viewer.user_id, quiz_id=quiz_id, position=position)
    except (UnknownQuiz, UnknownPosition) as error:
        raise _not_found(error, viewer) from error


@router.get("/quiz/{quiz_id}/{position}", name="quiz_question")
def quiz_question(request: Request, quiz_id: RowId, position: RowId, session: SessionDep,
                  viewer: ViewerDep) -> Response:
    """One question of the quiz, as it stands: to answer, to grade, or answered with its verdict."""
    return _question_page(request, viewer, _item_or_404(session, viewer, quiz_id, position))


def _submit(request: Request, session: SessionDep, viewer: Viewer, quiz_id: int, position: int, shown_at: str,
            **answer: Any) -> Response:
    """Record a submission and show the question again; a refused one shows the question with the reason
    (HTMX gets 200, since it swaps only successful responses)."""
    try:
        outcome = submit_answer(session=session, user_id=viewer.user_id, quiz_id=quiz_id, position=position,
                                desired_retention=viewer.desired_retention, duration_ms=_duration(shown_at), **answer)
    except (UnknownQuiz, UnknownPosition) as error:
        raise _not_found(error, viewer) from error
    except QuizError as error:
        session.rollback()
        item = _item_or_404(session, viewer, quiz_id, position)
        return _question_page(request, viewer, item, error=error.message(viewer.lang), shown_at=shown_at,
                              status_code=200 if is_htmx(request) else error.status)
    return _question_page(request, viewer, outcome.item, outcome=outcome, shown_at=shown_at)


@router.post("/quiz/{quiz_id}/{position}", name="quiz_answer")
def quiz_answer(
    request: Request, quiz_id: RowId, position: RowId, session: SessionDep, viewer: ViewerDep,
    choice: Annotated[list[str] | None, Form()] = None, answer: Annotated[str | None, Form()] = None,
    shown_at: Annotated[str, Form()] = "",
) -> Response:
    """Answer the question: an MCQ is graded at once; an open answer is kept and the reference shown to grade."""
    return _submit(request, session, viewer, quiz_id, position, shown_at, choice=choice,
                   answer=answer if choice is None else None)


@router.post("/quiz/{quiz_id}/{position}/grade", name="quiz_grade")
def quiz_grade(
    request: Request, quiz_id: RowId, position: RowId, session: SessionDep, viewer: ViewerDep,
    self_grade: Annotated[str, Form()] = "", key_points: Annotated[list[str] | None, Form()] = None,
    shown_at: Annotated[str, Form()] = "",
) -> Response:
    """Grade your own open answer (1 missed … 4 easy) and tick the key points it covered."""
    grade = int(self_grade) if self_grade.strip().isdigit() else 0  # 0: refused by the service, with its message
    covered = [int(index) for index in key_points or [] if index.strip().isdigit()]
    return _submit(request, session, viewer, quiz_id, position, shown_at, self_grade=grade,
                   key_points_covered=covered)


def _error(error: QuizError, viewer: Viewer) -> JSONResponse:
    return JSONResponse(error_json(error, viewer.lang), status_code=error.status)


@router.get("/api/quizzes", name="api_quizzes")
def api_quizzes(session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    """The learner's past quizzes (newest first) and what a new quiz can be made of."""
    return {"quizzes": [summary_json(summary) for summary in quiz_history(session=session, user_id=viewer.user_id)],
            "options": options_json(setup_options(session=session))}


@router.post("/api/quizzes", name="api_quiz_create", status_code=201)
def api_quiz_create(setup: QuizSetup, session: SessionDep, viewer: ViewerDep) -> Response:
    """Start a quiz (201): its stored settings and questions; no matching question is a 422 that says so."""
    try:
        quiz = create_quiz(session=session, user_id=viewer.user_id, setup=setup)
        assert quiz.id is not None
        items = quiz_items(session=session, user_id=viewer.user_id, quiz_id=quiz.id)
    except QuizError as error:
        session.rollback()
        return _error(error, viewer)
    return JSONResponse(quiz_json(items), status_code=201)


@router.get("/api/quizzes/{quiz_id}", name="api_quiz")
def api_quiz(quiz_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """A quiz with its questions; answered positions carry their outcome, others hide the answer."""
    try:
        return JSONResponse(quiz_json(quiz_items(session=session, user_id=viewer.user_id, quiz_id=quiz_id)))
    except QuizError as error:
        return _error(error, viewer)


@router.post("/api/quizzes/{quiz_id}/answers/{position}", name="api_quiz_answer")
def api_quiz_answer(quiz_id: RowId, position: RowId, body: AnswerIn, session: SessionDep,
                    viewer: ViewerDep) -> Response:
    """Answer one position; a repeat returns the first outcome with duplicate: true and logs nothing."""
    try:
        outcome = submit_answer(session=session, user_id=viewer.user_id, quiz_id=quiz_id, position=position,
                                choice=body.choice, answer=body.answer, self_grade=body.self_grade,
                                key_points_covered=body.key_points_covered, duration_ms=body.duration_ms,
                                desired_retention=viewer.desired_retention)
    except QuizError as error:
        session.rollback()
        return _error(error, viewer)
    return JSONResponse(answer_json(outcome))


@router.get("/api/quizzes/{quiz_id}/results", name="api_quiz_results")
def api_quiz_results(quiz_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """The score, each position's outcome and the score by topic."""
    try:
        return JSONResponse(results_json(quiz_results(session=session, user_id=viewer.user_id, quiz_id=quiz_id)))
    except QuizError as error:
        return _error(error, viewer)
