"""Study pages and their JSON twins: dashboard, topics, questions, concepts, notes and bookmarks."""

from __future__ import annotations

from dataclasses import asdict
from datetime import tzinfo
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from pydantic import Field
from starlette.responses import RedirectResponse, Response

from app.clock import learner_zone
from app.content.service import bank_summaries
from app.deps import SessionDep, SessionReleasingRoute, SettingsDep, Viewer, ViewerDep
from app.labs.shown import page_labs
from app.messages import translate
from app.page_cache import storable
from app.review.controls import controls
from app.review.states import study_states
from app.security import csrf_token
from app.settings import Settings
from app.study import schemas
from app.study.browse import DIFFICULTY_BANDS, KINDS, UNRATED, QuestionFilters, topic_questions, topic_summaries
from app.study.errata import Errata, ErrataFilters, errata, errata_counts, errata_json
from app.study.question_page import content_part, learner_part, page_body, page_state
from app.study.service import (
    NOTE_MAX_CHARS,
    QuestionDetail,
    UnknownQuestion,
    bookmarked_questions,
    concept_detail,
    question_detail,
    save_note,
    set_bookmark,
)
from app.study.solutions import reference_solution, solution_json
from app.study.source_routes import router as source_router
from app.study.stats import Dashboard, dashboard
from app.templating import is_htmx, render
from app.validation import RequestBody

router = APIRouter(route_class=SessionReleasingRoute)


def _zone(settings: Settings) -> tzinfo:
    return learner_zone(settings.timezone)


def _fragment_wanted(request: Request) -> bool:
    """An HTMX swap gets the fragment; a history restore (back button after a cache miss) needs the full page."""
    return is_htmx(request) and request.headers.get("HX-History-Restore-Request") != "true"


def _not_found(viewer: Viewer, key: str, **values: Any) -> HTTPException:
    return HTTPException(status_code=404, detail=translate(key, viewer.lang, **values))


def _dashboard(session: SessionDep, viewer: Viewer, settings: Settings) -> Dashboard:
    topics = [summary.topic for summary in topic_summaries(session=session)]
    return dashboard(session=session, user_id=viewer.user_id, daily_new_limit=viewer.daily_new_limit,
                     zone=_zone(settings), topics=topics, daily_review_limit=viewer.daily_review_limit)


@router.get("/", name="dashboard")
def dashboard_page(request: Request, session: SessionDep, viewer: ViewerDep, settings: SettingsDep) -> Response:
    """Today's queue, streak, retention, mastery by topic, a year of activity and the banks."""
    context = {"board": _dashboard(session, viewer, settings), "banks": bank_summaries(session=session),
               "errata": errata_counts(session=session), "active": "dashboard"}
    return render(request, viewer, "study/dashboard.html", context)


@router.get("/api/dashboard", name="api_dashboard")
def api_dashboard(session: SessionDep, viewer: ViewerDep, settings: SettingsDep) -> dict[str, Any]:
    """The dashboard's figures (JSON)."""
    return schemas.dashboard_json(_dashboard(session, viewer, settings))


@router.get("/api/banks", name="api_banks")
def api_banks(session: SessionDep) -> list[dict[str, Any]]:
    """The banks with their question counts by kind (JSON)."""
    return [asdict(bank) | {"total": bank.total} for bank in bank_summaries(session=session)]


@router.get("/topics", name="topics")
def topics_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """Every topic with its question count, concepts and skills."""
    context = {"topics": topic_summaries(session=session), "active": "browse"}
    return render(request, viewer, "study/topics.html", context)


@router.get("/api/topics", name="api_topics")
def api_topics(session: SessionDep) -> list[dict[str, Any]]:
    """Every topic with its question count, concepts and skills (JSON)."""
    return [schemas.topic_json(summary) for summary in topic_summaries(session=session)]


def _topic_filters(kind: str | None, difficulty: str | None, skill: str | None, page: str | None) -> QuestionFilters:
    return QuestionFilters.parse(kind=kind, difficulty=difficulty, skill=skill, page=page)


@router.get("/topics/{topic:path}", name="topic")
def topic_page(request: Request, session: SessionDep, viewer: ViewerDep, topic: str, kind: str | None = None,
               difficulty: str | None = None, skill: str | None = None, page: str | None = None) -> Response:
    """One topic: its concepts and skills, and its questions filtered by kind, difficulty and skill."""
    summary = next((s for s in topic_summaries(session=session) if s.topic == topic), None)
    if summary is None:
        raise _not_found(viewer, "study.topic.not_found", topic=topic)
    filters = _topic_filters(kind, difficulty, skill, page)
    questions = topic_questions(session=session, topic=topic, filters=filters)
    context = {"topic": summary, "filters": filters, "active": "browse", "kinds": KINDS,
               "difficulties": [*DIFFICULTY_BANDS, UNRATED], "page": questions,
               "states": study_states(session=session, user_id=viewer.user_id,
                                      question_ids=[item.id for item in questions.items])}
    if _fragment_wanted(request):
        return render(request, viewer, "study/_question_list.html", context)
    return render(request, viewer, "study/topic.html", context)


@router.get("/api/topics/{topic:path}", name="api_topic")
def api_topic(session: SessionDep, viewer: ViewerDep, topic: str, kind: str | None = None,
              difficulty: str | None = None, skill: str | None = None, page: str | None = None) -> dict[str, Any]:
    """One topic and one page of its filtered questions (JSON)."""
    summary = next((s for s in topic_summaries(session=session) if s.topic == topic), None)
    if summary is None:
        raise _not_found(viewer, "study.topic.not_found", topic=topic)
    filters = _topic_filters(kind, difficulty, skill, page)
    return schemas.topic_page_json(summary, filters, topic_questions(session=session, topic=topic, filters=filters))


def _errata(session: SessionDep, document: str | None, topic: str | None, has_lab: str | None) -> Errata:
    return errata(session=session, filters=ErrataFilters.parse(document=document, topic=topic, has_lab=has_lab))


@router.get("/corrections", name="corrections")
def corrections_page(request: Request, session: SessionDep, viewer: ViewerDep, document: str | None = None,
                     topic: str | None = None, has_lab: str | None = None) -> Response:
    """The errata of the source documents: corrections by document and line (filterable), then the text fixes."""
    context = {"errata": _errata(session, document, topic, has_lab), "active": "browse"}
    if _fragment_wanted(request):
        return render(request, viewer, "study/_errata_list.html", context)
    return render(request, viewer, "study/errata.html", context)


@router.get("/api/corrections", name="api_corrections")
def api_corrections(session: SessionDep, document: str | None = None, topic: str | None = None,
                    has_lab: str | None = None) -> dict[str, Any]:
    """The errata, filtered as the page is (JSON): summary, what is shown, groups by document, text fixes."""
    return errata_json(_errata(session, document, topic, has_lab))


def _question(session: SessionDep, viewer: Viewer, question_id: str) -> QuestionDetail:
    detail = question_detail(session=session, user_id=viewer.user_id, question_id=question_id)
    if detail is None:
        raise _not_found(viewer, "study.question.not_found", id=question_id)
    return detail


@router.get("/questions/{question_id}", name="question")
def question_page(request: Request, session: SessionDep, viewer: ViewerDep, settings: SettingsDep,
                  question_id: str, reveal: str | None = None) -> Response:
    """A question with its answer (collapsed unless ?reveal=1), corrections, sources, card, note and bookmark: the
    bank content rendered once per content version (app/study/question_page.py), the learner's parts each time."""
    zone = _zone(settings)
    state = page_state(session=session, user_id=viewer.user_id, question_id=question_id)
    part = None if state is None else content_part(
        session=session, request=request, question_id=question_id, digest=state.content_hash,
        lang=viewer.lang, zone=zone)
    if state is None or part is None:
        raise _not_found(viewer, "study.question.not_found", id=question_id)
    learner = learner_part(session=session, state=state, part=part, lang=viewer.lang, user_id=viewer.user_id)
    body = page_body(part, learner, request=request, lang=viewer.lang, zone=zone, csrf_token=csrf_token(request.scope),
                     reveal=reveal not in (None, "", "0"))
    storable(request, until=state.controls.buried_until)  # served again from memory while current (app/page_cache.py)
    return render(request, viewer, "study/question.html", {"title": part.title, "body": body, "active": "browse"})


@router.get("/api/questions/{question_id}", name="api_question")
def api_question(session: SessionDep, viewer: ViewerDep, question_id: str) -> dict[str, Any]:
    """A question with everything about it, including the learner's card state, note and bookmark (JSON)."""
    detail = _question(session, viewer, question_id)
    mine = controls(session=session, user_id=viewer.user_id, question_id=detail.question.id)
    return schemas.question_json(detail) | {"solution": solution_json(reference_solution(detail.question.id)),
                                            "controls": mine.json()}


@router.post("/questions/{question_id}/note", name="question_note")
def question_note(request: Request, session: SessionDep, viewer: ViewerDep, settings: SettingsDep,
                  question_id: str, body: Annotated[str, Form(max_length=NOTE_MAX_CHARS)] = "") -> Response:
    """Save the private note (an empty note deletes it); HTMX gets the note form back, a plain form a redirect."""
    try:
        note = save_note(session=session, user_id=viewer.user_id, question_id=question_id, body=body)
    except UnknownQuestion:
        raise _not_found(viewer, "study.question.not_found", id=question_id) from None
    if not _fragment_wanted(request):
        return RedirectResponse(f"/questions/{question_id}?note=saved#note", status_code=303)
    context = {"question_id": question_id, "note": note, "note_saved": True, "zone": _zone(settings)}
    return render(request, viewer, "study/_note.html", context)


class NoteIn(RequestBody):
    body: str = Field(default="", max_length=NOTE_MAX_CHARS)


@router.put("/api/questions/{question_id}/note", name="api_question_note")
def api_question_note(update: NoteIn, session: SessionDep, viewer: ViewerDep, question_id: str) -> dict[str, Any]:
    """Save the private note (JSON); an empty body deletes it."""
    try:
        note = save_note(session=session, user_id=viewer.user_id, question_id=question_id, body=update.body)
    except UnknownQuestion:
        raise _not_found(viewer, "study.question.not_found", id=question_id) from None
    return {"question_id": question_id, "body": note.body if note else None,
            "updated_at": note.updated_at if note else None}


def _bookmark(session: SessionDep, viewer: Viewer, question_id: str, bookmarked: bool) -> bool:
    try:
        return set_bookmark(session=session, user_id=viewer.user_id, question_id=question_id, bookmarked=bookmarked)
    except UnknownQuestion:
        raise _not_found(viewer, "study.question.not_found", id=question_id) from None


@router.post("/questions/{question_id}/bookmark", name="question_bookmark")
def question_bookmark(request: Request, session: SessionDep, viewer: ViewerDep, question_id: str,
                      bookmarked: Annotated[str, Form()] = "1") -> Response:
    """Bookmark (bookmarked=1) or unbookmark (bookmarked=0) a question; HTMX gets the toggle back."""
    state = _bookmark(session, viewer, question_id, bookmarked == "1")
    if not _fragment_wanted(request):
        return RedirectResponse(f"/questions/{question_id}", status_code=303)
    return render(request, viewer, "study/_bookmark.html", {"question_id": question_id, "bookmarked": state})


@router.put("/api/questions/{question_id}/bookmark", name="api_bookmark_add")
def api_bookmark_add(session: SessionDep, viewer: ViewerDep, question_id: str) -> dict[str, Any]:
    """Bookmark a question (JSON)."""
    return {"question_id": question_id, "bookmarked": _bookmark(session, viewer, question_id, True)}


@router.delete("/api/questions/{question_id}/bookmark", name="api_bookmark_remove")
def api_bookmark_remove(session: SessionDep, viewer: ViewerDep, question_id: str) -> dict[str, Any]:
    """Remove a bookmark (JSON)."""
    return {"question_id": question_id, "bookmarked": _bookmark(session, viewer, question_id, False)}


@router.get("/bookmarks", name="bookmarks")
def bookmarks_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """The learner's bookmarked questions, newest first."""
    rows = bookmarked_questions(session=session, user_id=viewer.user_id)
    return render(request, viewer, "study/bookmarks.html", {"rows": rows, "active": "browse"})


@router.get("/api/bookmarks", name="api_bookmarks")
def api_bookmarks(session: SessionDep, viewer: ViewerDep) -> list[dict[str, Any]]:
    """The learner's bookmarked questions, newest first (JSON)."""
    return schemas.bookmarks_json(bookmarked_questions(session=session, user_id=viewer.user_id))


@router.get("/concepts/{concept_id}", name="concept")
def concept_page(request: Request, session: SessionDep, viewer: ViewerDep, concept_id: str) -> Response:
    """A concept: names, summary, aliases, related concepts, its questions and (later) its lab results."""
    detail = concept_detail(session=session, concept_id=concept_id)
    if detail is None:
        raise _not_found(viewer, "study.concept.not_found", id=concept_id)
    states = study_states(session=session, user_id=viewer.user_id, question_ids=[q.id for q in detail.questions])
    context = {"detail": detail, "active": "browse", "states": states,
               "lab_entries": page_labs(session=session, labs=detail.concept.labs, lang=viewer.lang, compact=False,
                                        user_id=viewer.user_id)}
    return render(request, viewer, "study/concept.html", context)


@router.get("/api/concepts/{concept_id}", name="api_concept")
def api_concept(session: SessionDep, viewer: ViewerDep, concept_id: str) -> dict[str, Any]:
    """A concept with its related concepts, labs and questions (JSON)."""
    detail = concept_detail(session=session, concept_id=concept_id)
    if detail is None:
        raise _not_found(viewer, "study.concept.not_found", id=concept_id)
    return schemas.concept_json(detail)


router.include_router(source_router)  # the original documents: /sources, /sources/{document}, /api/sources/{document}
