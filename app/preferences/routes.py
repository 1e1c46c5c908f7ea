"""Settings: the page, its form, one-click theme and language switches, and the JSON twin."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from app.deps import SessionDep, ViewerDep
from app.preferences.service import PreferencesUpdate, preferences, update_preferences
from app.templating import is_htmx, render

router = APIRouter()


def _public(row: Any) -> dict[str, Any]:
    return {"daily_new_limit": row.daily_new_limit, "desired_retention": row.desired_retention,
            "language": row.language, "theme": row.theme, "fsrs_parameters": row.fsrs_parameters}


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
    """Save the settings form; on bad input show the form again with the message."""
    try:
        update = PreferencesUpdate(daily_new_limit=int(daily_new_limit), desired_retention=float(desired_retention),
                                   language=language, theme=theme)  # type: ignore[arg-type]
    except (ValueError, ValidationError) as error:
        row = preferences(session=session, user_id=viewer.user_id)
        return render(request, viewer, "preferences/index.html",
                      {"prefs": row, "active": "settings", "error": str(error)}, status_code=422)
    update_preferences(session=session, user_id=viewer.user_id, update=update)
    return RedirectResponse("/settings?saved=1", status_code=303)


@router.post("/settings/theme", name="settings_theme")
def settings_theme(
    request: Request, session: SessionDep, viewer: ViewerDep, theme: Annotated[str, Form()]
) -> Response:
    """Switch the theme (the toggle in the header)."""
    update_preferences(session=session, user_id=viewer.user_id, update=PreferencesUpdate(theme=theme))  # type: ignore[arg-type]
    return Response(status_code=204) if is_htmx(request) else _back(request)


@router.post("/settings/language", name="settings_language")
def settings_language(
    request: Request, session: SessionDep, viewer: ViewerDep, language: Annotated[str, Form()]
) -> Response:
    """Switch the interface language (中文 / English) and return to the page."""
    update = PreferencesUpdate(language=language)  # type: ignore[arg-type]
    update_preferences(session=session, user_id=viewer.user_id, update=update)
    return _back(request)


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
    """Change some settings (JSON); fields left out stay as they are."""
    return _public(update_preferences(session=session, user_id=viewer.user_id, update=update))
