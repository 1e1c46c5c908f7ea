"""The plan page (interview date and topics, quota, forecast, recall on the day) and the final review, with their JSON
twins: GET /api/plan (the date itself is set through PUT /api/settings), GET /api/plan/final."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from pydantic import BaseModel, Field, ValidationError
from starlette.responses import JSONResponse, RedirectResponse, Response

from app.clock import learner_zone, utcnow
from app.deps import SessionDep, SessionReleasingRoute, SettingsDep, Viewer, ViewerDep
from app.messages import translate
from app.models import Question
from app.plan.chart import forecast_chart
from app.plan.final import FinalReview, card_row, final_review, practise
from app.plan.schemas import final_json, plan_json
from app.plan.service import FINAL_REVIEW_DAYS, INTERVIEW_HOUR, build_plan
from app.preferences.service import PreferencesUpdate, UnknownTopics, update_preferences
from app.review.errors import ReviewError
from app.review.queue import QueueCounts
from app.review.scheduling import scheduler_for
from app.review.screen import ReviewScreen, review_item
from app.settings import Settings
from app.study.browse import topic_summaries
from app.templating import is_htmx, render
from app.validation import validation_messages

router = APIRouter(route_class=SessionReleasingRoute)

MAX_DURATION = timedelta(hours=2)


def _zone(settings: Settings) -> tzinfo:
    return learner_zone(settings.timezone)


def _plan_page(request: Request, session: SessionDep, viewer: Viewer, settings: Settings, *, error: str = "",
               status_code: int = 200) -> Response:
    plan = build_plan(session=session, user_id=viewer.user_id, zone=_zone(settings))
    context = {"plan": plan, "chart": forecast_chart(plan.forecast, plan.daily_review_limit), "error": error,
               "topic_options": topic_summaries(session=session), "final_days": FINAL_REVIEW_DAYS,
               "interview_hour": INTERVIEW_HOUR, "active": "plan"}
    return render(request, viewer, "plan/index.html", context, status_code=status_code)


@router.get("/plan", name="plan")
def plan_page(request: Request, session: SessionDep, viewer: ViewerDep, settings: SettingsDep) -> Response:
    """The plan toward the interview: its date and topics, the new-question quota, the forecast of reviews a day,
    predicted recall on the day by topic and concept, and the final review in its last days."""
    return _plan_page(request, session, viewer, settings)


def _form_values(interview_date: str, topics: list[str] | None, topics_sent: str, daily_new_limit: str,
                 daily_review_limit: str) -> dict[str, Any]:
    """The form as PreferencesUpdate values: only what it sent; a blank date clears it."""
    values: dict[str, Any] = {}
    if interview_date.strip() or topics_sent:
        values["interview_date"] = interview_date.strip() or None
    if topics_sent:
        values["interview_topics"] = topics or []
    for name, text in (("daily_new_limit", daily_new_limit), ("daily_review_limit", daily_review_limit)):
        if text.strip():
            values[name] = int(text) if text.strip().lstrip("-").isdigit() else text
    return values


@router.post("/plan", name="plan_save")
def plan_save(
    request: Request, session: SessionDep, viewer: ViewerDep, settings: SettingsDep,
    interview_date: Annotated[str, Form(max_length=40)] = "", topics: Annotated[list[str] | None, Form()] = None,
    topics_sent: Annotated[str, Form()] = "", daily_new_limit: Annotated[str, Form(max_length=12)] = "",
    daily_review_limit: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Save the interview's date and topics and the daily limits (the quota button sends only the new limit)."""
    values = _form_values(interview_date, topics, topics_sent, daily_new_limit, daily_review_limit)
    try:
        update_preferences(session=session, user_id=viewer.user_id, update=PreferencesUpdate.model_validate(values))
    except ValidationError as problem:
        return _plan_page(request, session, viewer, settings, status_code=422,
                          error=validation_messages(problem.errors(), viewer.lang).message)
    except UnknownTopics as problem:
        session.rollback()
        return _plan_page(request, session, viewer, settings, status_code=422,
                          error=translate("plan.error.unknown_topics", viewer.lang, topics="、".join(problem.topics)))
    return RedirectResponse("/plan?saved=1", status_code=303)


@router.get("/api/plan", name="api_plan")
def api_plan(session: SessionDep, viewer: ViewerDep, settings: SettingsDep) -> dict[str, Any]:
    """The plan (JSON): interview_date, daily_new_quota, forecast [{date, reviews, learning, new, total, backlog}],
    recall_on_day {topic: probability}, recall_with_plan, concepts [{id, recall_on_day, ...}]."""
    return plan_json(build_plan(session=session, user_id=viewer.user_id, zone=_zone(settings)))


def _final(session: SessionDep, viewer: Viewer, settings: Settings) -> FinalReview:
    return final_review(session=session, user_id=viewer.user_id, zone=_zone(settings),
                        desired_retention=viewer.desired_retention)


def _final_screen(session: SessionDep, viewer: Viewer, final: FinalReview) -> ReviewScreen:
    now = utcnow()
    counts = QueueCounts(due_now=0, new_available=0, reviewed_today=len(final.done_today))
    question_id = final.next_question
    question = session.get(Question, question_id) if question_id else None
    if question is None:
        return ReviewScreen(counts=counts, item=None, shown_at=now)
    scheduler = scheduler_for(session=session, user_id=viewer.user_id, desired_retention=viewer.desired_retention)
    item = review_item(session, scheduler, question, card_row(session, viewer.user_id, question.id), now,
                       viewer.lang, viewer.user_id)
    return ReviewScreen(counts=counts, item=item, shown_at=now)


def _final_page(request: Request, session: SessionDep, viewer: Viewer, settings: Settings, *, fragment: bool,
                notice: str = "", status_code: int = 200) -> Response:
    final = _final(session, viewer, settings)
    screen = _final_screen(session, viewer, final)
    context = {"final": final, "screen": screen, "practice": True, "notice": notice, "active": "plan",
               "grade_action": f"/plan/final/{screen.item.question.id}" if screen.item else ""}
    name = "plan/_final_session.html" if fragment else "plan/final.html"
    return render(request, viewer, name, context, status_code=status_code)


@router.get("/plan/final", name="plan_final")
def plan_final(request: Request, session: SessionDep, viewer: ViewerDep, settings: SettingsDep) -> Response:
    """The final review: the weakest concepts' questions, graded like a review but logged as practice."""
    return _final_page(request, session, viewer, settings, fragment=False)


def _duration(duration_ms: str, shown_at: str) -> int | None:
    if duration_ms.strip().isdigit():
        return int(duration_ms)
    try:
        shown = datetime.fromisoformat(shown_at)
    except ValueError:
        return None
    elapsed = utcnow() - (shown if shown.tzinfo else shown.replace(tzinfo=UTC))
    return int(elapsed.total_seconds() * 1000) if timedelta(0) <= elapsed <= MAX_DURATION else None


@router.post("/plan/final/{question_id}", name="plan_final_grade")
def plan_final_grade(request: Request, question_id: str, session: SessionDep, viewer: ViewerDep,
                     settings: SettingsDep, rating: Annotated[int, Form(ge=1, le=4)],
                     duration_ms: Annotated[str, Form(max_length=12)] = "",
                     shown_at: Annotated[str, Form(max_length=40)] = "") -> Response:
    """Grade one final-review question; the schedule does not move. HTMX gets the next card."""
    try:
        practise(session=session, user_id=viewer.user_id, question_id=question_id, rating=rating,
                 duration_ms=_duration(duration_ms, shown_at))
    except ReviewError as error:
        session.rollback()
        raise HTTPException(status_code=error.status, detail=error.message(viewer.lang)) from error
    if not is_htmx(request):
        return RedirectResponse("/plan/final", status_code=303)
    return _final_page(request, session, viewer, settings, fragment=True,
                       notice=translate("plan.final.logged", viewer.lang))


class FinalGradeIn(BaseModel):
    rating: int = Field(ge=1, le=4, description="1 Again, 2 Hard, 3 Good, 4 Easy: logged, never scheduled")
    duration_ms: int | None = Field(default=None, ge=0)


@router.get("/api/plan/final", name="api_plan_final")
def api_plan_final(session: SessionDep, viewer: ViewerDep, settings: SettingsDep) -> dict[str, Any]:
    """The final review (JSON): its weakest concepts, its questions in order, those done today and the next."""
    return final_json(_final(session, viewer, settings))


@router.post("/api/plan/final/{question_id}", name="api_plan_final_grade")
def api_plan_final_grade(question_id: str, body: FinalGradeIn, session: SessionDep, viewer: ViewerDep,
                         settings: SettingsDep) -> Response:
    """Grade one final-review question (JSON): logged as practice; the card's schedule is unchanged."""
    try:
        log_id = practise(session=session, user_id=viewer.user_id, question_id=question_id, rating=body.rating,
                          duration_ms=body.duration_ms)
    except ReviewError as error:
        session.rollback()
        return JSONResponse({"detail": error.message(viewer.lang), "code": error.code}, status_code=error.status)
    return JSONResponse({"log_id": log_id, "scheduled": False, **final_json(_final(session, viewer, settings))})

