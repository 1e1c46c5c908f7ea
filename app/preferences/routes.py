"""Settings: the page, its form, one-click theme and language switches, and the JSON twin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from app.deps import SessionDep, SessionReleasingRoute, ViewerDep
from app.messages import translate
from app.preferences.service import PreferencesUpdate, UnknownTopics, preferences, update_preferences
from app.templating import is_htmx, render
from app.validation import validation_messages

router = APIRouter(route_class=SessionReleasingRoute)


def _public(row: Any) -> dict[str, Any]:
    return {"daily_new_limit": row.daily_new_limit, "desired_retention": row.desired_retention,
            "language": row.language, "theme": row.theme, "fsrs_parameters": row.fsrs_parameters,
            "daily_review_limit": row.daily_review_limit,
            "interview_date": row.interview_date.isoformat() if row.interview_date else None,
            "interview_topics": list(row.interview_topics or [])}


@router.get("/settings", name="settings_page")
def settings_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """The settings form."""
    row = preferences(session=session, user_id=viewer.user_id)
    session.commit()
    return render(request, viewer, "preferences/index.html", {"prefs": row, "active": "settings"})


@router.post("/settings", name="settings_save")
def settings_save(
    request: Request, session: SessionDep, viewer: ViewerDep,
    daily_new_limit: Annotated[str, Form()], desired_retention: Annotated[str, Form()],
    language: Annotated[str, Form()], theme: Annotated[str, Form()],
) -> Response:
    """Save the settings form; on bad input show the form again with the message, naming each field at fault."""
    try:
        update = _form_update(daily_new_limit=daily_new_limit, desired_retention=desired_retention,
                              language=language, theme=theme)
    except ValidationError as error:
        row = preferences(session=session, user_id=viewer.user_id)
        message = validation_messages(error.errors(), viewer.lang).message
        return render(request, viewer, "preferences/index.html",
                      {"prefs": row, "active": "settings", "error": message}, status_code=422)
    update_preferences(session=session, user_id=viewer.user_id, update=update)
    return RedirectResponse("/settings?saved=1", status_code=303)


@router.post("/settings/theme", name="settings_theme")
def settings_theme(
    request: Request, session: SessionDep, viewer: ViewerDep, theme: Annotated[str, Form()]
) -> Response:
    """Switch the theme (the toggle in the header)."""
    update_preferences(session=session, user_id=viewer.user_id, update=_switch(lambda: _form_update(theme=theme)))
    return Response(status_code=204) if is_htmx(request) else _back(request)


@router.post("/settings/language", name="settings_language")
def settings_language(
    request: Request, session: SessionDep, viewer: ViewerDep, language: Annotated[str, Form()]
) -> Response:
    """Switch the interface language (中文 / English) and return to the page."""
    update_preferences(session=session, user_id=viewer.user_id, update=_switch(lambda: _form_update(language=language)))
    return _back(request)


def _form_update(**fields: str) -> PreferencesUpdate:
    """The form's text as an update: numbers read as numbers, anything else left for validation to name."""
    values: dict[str, Any] = {}
    for name, text in fields.items():
        values[name] = text
        if name == "daily_new_limit" and text.strip().lstrip("-").isdigit():
            values[name] = int(text)
        elif name == "desired_retention":
            try:
                values[name] = float(text)
            except ValueError:
                pass
    return PreferencesUpdate.model_validate(values)


def _switch(update: Callable[[], PreferencesUpdate]) -> PreferencesUpdate:
    """A one-click switch with a value the form never offers: a 422 naming the field, as the JSON twin would."""
    try:
        return update()
    except ValidationError as error:
        raise RequestValidationError(error.errors()) from None


def _back(request: Request) -> Response:
    referer = request.headers.get("referer", "/")
    target = referer if referer.startswith(str(request.base_url)) else "/"
    return RedirectResponse(target, status_code=303)


@router.get("/api/settings", name="api_settings")
def api_settings(session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    """The learner's settings (JSON)."""
    row = preferences(session=session, user_id=viewer.user_id)
    session.commit()
    return _public(row)


@router.put("/api/settings", name="api_settings_update")
def api_settings_update(update: PreferencesUpdate, session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    """Change some settings (JSON); fields left out stay as they are, `"interview_date": null` clears the date."""
    try:
        return _public(update_preferences(session=session, user_id=viewer.user_id, update=update))
    except UnknownTopics as error:
        session.rollback()
        raise HTTPException(status_code=422, detail=translate("plan.error.unknown_topics", viewer.lang,
                                                              topics="、".join(error.topics))) from None
