"""Request bodies capped per route, refused with 413 before anything reads or parses them.

A body whose Content-Length is over its route's limit is answered at once, without calling the app; one sent
without a length (chunked) is counted as it arrives by Starlette's RequestBodyLimitMiddleware and refused as soon as
it passes the limit. Nothing is ever parsed past the limit, so one large body cannot hold the event loop."""

from __future__ import annotations

import re

from starlette.datastructures import Headers
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from app.security import refusal

# Routes that take a lab-result upload get PREPLAB_MAX_UPLOAD_BYTES; every other body PREPLAB_MAX_BODY_BYTES.
UPLOAD_ROUTES = re.compile(r"^/(api/)?labs/import$")


def size_text(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MiB"
    return f"{limit / 1024:g} KiB" if limit >= 1024 else f"{limit} B"


class BodyLimits:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.limits = {limit: RequestBodyLimitMiddleware(app, limit) for limit in {max_body_bytes, max_upload_bytes}}
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    def limit_for(self, path: str) -> int:
        return self.max_upload_bytes if UPLOAD_ROUTES.match(path) else self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await next(iter(self.limits.values()))(scope, receive, send)
            return
        limit = self.limit_for(str(scope["path"]))
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > limit:
            await refusal(scope, 413, "security.too_large", limit=size_text(limit))(scope, receive, send)
            return
        await self.limits[limit](scope, receive, send)
