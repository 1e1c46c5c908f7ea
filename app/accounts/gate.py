"""The accounts gate (team mode): every request but sign-in, static files, health and the API docs must carry a valid
session cookie. A signed-in request goes on with its learner's Viewer in the scope (app/deps.py get_viewer reads it);
any other gets a redirect to /signin?next=… (a page), 401 with HX-Redirect (an HTMX request) or 401 JSON (the API).

It sits inside the Host, Origin and CSRF checks (app/security.py): a cross-site request is refused before a session
cookie is even looked at."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

import anyio.to_thread
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.accounts.sessions import COOKIE_NAME, signed_in
from app.deps import VIEWER_SCOPE_KEY, Viewer, viewer_of
from app.models import UserSettings
from app.security import refusal, wants_json
from app.static_files import STATIC_MOUNT

# Reachable without signing in. /docs, /redoc and the schema describe the API, which itself still asks for a session.
PUBLIC_PATHS = frozenset({"/signin", "/api/session", "/health", "/api/health", "/docs", "/redoc", "/openapi.json",
                          "/docs/oauth2-redirect", "/favicon.ico"})


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(STATIC_MOUNT + "/")


def session_token(scope: Scope) -> str | None:
    return cookie_parser(Headers(scope=scope).get("cookie", "")).get(COOKIE_NAME) or None


def lookup_viewer(engine: Engine, token: str, now: datetime) -> Viewer | None:
    """The learner behind a session token, with their preferences, in a session of its own (a worker thread)."""
    with Session(engine) as session:
        found = signed_in(session=session, token=token, now=now)
        if found is None:
            return None
        prefs = session.get(UserSettings, found.user_id)
        return viewer_of(found.user_id, prefs, user_name=found.user_name, is_admin=found.is_admin)


def sign_in_address(scope: Scope) -> str:
    """Where a page that needs a sign-in sends the visitor: /signin, with the page to come back to."""
    path = str(scope.get("path", "/"))
    query = scope.get("query_string", b"").decode("latin-1")
    target = path + (f"?{query}" if query else "")
    return "/signin" if target == "/" else f"/signin?next={quote(target, safe='')}"


class AccountsGate:
    def __init__(self, app: ASGIApp, *, engine: Engine, clock: Callable[[], datetime]) -> None:
        self.app = app
        self.engine = engine
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith(STATIC_MOUNT + "/"):
            await self.app(scope, receive, send)
            return
        token = session_token(scope)
        viewer = await anyio.to_thread.run_sync(lookup_viewer, self.engine, token, self.clock()) if token else None
        if viewer is not None:
            scope[VIEWER_SCOPE_KEY] = viewer
        elif not is_public(str(scope["path"])):
            await self._refuse(scope)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _refuse(scope: Scope) -> Response:
        target = sign_in_address(scope)
        if wants_json(scope):
            return refusal(scope, 401, "accounts.error.signed_out")
        if Headers(scope=scope).get("hx-request") == "true":
            response = refusal(scope, 401, "accounts.error.signed_out")
            response.headers["HX-Redirect"] = target
            return response
        return RedirectResponse(target, status_code=303)
