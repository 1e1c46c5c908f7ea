"""Sign-in and sign-out (team mode): the sign-in page and its form, and the JSON twin at /api/session."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import Field
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.accounts.gate import session_token
from app.accounts.service import AccountError, SignInResult, TooManyAttempts, sign_in
from app.accounts.sessions import COOKIE_NAME, revoke_token
from app.deps import SessionDep, SessionReleasingRoute, Viewer, current_viewer
from app.messages import translate
from app.settings import Settings
from app.templating import render
from app.validation import RequestBody, StoredText

router = APIRouter(route_class=SessionReleasingRoute)


class SignInBody(RequestBody):
    name: StoredText = Field(max_length=200)
    password: StoredText = Field(max_length=1024)


def _now(request: Request) -> datetime:
    clock = request.app.state.clock
    moment: datetime = clock()
    return moment


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def safe_next(target: str | None) -> str:
    """A page of this site to go to after signing in: a local path only (never //host or a scheme)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or any(
            ord(character) < 32 for character in target):
        return "/"
    return target[:2000]


def _set_cookie(request: Request, response: Response, token: str) -> None:
    # Secure when the browser reached us over https (directly, or through a proxy named in PREPLAB_TRUSTED_PROXIES).
    response.set_cookie(COOKIE_NAME, token, max_age=int(timedelta(days=_settings(request).session_days)
                                                        .total_seconds()),
                        path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https")


def _clear_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="lax",
                           secure=request.url.scheme == "https")


def _sign_in(request: Request, session: Session, name: str, password: str) -> SignInResult:
    return sign_in(session=session, name=name, password=password, client=_client(request), now=_now(request),
                   lifetime=timedelta(days=_settings(request).session_days))


def _visitor(request: Request, lang: str | None = None) -> Viewer:
    """Whoever is on the sign-in page: the signed-in learner, else a visitor in the language asked for."""
    return current_viewer(request) or Viewer(user_id=0, lang=lang if lang in ("zh", "en") else "zh", user_name="")


def _page(request: Request, viewer: Viewer, *, status: int = 200, error: str | None = None, name: str = "",
          next_page: str = "/", headers: dict[str, str] | None = None) -> Response:
    notice = translate("accounts.signed_out", viewer.lang) if request.query_params.get("signed_out") else None
    return render(request, viewer, "accounts/signin.html",
                  {"error": error, "name": name, "next": next_page, "notice": notice, "signed_out_page": True},
                  status_code=status, headers=headers)


@router.get("/signin", name="signin")
def signin_page(request: Request) -> Response:
    """The sign-in form (straight on to the page asked for when already signed in)."""
    next_page = safe_next(request.query_params.get("next"))
    if current_viewer(request) is not None:
        return RedirectResponse(next_page, status_code=303)
    return _page(request, _visitor(request, request.query_params.get("lang")), next_page=next_page)


@router.post("/signin", name="signin_submit")
async def signin_submit(request: Request, session: SessionDep) -> Response:
    """Check the name and password (under the back-off), set the session cookie and go on to the page asked for."""
    form = await request.form()
    values = {key: form.get(key) for key in ("name", "password", "next", "lang")}
    text = {key: value if isinstance(value, str) else "" for key, value in values.items()}
    return await run_in_threadpool(_signin_submit, request, session, text)


def _signin_submit(request: Request, session: Session, form: dict[str, str]) -> Response:
    viewer = _visitor(request, form["lang"])
    next_page = safe_next(form["next"])
    for field in ("name", "password"):
        if not form[field]:
            label = translate(f"accounts.signin.{field}", viewer.lang)
            message = translate("accounts.error.missing_field", viewer.lang, field=label)
            return _page(request, viewer, status=422, error=message, name=form["name"], next_page=next_page)
    try:
        result = _sign_in(request, session, form["name"][:200], form["password"][:1024])
    except AccountError as error:
        headers = {"Retry-After": str(error.seconds)} if isinstance(error, TooManyAttempts) else None
        return _page(request, viewer, status=error.status, error=error.message(viewer.lang), name=form["name"][:80],
                     next_page=next_page, headers=headers)
    response = RedirectResponse(next_page, status_code=303)
    _set_cookie(request, response, result.token)
    return response


@router.post("/signout", name="signout")
def signout(request: Request, session: SessionDep) -> Response:
    """End this browser's session (revoked in the database, not only forgotten by the browser)."""
    revoke_token(session=session, token=session_token(request.scope), now=_now(request))
    response = RedirectResponse("/signin?signed_out=1", status_code=303)
    _clear_cookie(request, response)
    return response


def _error_json(error: AccountError, lang: str) -> JSONResponse:
    body: dict[str, Any] = {"detail": error.message(lang), "code": error.code, "field": error.field,
                            "messages": {"zh": error.message("zh"), "en": error.message("en")}}
    headers = None
    if isinstance(error, TooManyAttempts):
        body["retry_after"] = error.seconds
        headers = {"Retry-After": str(error.seconds)}
    return JSONResponse(body, status_code=error.status, headers=headers)


def _session_json(viewer_name: str, role: str) -> dict[str, Any]:
    return {"user": viewer_name, "role": role, "is_admin": role == "admin"}


@router.get("/api/session", name="api_session")
def session_json(request: Request) -> Response:
    """Who is signed in (JSON); 401 when nobody is."""
    viewer = current_viewer(request)
    if viewer is None:
        messages = {lang: translate("accounts.error.signed_out", lang) for lang in ("zh", "en")}
        return JSONResponse({"detail": f"{messages['zh']} / {messages['en']}", "code": "signed_out",
                             "messages": messages}, status_code=401)
    return JSONResponse(_session_json(viewer.user_name, "admin" if viewer.is_admin else "learner"))


@router.post("/api/session", name="api_session_create")
def session_create(request: Request, session: SessionDep, body: SignInBody) -> Response:
    """Sign in: body {"name", "password"}; sets the session cookie. 401 for a wrong name or password, 429 with
    Retry-After while the back-off makes this name or address wait (JSON)."""
    try:
        result = _sign_in(request, session, body.name, body.password)
    except AccountError as error:
        return _error_json(error, "zh")
    response = JSONResponse(_session_json(result.user.name, result.user.role))
    _set_cookie(request, response, result.token)
    return response


@router.delete("/api/session", name="api_session_delete", status_code=204)
def session_delete(request: Request, session: SessionDep) -> Response:
    """Sign out: the session is revoked (JSON twin of the sign-out button)."""
    revoke_token(session=session, token=session_token(request.scope), now=_now(request))
    response = Response(status_code=204)
    _clear_cookie(request, response)
    return response
