"""Static files with cache headers: a URL that names the file's content (`?v=<hash>`, written by the templates'
`url_for('static', ...)`) is cached for a year as immutable; any other is revalidated on every use by its ETag
(a 304 without the body), so an edited file is never served stale.

ES modules under js/ keep their plain URLs: they import one another by relative URL, and `app.js?v=1` and
`app.js` would be two instances of one module to the browser. CSS @imports and KaTeX's fonts, named relatively
inside their files, are revalidated the same way."""

from __future__ import annotations

import hashlib
import os
import time
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from jinja2 import pass_context
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import URL
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from app.settings import PROJECT_ROOT

STATIC_DIR = PROJECT_ROOT / "static"
STATIC_MOUNT = "/static"  # where app/main.py mounts it
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
UNVERSIONED = ("js/",)  # ES modules: see above


@lru_cache(maxsize=512)
def _digest(path: str, _mtime_ns: int, _size: int) -> str:
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:16]


# How long a file's version is taken as known before its modification time is looked at again: a page names ten
# static files, and a stat() of each on every page was a twentieth of a question page's time.
RECHECK_S = 2.0
_known: dict[str, tuple[float, str]] = {}


def content_version(path: Path | str) -> str:
    """The first 16 hex digits of the file's SHA-256, recomputed only when its modification time or size changes
    (looked at once every RECHECK_S at most)."""
    key = str(path)
    now = time.monotonic()
    known = _known.get(key)
    if known is not None and now - known[0] < RECHECK_S:
        return known[1]
    found = os.stat(path)
    version = _digest(key, found.st_mtime_ns, found.st_size)
    _known[key] = (now, version)
    return version


def versioned(relative: str) -> bool:
    return not relative.startswith(UNVERSIONED)


class CachedStaticFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code not in (200, 304):
            return response
        asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v")
        matches = False
        if asked and versioned(path):
            # Hashing a file that no page has named yet is file I/O: a worker thread, not the event loop.
            current = await run_in_threadpool(_version_or_none, STATIC_DIR / path)
            matches = asked[0] == current
        response.headers["Cache-Control"] = IMMUTABLE if matches else REVALIDATE
        return response


def _version_or_none(file: Path) -> str | None:
    try:
        return content_version(file)
    except OSError:
        return None


@pass_context
def url_for(context: Any, name: str, /, **path_params: Any) -> URL | str:
    """Starlette's `url_for`, with `?v=<content hash>` on static files that can be cached for good. A static URL is
    put together directly (the route table is not searched: ten of them on a page cost a millisecond)."""
    request = context["request"]
    if name != "static":
        return request.url_for(name, **path_params)  # type: ignore[no-any-return]
    relative = str(path_params.get("path", "")).lstrip("/")
    version = _version_or_none(STATIC_DIR / relative) if versioned(relative) else None
    return _static_url(str(request.base_url), relative, version)


@lru_cache(maxsize=1024)
def _static_url(base_url: str, relative: str, version: str | None) -> str:
    url = f"{base_url.rstrip('/')}{STATIC_MOUNT}/{quote(relative)}"
    return f"{url}?v={version}" if version else url
