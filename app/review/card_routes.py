"""The learner's controls on a question's card (suspend, bury, flag, own wording), from the review screen and the
question page, with their JSON twins, and the list of every card the learner has set aside or marked."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from pydantic import BaseModel, Field
from starlette.responses import RedirectResponse, Response

from app.clock import learner_zone
from app.deps import SessionDep, SessionReleasingRoute, SettingsDep, Viewer, ViewerDep
from app.messages import translate
from app.models import Question
from app.review.controls import (
    FLAG_NUMBERS,
    OWN_PROMPT_MAX_CHARS,
    Controls,
    marked_questions,
    set_buried,
    set_flag,
    set_own_prompt,
    set_suspended,
)
from app.review.errors import UnknownQuestion
from app.review.routes import back_to_review, review_page_response, scope_of, screen_for
from app.settings import Settings
from app.templating import is_htmx, render

router = APIRouter(route_class=SessionReleasingRoute)

FlagName = Annotated[str, Form(max_length=16)]


def _missing(viewer: Viewer, question_id: str) -> HTTPException:
    return HTTPException(status_code=404, detail=translate("review.error.unknown_question", viewer.lang,
                                                           question_id=question_id))


def _flag_number(name: str) -> int | None:
    """A flag from a form or JSON: red | orange | green | blue; anything else (none, "") clears it."""
    return FLAG_NUMBERS.get(name.strip().lower())


def _title(session: SessionDep, question_id: str) -> str:
    question = session.get(Question, question_id)
    return question.title if question else question_id


def _answer(request: Request, session: SessionDep, viewer: Viewer, settings: Settings, controls: Controls, *,
            back: str, scope_fields: dict[str, str], notice_key: str,
            undo: dict[str, str] | None = None) -> Response:
    """Back to the review session (back=review), the marked-cards list (back=cards) or the question page: HTMX gets
    its fragment, a plain form a redirect."""
    scope = scope_of(**scope_fields)
    question_id = controls.question_id
    if back == "review":
        if not is_htmx(request):
            return back_to_review(scope)
        notice = translate(notice_key, viewer.lang, title=_title(session, question_id),
                           flag=translate(f"review.flag.{controls.flag_name or 'none'}", viewer.lang))
        # Setting a card aside shows the next one; taking that back shows the card again.
        screen = screen_for(session, viewer, settings, scope, prefer=None if undo else question_id)
        action = {**undo, "question_id": question_id} if undo else None
        return review_page_response(request, viewer, settings, screen, fragment=True, notice=notice,
                                    notice_action=action)
    if back == "cards":
        return RedirectResponse("/cards", status_code=303)
    if not is_htmx(request):
        return RedirectResponse(f"/questions/{question_id}#card-controls", status_code=303)
    return render(request, viewer, "review/_controls.html",
                  {"controls": controls, "question_id": question_id, "saved": notice_key,
                   "title": _title(session, question_id)})


def _scope_fields(concept: str, topic: str, bank: str) -> dict[str, str]:
    return {"concept": concept, "topic": topic, "bank": bank}


@router.post("/questions/{question_id}/suspend", name="question_suspend")
def question_suspend(request: Request, question_id: str, session: SessionDep, viewer: ViewerDep,
                     settings: SettingsDep, suspended: Annotated[str, Form()] = "1",
                     back: Annotated[str, Form()] = "", concept: Annotated[str, Form()] = "",
                     topic: Annotated[str, Form()] = "", bank: Annotated[str, Form()] = "") -> Response:
    """Suspend (suspended=1) or unsuspend (0) the card: out of every queue until unsuspended; its schedule stays."""
    on = suspended == "1"
    try:
        controls = set_suspended(session=session, user_id=viewer.user_id, question_id=question_id, suspended=on)
    except UnknownQuestion:
        raise _missing(viewer, question_id) from None
    return _answer(request, session, viewer, settings, controls, back=back,
                   scope_fields=_scope_fields(concept, topic, bank),
                   notice_key="review.suspended" if on else "review.unsuspended",
                   undo={"action": "suspend", "field": "suspended", "value": "0"} if on else None)


@router.post("/questions/{question_id}/bury", name="question_bury")
def question_bury(request: Request, question_id: str, session: SessionDep, viewer: ViewerDep,
                  settings: SettingsDep, buried: Annotated[str, Form()] = "1", back: Annotated[str, Form()] = "",
                  concept: Annotated[str, Form()] = "", topic: Annotated[str, Form()] = "",
                  bank: Annotated[str, Form()] = "") -> Response:
    """Bury the card until tomorrow (buried=1) or bring it back now (0)."""
    on = buried == "1"
    try:
        controls = set_buried(session=session, user_id=viewer.user_id, question_id=question_id, buried=on,
                              zone=learner_zone(settings.timezone))
    except UnknownQuestion:
        raise _missing(viewer, question_id) from None
    return _answer(request, session, viewer, settings, controls, back=back,
                   scope_fields=_scope_fields(concept, topic, bank),
                   notice_key="review.buried" if on else "review.unburied",
                   undo={"action": "bury", "field": "buried", "value": "0"} if on else None)


@router.post("/questions/{question_id}/flag", name="question_flag")
def question_flag(request: Request, question_id: str, session: SessionDep, viewer: ViewerDep,
                  settings: SettingsDep, flag: FlagName = "", back: Annotated[str, Form()] = "",
                  concept: Annotated[str, Form()] = "", topic: Annotated[str, Form()] = "",
                  bank: Annotated[str, Form()] = "") -> Response:
    """Flag the card red, orange, green or blue (none clears it); the review card shows it and stays on screen."""
    try:
        controls = set_flag(session=session, user_id=viewer.user_id, question_id=question_id,
                            flag=_flag_number(flag))
    except UnknownQuestion:
        raise _missing(viewer, question_id) from None
    if back == "review" and is_htmx(request):
        screen = screen_for(session, viewer, settings, scope_of(concept, topic, bank), prefer=question_id)
        notice = translate("review.flagged", viewer.lang,
                           flag=translate(f"review.flag.{controls.flag_name or 'none'}", viewer.lang))
        return review_page_response(request, viewer, settings, screen, fragment=True, notice=notice)
    if back == "review":
        return back_to_review(scope_of(concept, topic, bank), card=question_id)
    return _answer(request, session, viewer, settings, controls, back="", scope_fields={}, notice_key="review.flagged")


@router.post("/questions/{question_id}/own-prompt", name="question_own_prompt")
def question_own_prompt(request: Request, question_id: str, session: SessionDep, viewer: ViewerDep,
                        settings: SettingsDep,
                        text: Annotated[str, Form(max_length=OWN_PROMPT_MAX_CHARS)] = "") -> Response:
    """Keep your own wording of the question (the review card shows it); blank restores the bank's."""
    try:
        controls = set_own_prompt(session=session, user_id=viewer.user_id, question_id=question_id, text=text)
    except UnknownQuestion:
        raise _missing(viewer, question_id) from None
    return _answer(request, session, viewer, settings, controls, back="", scope_fields={},
                   notice_key="review.own_prompt.saved" if controls.own_prompt else "review.own_prompt.cleared")


@router.get("/cards", name="cards")
def cards_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """Every card you suspended, buried, flagged or reworded, with the controls to undo each."""
    rows = marked_questions(session=session, user_id=viewer.user_id)
    return render(request, viewer, "review/cards.html", {"rows": rows, "active": "review"})


class FlagIn(BaseModel):
    flag: str | None = Field(default=None, description="red | orange | green | blue, or null to clear")


class OwnPromptIn(BaseModel):
    text: str | None = Field(default=None, max_length=OWN_PROMPT_MAX_CHARS,
                             description="your wording of the question; null or blank restores the bank's")


def _api(viewer: Viewer, question_id: str, change: Any) -> dict[str, Any]:
    try:
        controls: Controls = change()
    except UnknownQuestion:
        raise _missing(viewer, question_id) from None
    return controls.json()


@router.put("/api/questions/{question_id}/suspend", name="api_suspend")
def api_suspend(question_id: str, session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    """Suspend the card (JSON): out of every queue until unsuspended."""
    return _api(viewer, question_id, lambda: set_suspended(session=session, user_id=viewer.user_id,
                                                           question_id=question_id, suspended=True))


@router.delete("/api/questions/{question_id}/suspend", name="api_unsuspend")
def api_unsuspend(question_id: str, session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    """Unsuspend the card (JSON)."""
    return _api(viewer, question_id, lambda: set_suspended(session=session, user_id=viewer.user_id,
                                                           question_id=question_id, suspended=False))


@router.put("/api/questions/{question_id}/bury", name="api_bury")
def api_bury(question_id: str, session: SessionDep, viewer: ViewerDep, settings: SettingsDep) -> dict[str, Any]:
    """Bury the card until the learner's next day (JSON)."""
    zone = learner_zone(settings.timezone)
    return _api(viewer, question_id, lambda: set_buried(session=session, user_id=viewer.user_id,
                                                        question_id=question_id, buried=True, zone=zone))


@router.delete("/api/questions/{question_id}/bury", name="api_unbury")
def api_unbury(question_id: str, session: SessionDep, viewer: ViewerDep, settings: SettingsDep) -> dict[str, Any]:
    """Bring a buried card back now (JSON)."""
    zone = learner_zone(settings.timezone)
    return _api(viewer, question_id, lambda: set_buried(session=session, user_id=viewer.user_id,
                                                        question_id=question_id, buried=False, zone=zone))


@router.put("/api/questions/{question_id}/flag", name="api_flag")
def api_flag(question_id: str, body: FlagIn, session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    """Flag the card (JSON): {"flag": "red" | "orange" | "green" | "blue" | null}."""
    if body.flag is not None and body.flag not in FLAG_NUMBERS:
        raise HTTPException(status_code=422, detail=translate("review.error.flag", viewer.lang,
                                                              flags=", ".join(FLAG_NUMBERS)))
    number = FLAG_NUMBERS.get(body.flag) if body.flag else None
    return _api(viewer, question_id, lambda: set_flag(session=session, user_id=viewer.user_id,
                                                      question_id=question_id, flag=number))


@router.put("/api/questions/{question_id}/own-prompt", name="api_own_prompt")
def api_own_prompt(question_id: str, body: OwnPromptIn, session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    """Your own wording of the question (JSON); null or blank restores the bank's."""
    return _api(viewer, question_id, lambda: set_own_prompt(session=session, user_id=viewer.user_id,
                                                            question_id=question_id, text=body.text))


@router.get("/api/cards", name="api_cards")
def api_cards(session: SessionDep, viewer: ViewerDep) -> list[dict[str, Any]]:
    """Every card you suspended, buried, flagged or reworded (JSON), most recently changed first."""
    return [{"title": row.title, "topic": row.topic, **row.controls.json()}
            for row in marked_questions(session=session, user_id=viewer.user_id)]
