"""Requests only from PrepLab's own pages: the Host check, the Origin/Referer check, the CSRF token and the
security headers on every response.

The rules, outermost first:
1. A Host header that PREPLAB_ALLOWED_HOSTS does not name gets 400, so a DNS-rebinding page can neither read nor
   write.
2. A state-changing request (anything but GET, HEAD, OPTIONS, TRACE) whose Origin (or, without one, Referer) is not
   PrepLab's own origin gets 403.
3. It must then carry the CSRF token (asgi-csrf's signed double-submit cookie): the `csrftoken` form field, first
   in the form, or the `X-CSRFToken` header, equal to the `csrftoken` cookie every page sets. The one exception is
   a JSON request to /api/ (`Content-Type: application/json`) whose Origin names PrepLab itself: a page cannot
   forge Origin, and a cross-site page cannot send a JSON body at all without a CORS preflight, which PrepLab never
   grants. Scripts send either the token header (read from any page) or that Origin.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from asgi_csrf import asgi_csrf
from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy.engine import make_url
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.messages import translate
from app.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_COOKIE = "csrftoken"
CSRF_HEADER = "x-csrftoken"
CSRF_FIELD = "csrftoken"

# Only PrepLab's own files: vendored htmx and KaTeX included (KaTeX sets its inline sizes through the CSSOM, which
# CSP allows); no inline script, style element or style attribute anywhere in the templates.
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
               "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
# /docs and /redoc run the vendored Swagger UI and ReDoc (app/docs_pages.py): their own scripts only, but both inject
# style elements, and ReDoc renders the schema in a blob: worker.
DOCS_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
               "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; "
               "base-uri 'self'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc")
SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"), (b"cross-origin-opener-policy", b"same-origin")]


def wants_json(scope: Scope) -> bool:
    return str(scope.get("path", "")).startswith("/api/") or "application/json" in Headers(scope=scope).get(
        "accept", "")


def refusal(scope: Scope, status: int, key: str, **values: object) -> Response:
    """A refusal in both languages (PrepLab does not know the viewer yet): JSON for the API, else a small page."""
    from app.templating import templates  # the templating module imports the app's dependencies

    messages = {lang: translate(key, lang, **values) for lang in ("zh", "en")}
    if wants_json(scope):
        body = {"detail": f"{messages['zh']} / {messages['en']}", "code": key.rsplit(".", 1)[-1],
                "messages": messages}
        return JSONResponse(body, status_code=status)
    page = templates.get_template("refused.html").render(status=status, messages=messages)
    return HTMLResponse(page, status_code=status)


def host_allowed(host: str, allowed: Sequence[str]) -> bool:
    name = _host_name(host)
    if not name:
        return False
    for pattern in allowed:
        if pattern == "*" or name == pattern or (pattern.startswith(".") and
                                                 (name == pattern[1:] or name.endswith(pattern))):
            return True
    return False


def _host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8000
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _authority(netloc: str, scheme: str) -> str:
    netloc = netloc.lower()
    default = {"http": ":80", "https": ":443"}.get(scheme, "")
    return netloc[: -len(default)] if default and netloc.endswith(default) else netloc


def same_origin(url: str, host: str) -> bool:
    """Whether `url` (an Origin or a Referer) names the host:port this request was sent to."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    return _authority(parts.netloc, parts.scheme) == _authority(host, parts.scheme)


class SiteGuard:
    """Rules 1 and 2, and the security headers on every response (refusals included)."""

    def __init__(self, app: ASGIApp, *, allowed_hosts: Sequence[str]) -> None:
        self.app = app
        self.allowed_hosts = list(allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._with_headers(scope, send)
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if not host_allowed(host, self.allowed_hosts):
            await refusal(scope, 400, "security.bad_host", host=host[:200])(scope, receive, send)
            return
        if scope["method"] not in SAFE_METHODS:
            claimed = headers.get("origin") or headers.get("referer")
            if claimed is not None and not same_origin(claimed, host):
                shown = urlsplit(claimed).netloc or claimed
                await refusal(scope, 403, "security.cross_site", origin=shown[:200])(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _with_headers(scope: Scope, send: Send) -> Send:
        policy = DOCS_POLICY if str(scope.get("path", "")).startswith(DOCS_PATHS) else PAGE_POLICY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS,
                                                  (b"content-security-policy", policy.encode())]}
            await send(message)

        return send_with_headers


class _EveryPath:
    """asgi-csrf checks a request that carries no cookie only when its path is `in always_protect`. PrepLab keeps
    no login cookie, so a cross-site form arrives with no cookie at all, and must be checked all the same."""

    def __contains__(self, path: object) -> bool:
        return True


def _json_from_own_origin(scope: Scope) -> bool:
    headers = Headers(scope=scope)
    content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    origin = headers.get("origin")
    return (str(scope["path"]).startswith("/api/") and content_type == "application/json"
            and origin is not None and same_origin(origin, headers.get("host", "")))


async def _csrf_failed(scope: Scope, send: Send, _reason: object) -> None:
    response = refusal(scope, 403, "security.csrf")

    async def no_body() -> Message:
        return {"type": "http.disconnect"}

    await response(scope, no_body, send)


class CsrfGuard:
    """Rule 3, through asgi-csrf, built on the first request (the signing key is read once the app has started).
    A body that asgi-csrf cannot parse (bad UTF-8, a multipart part without a boundary) is a 400, not a 500."""

    def __init__(self, app: ASGIApp, *, secret: Callable[[], str]) -> None:
        self.app = app
        self._secret = secret
        self._protected: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._protected is None:
            self._protected = asgi_csrf(self._inner, signing_secret=self._secret(), always_protect=_EveryPath(),
                                        skip_if_scope=_json_from_own_origin, send_csrf_failed=_csrf_failed)
        passed = scope["preplab.csrf_passed"] = [False]
        started = False
        try:
            scope, receive = await _lift_multipart_token(scope, receive)
        except HTTPException:
            raise
        except Exception:
            await refusal(scope, 400, "security.bad_form")(scope, receive, send)
            return
        if _multipart_without_token(scope):
            await _csrf_failed(scope, send, None)
            return

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._protected(scope, receive, tracking_send)
        except HTTPException:  # the body limit's 413, answered outside
            raise
        except Exception:
            if passed[0] or started:
                raise
            await refusal(scope, 400, "security.bad_form")(scope, receive, send)

    async def _inner(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["preplab.csrf_passed"][0] = True
        await self.app(scope, receive, send)


async def _lift_multipart_token(scope: Scope, receive: Receive) -> tuple[Scope, Receive]:
    """A multipart form's `csrftoken` field (before any file) as the X-CSRFToken header, with the body replayed.

    asgi-csrf 0.11 reads multipart bodies through python-multipart's old `FileClass` argument, which python-multipart
    0.0.2x no longer has; its header check is unaffected, so the field is read here and handed to it as the header.
    """
    if scope["method"] in SAFE_METHODS:
        return scope, receive
    headers = Headers(scope=scope)
    content_type, options = parse_options_header(headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or CSRF_HEADER in headers or b"boundary" not in options:
        return scope, receive
    messages: list[Message] = []
    part: dict[str, Any] = {}
    found: list[str] = []

    def header_field(data: bytes, start: int, end: int) -> None:
        part["field"] = part.get("field", b"") + data[start:end]

    def header_value(data: bytes, start: int, end: int) -> None:
        part["value"] = part.get("value", b"") + data[start:end]

    def header_end() -> None:
        if part.pop("field", b"").lower() == b"content-disposition":
            _kind, disposition = parse_options_header(part.pop("value", b""))
            part["name"], part["file"] = disposition.get(b"name"), b"filename" in disposition
        part.pop("value", None)

    def part_data(data: bytes, start: int, end: int) -> None:
        if part.get("name") == CSRF_FIELD.encode() and not part.get("file"):
            part["data"] = part.get("data", b"") + data[start:end]

    def part_end() -> None:
        if part.get("name") == CSRF_FIELD.encode() and not part.get("file"):
            found.append(part.get("data", b"").decode("utf-8"))
        elif part.get("file") and not found:
            found.append("")  # a file before the token: no token
        part.clear()

    parser = MultipartParser(options[b"boundary"], {
        "on_header_field": header_field, "on_header_value": header_value, "on_header_end": header_end,
        "on_part_data": part_data, "on_part_end": part_end})
    more = True
    while more and not found:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        parser.write(message.get("body", b""))
        more = message.get("more_body", False)

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    if found and found[0]:
        scope = {**scope, "headers": [*scope["headers"], (CSRF_HEADER.encode(), found[0].encode("latin-1"))]}
    return scope, replay


def _multipart_without_token(scope: Scope) -> bool:
    if scope["method"] in SAFE_METHODS:
        return False
    headers = Headers(scope=scope)
    content_type, _options = parse_options_header(headers.get("content-type", ""))
    return scope["method"] not in SAFE_METHODS and content_type == b"multipart/form-data" and CSRF_HEADER not in headers


def csrf_token(scope: Scope) -> str:
    """This visitor's token (setting the cookie on the response when it has none yet); "" outside asgi-csrf."""
    issue: Any = scope.get("csrftoken")
    return str(issue()) if callable(issue) else ""


def csrf_secret(settings: Settings) -> str:
    """PREPLAB_SECRET_KEY, else a random key kept in `preplab.secret` beside the SQLite database (in the working
    directory for other databases), so tokens in open pages stay valid across restarts and workers."""
    if settings.secret_key:
        return settings.secret_key
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return secrets.token_urlsafe(32)
    folder = Path(url.database).resolve().parent if url.get_backend_name() == "sqlite" and url.database else Path()
    path = folder / "preplab.secret"
    if not path.exists():
        # Written aside and linked into place: two processes starting at once agree on the first key.
        draft = path.with_name(f".preplab.secret.{os.getpid()}.{secrets.token_hex(4)}")
        draft.write_text(secrets.token_urlsafe(32) + "\n", encoding="utf-8")
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text(encoding="utf-8").strip()
