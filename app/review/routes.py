"""Review pages and their JSON twins: the session page, grading (HTMX fragment or form + redirect), undo."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import asdict, fields
from datetime import UTC, datetime, timedelta, tzinfo
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

import anyio.to_thread
from fastapi import APIRouter, Form, Request
from pydantic import Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from starlette.responses import JSONResponse, RedirectResponse, Response

from app.clock import learner_zone, utcnow
from app.deps import Learner, LearnerDep, SessionDep, SessionReleasingRoute, SettingsDep, Viewer, ViewerDep
from app.group_commit import GroupCommit
from app.messages import translate
from app.review.errors import RATING_KEYS, GradeConflict, ReviewError
from app.review.queue import Scope
from app.review.scheduling import interval_text
from app.review.screen import ReviewScreen, review_screen, screen_json
from app.review.service import GradeResult, grade, grade_in_transaction, undo_last
from app.settings import Settings
from app.templating import is_htmx, render
from app.validation import MAX_SQL_INT, RequestBody, StrictInt

router = APIRouter(route_class=SessionReleasingRoute)

MAX_DURATION = timedelta(hours=2)  # a card left open over lunch is not two hours of recall


class GradeIn(RequestBody):
    """A grade from an API client; `reps` is the card version that was shown (default: the current one). Numbers
    are strict: true is not 1 and "3" is not 3."""

    rating: StrictInt = Field(ge=1, le=4, description="1 Again, 2 Hard, 3 Good, 4 Easy")
    reps: StrictInt | None = Field(default=None, ge=0, le=MAX_SQL_INT,
                                   description="the card version shown (ReviewCard.reps; 0 when new)")
    duration_ms: StrictInt | None = Field(default=None, ge=0, le=MAX_SQL_INT,
                                          description="time from showing the card to the grade")


def _zone(settings: Settings) -> tzinfo:
    return learner_zone(settings.timezone)


def scope_of(concept: str | None = None, topic: str | None = None, bank: str | None = None) -> Scope:
    """Custom study from a concept, topic or bank page: ?concept=, ?topic=, ?bank= (blank values mean none)."""
    return Scope(concept=concept or None, topic=topic or None, bank=bank or None)


def screen_for(session: SessionDep, viewer: Viewer, settings: Settings, scope: Scope,
               prefer: str | None = None) -> ReviewScreen:
    return review_screen(session=session, user_id=viewer.user_id, daily_new_limit=viewer.daily_new_limit,
                         desired_retention=viewer.desired_retention, zone=_zone(settings), lang=viewer.lang,
                         scope=scope, prefer=prefer, daily_review_limit=viewer.daily_review_limit,
                         priority_topics=viewer.interview_topics)


def _when(moment: datetime, zone: tzinfo, lang: str) -> str:
    local, today = moment.astimezone(zone), utcnow().astimezone(zone).date()
    if local.date() == today:
        return local.strftime("%H:%M")
    return local.strftime("%m月%d日 %H:%M" if lang == "zh" else "%b %d, %H:%M")


def review_page_response(request: Request, viewer: Viewer, settings: Settings, screen: ReviewScreen, *,
                         fragment: bool, notice: str = "", error: bool = False, status_code: int = 200,
                         notice_action: dict[str, str] | None = None) -> Response:
    """The review page, or (fragment) the session part that HTMX swaps; `notice_action` is a button in the notice
    that takes a control back (unsuspend, unbury)."""
    context = {"screen": screen, "active": "review", "notice": notice, "notice_error": error,
               "notice_action": notice_action,
               "next_due_text": _when(screen.next_due, _zone(settings), viewer.lang) if screen.next_due else ""}
    name = "review/_session.html" if fragment else "review/index.html"
    return render(request, viewer, name, context, status_code=status_code)


def _fragment_wanted(request: Request) -> bool:
    return is_htmx(request) and request.headers.get("HX-History-Restore-Request") != "true"


def back_to_review(scope: Scope, card: str | None = None) -> Response:
    query = urlencode({**scope.params(), **({"card": card} if card else {})})
    return RedirectResponse("/review" + (f"?{query}" if query else ""), status_code=303)


def _duration(duration_ms: str, shown_at: str) -> int | None:
    """The page's own timing (JS); without JS, the time since the server showed the card."""
    if duration_ms.strip().isdigit():
        return int(duration_ms)
    try:
        shown = datetime.fromisoformat(shown_at)
    except ValueError:
        return None
    elapsed = utcnow() - (shown if shown.tzinfo else shown.replace(tzinfo=UTC))
    return int(elapsed.total_seconds() * 1000) if timedelta(0) <= elapsed <= MAX_DURATION else None


def _graded_notice(result: GradeResult, lang: str) -> str:
    return translate("review.graded", lang, rating=translate(RATING_KEYS[result.rating], lang),
                     interval=interval_text(timedelta(seconds=result.interval_seconds), lang))


@router.get("/review", name="review")
def review_page(request: Request, session: SessionDep, viewer: ViewerDep, settings: SettingsDep,
                concept: str | None = None, topic: str | None = None, bank: str | None = None,
                card: str | None = None) -> Response:
    """The review session (all cards, or one concept, topic or bank): Space shows the answer, 1–4 grade, U undoes,
    S suspends, B buries until tomorrow, F cycles the flag."""
    screen = screen_for(session, viewer, settings, scope_of(concept, topic, bank), prefer=card)
    return review_page_response(request, viewer, settings, screen, fragment=_fragment_wanted(request))


@router.post("/review/undo", name="review_undo")
def review_undo(request: Request, session: SessionDep, viewer: ViewerDep, settings: SettingsDep,
                concept: Annotated[str, Form()] = "", topic: Annotated[str, Form()] = "",
                bank: Annotated[str, Form()] = "") -> Response:
    """Take back the latest grade and show that card again."""
    scope = scope_of(concept, topic, bank)
    try:
        undone = undo_last(session=session, user_id=viewer.user_id)
    except ReviewError as error:
        return review_error(request, session, viewer, settings, scope, error)
    if not is_htmx(request):
        return back_to_review(scope, undone.question_id)
    screen = screen_for(session, viewer, settings, scope, prefer=undone.question_id)
    title = screen.item.question.title if screen.item else undone.question_id
    notice = translate("review.undone", viewer.lang, title=title,
                       rating=translate(RATING_KEYS[undone.rating], viewer.lang))
    return review_page_response(request, viewer, settings, screen, fragment=True, notice=notice)


@router.post("/review/{question_id}", name="review_grade")
def review_grade(
    request: Request, question_id: str, session: SessionDep, viewer: ViewerDep, settings: SettingsDep,
    rating: Annotated[int, Form(ge=1, le=4)], reps: Annotated[int, Form(ge=0)],
    duration_ms: Annotated[str, Form()] = "", shown_at: Annotated[str, Form()] = "",
    concept: Annotated[str, Form()] = "", topic: Annotated[str, Form()] = "", bank: Annotated[str, Form()] = "",
) -> Response:
    """Grade the shown card (the form's version) and show the next one."""
    scope = scope_of(concept, topic, bank)
    try:
        result = grade(session=session, user_id=viewer.user_id, question_id=question_id, rating=rating,
                       expected_reps=reps, duration_ms=_duration(duration_ms, shown_at),
                       desired_retention=viewer.desired_retention, writes=group_commit(request))
    except ReviewError as error:
        return review_error(request, session, viewer, settings, scope, error)
    if not is_htmx(request):
        return back_to_review(scope)
    screen = screen_for(session, viewer, settings, scope)
    return review_page_response(request, viewer, settings, screen, fragment=True,
                                notice=_graded_notice(result, viewer.lang))


def review_error(request: Request, session: SessionDep, viewer: Viewer, settings: Settings, scope: Scope,
                 error: ReviewError) -> Response:
    """The session as it now stands, with the reason; HTMX gets 200 because it swaps only successful responses."""
    session.rollback()
    screen = screen_for(session, viewer, settings, scope)
    htmx = is_htmx(request)
    return review_page_response(request, viewer, settings, screen, fragment=htmx, notice=error.message(viewer.lang),
                                error=True, status_code=200 if htmx else error.status)


def _error_json(error: ReviewError, lang: str) -> JSONResponse:
    body: dict[str, Any] = {"detail": error.message(lang), "code": error.code}
    if isinstance(error, GradeConflict):
        body["recorded_rating"] = error.values["recorded"]
    return JSONResponse(body, status_code=error.status)


_RESULT_FIELDS = tuple(field.name for field in fields(GradeResult))


def _result_json(result: GradeResult) -> dict[str, Any]:
    # Field by field: dataclasses.asdict deep-copies every value, and this answers every API grade.
    return {**{name: getattr(result, name) for name in _RESULT_FIELDS}, "due": result.due.isoformat()}


@router.get("/api/review/next", name="api_review_next")
def api_review_next(session: SessionDep, viewer: ViewerDep, settings: SettingsDep, concept: str | None = None,
                    topic: str | None = None, bank: str | None = None) -> dict[str, Any]:
    """The next card with interval previews and the day's counts; always 200, `card` is null when done."""
    return screen_json(screen_for(session, viewer, settings, scope_of(concept, topic, bank)))


@router.post("/api/review/undo", name="api_review_undo")
def api_review_undo(session: SessionDep, viewer: ViewerDep) -> Response:
    """Take back the latest review grade (409 when there is none)."""
    try:
        undone = undo_last(session=session, user_id=viewer.user_id)
    except ReviewError as error:
        return _error_json(error, viewer.lang)
    return JSONResponse({"undone": asdict(undone)})


def group_commit(request: Request) -> GroupCommit | None:
    """The app's group commit (SQLite; set up at start-up, app/main.py), else None: commit in the request."""
    found = getattr(request.app.state, "group_commit", None)
    return found if isinstance(found, GroupCommit) else None


@router.post("/api/review/{question_id}", name="api_review_grade")
async def api_review_grade(request: Request, question_id: str, body: GradeIn, learner: LearnerDep) -> Response:
    """Grade a card; a repeat of the same version and rating returns the recorded outcome with duplicate: true."""
    writes = group_commit(request)
    try:
        result = None
        if writes is not None:
            # SQLite: read, scheduled and written in the commit thread, in its batch's transaction; the event loop
            # waits for that one thread (no worker thread of its own, no second read of the preferences).
            with suppress(IntegrityError):  # written by someone else after all: grade() below says what stands
                result = await writes.run_async(partial(
                    grade_in_transaction, user_id=learner.user_id, question_id=question_id, rating=body.rating,
                    expected_reps=body.reps, duration_ms=body.duration_ms))
        if result is None:
            result = await anyio.to_thread.run_sync(partial(_grade_with_session, request, learner, question_id, body))
    except ReviewError as error:
        viewer: Viewer = await anyio.to_thread.run_sync(learner.viewer)  # its language; a read, so off the loop
        return _error_json(error, viewer.lang)
    return JSONResponse(_result_json(result))


def _grade_with_session(request: Request, learner: Learner, question_id: str, body: GradeIn) -> GradeResult:
    viewer = learner.viewer()
    with Session(request.app.state.engine) as session:
        return grade(session=session, user_id=viewer.user_id, question_id=question_id, rating=body.rating,
                     expected_reps=body.reps, duration_ms=body.duration_ms,
                     desired_retention=viewer.desired_retention)
