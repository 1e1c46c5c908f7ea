"""Whole pages kept in memory and served again without rendering, for as long as they are current.

A route opts in by calling `storable(request)` (the question page does); the middleware answers a GET of a path
in PATHS from memory when it holds a page for the same path, query, HX-Request header and learner that was made
under the same revisions (app/page_revision.py: the bank content's, the rows of no learner's, this learner's, and
the database's epoch), read in one statement before anything else. The revisions are read before the page's data, so a
page stored under them holds data at least that new, and any later write moves a revision. A page that would
change by itself at some instant (a card buried until tomorrow) is stored with that instant and not served after
it.

The page's CSRF token is the visitor's cookie (asgi-csrf's double submit), so one page serves every browser: the
body is kept cut at the token, and the token of the browser asking is put back in. For gzip, each piece is
deflated on its own once, ending on a byte boundary, and the token goes between them as a stored deflate block
(RFC 1951 3.2.4), so a hit is compressed without compressing anything: the pieces are joined, with a gzip header
and trailer (RFC 1952) around them.

Only a browser that already has a valid CSRF cookie is served from memory or stored for (one without gets a new
cookie with its page), and a response that sets any cookie is never stored. The memory held is bounded
(PREPLAB_PAGE_CACHE_MB; 0 turns the cache off), least recently used first out.
"""

from __future__ import annotations

import re
import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request, cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.clock import utcnow
from app.coalesced_reads import CoalescedReads
from app.deps import VIEWER_SCOPE_KEY, Viewer
from app.page_revision import Revisions, missing_triggers, revisions
from app.security import CSRF_COOKIE
from app.shared_state import drop_caches

PATHS = re.compile(r"/questions/[^/]+")  # the routes that may call storable(), as whole paths
SCOPE_KEY = "preplab.page_cache"
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # no name, no mtime, unknown OS
FINAL_BLOCK = b"\x01\x00\x00\xff\xff"  # an empty stored block with BFINAL set
LEVEL = 1  # as GZipMiddleware's (app/main.py)


@dataclass
class _Ticket:
    """What the middleware tells the route (its revisions) and the route tells the middleware (keep it, until)."""

    revisions: Revisions
    keep: bool = False
    until: datetime | None = None


def storable(request: Request, *, until: datetime | None = None) -> None:
    """This response depends only on the path, the query, the HX-Request header, the learner and the rows the
    page-revision triggers watch; `until`: the instant it would change by itself (None: never)."""
    ticket = request.scope.get(SCOPE_KEY)
    if isinstance(ticket, _Ticket):
        ticket.keep, ticket.until = True, until


def _deflated(piece: bytes) -> bytes:
    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)  # raw deflate, a dictionary of its own
    return packer.compress(piece) + packer.flush(zlib.Z_SYNC_FLUSH)  # ends byte-aligned, not final


def _stored(data: bytes) -> bytes:
    """`data` as stored (uncompressed) deflate blocks, none final; the stream is byte-aligned before and after."""
    blocks = []
    for start in range(0, len(data), 0xFFFF):
        chunk = data[start:start + 0xFFFF]
        blocks.append(b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk)
    return b"".join(blocks)


@dataclass(frozen=True)
class Entry:
    revisions: Revisions
    until: datetime | None
    status: int
    headers: tuple[tuple[bytes, bytes], ...]  # as the route sent them, less Content-Length and Content-Encoding
    pieces: tuple[bytes, ...]  # the body, cut at the token
    size: int = field(default=0)
    # Each piece deflated alone, made at the first gzip hit rather than at every store: most stored pages of a
    # busy team are never asked for again, and a miss should cost no compression. Counted in `size` up front.
    _deflated: list[tuple[bytes, ...]] = field(default_factory=list, compare=False, repr=False)
    # The gzip body last assembled, by token: a browser reloading a page gets the same bytes again (no CRC-32 over
    # the page each time). One token at a time; counted in `size`.
    _last: dict[bytes, bytes] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def make(cls, revisions: Revisions, until: datetime | None, status: int,
             headers: list[tuple[bytes, bytes]], body: bytes, token: bytes) -> Entry:
        pieces = tuple(body.split(token)) if token else (body,)
        kept = tuple((name, value) for name, value in headers
                     if name.lower() not in (b"content-length", b"content-encoding"))
        # The deflated pieces and the last gzip body: each about a fifth of the body (HTML compresses well).
        return cls(revisions=revisions, until=until, status=status, headers=kept, pieces=pieces,
                   size=len(body) * 3 // 2 + 1024)

    @property
    def deflated(self) -> tuple[bytes, ...]:
        if not self._deflated:  # two threads at worst deflate twice; the list holds one result
            self._deflated[:] = [tuple(_deflated(piece) for piece in self.pieces)]
        return self._deflated[0]

    def current(self, revisions: Revisions) -> bool:
        return self.revisions == revisions and (self.until is None or utcnow() < self.until)

    def body(self, token: bytes) -> bytes:
        return token.join(self.pieces)

    def gzipped(self, token: bytes) -> bytes:
        body = self._last.get(token)
        if body is None:
            body = self._assembled(token)
            self._last.clear()  # a dict's clear and set are each atomic: two threads at worst assemble twice
            self._last[token] = body
        return body

    def _assembled(self, token: bytes) -> bytes:
        parts = [GZIP_HEADER]
        crc = 0
        filler = _stored(token)
        for index, (piece, packed) in enumerate(zip(self.pieces, self.deflated, strict=True)):
            if index:
                parts.append(filler)
                crc = zlib.crc32(token, crc)
            parts.append(packed)
            crc = zlib.crc32(piece, crc)
        length = sum(map(len, self.pieces)) + len(token) * (len(self.pieces) - 1)
        parts += [FINAL_BLOCK, struct.pack("<II", crc, length & 0xFFFFFFFF)]
        return b"".join(parts)


class PageStore:
    """Entries by (path, query, HX-Request, learner), least recently used first out, within `max_bytes`."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[tuple[Any, ...], Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Entry | None:
        with self._lock:
            entry = self._items.get(key)
            if entry is not None:
                self._items.move_to_end(key)
            return entry

    def put(self, key: tuple[Any, ...], entry: Entry) -> None:
        if entry.size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            self.bytes -= old.size if old else 0
            self._items[key] = entry
            self.bytes += entry.size
            while self.bytes > self.max_bytes:
                _key, dropped = self._items.popitem(last=False)
                self.bytes -= dropped.size

    def __len__(self) -> int:
        return len(self._items)


class PageCache:
    """The middleware (inside the CSRF guard, which gives the token, and the accounts gate, which gives the
    learner); `engine` reads the revisions in a thread of their own, never on the event loop."""

    def __init__(self, app: ASGIApp, *, engine: Engine, max_bytes: int, local_user: Callable[[], int | None]) -> None:
        self.app = app
        self.engine = engine
        self.store = PageStore(max_bytes)
        self.local_user = local_user
        self._usable: bool | None = None if max_bytes > 0 else False
        self._content_seen: int | None = None
        self._lock = threading.Lock()
        # A burst of pages for one learner shares one read of their revisions (app/coalesced_reads.py).
        self._reads: CoalescedReads[int, Revisions | None] = CoalescedReads(self._revisions,
                                                                              name="preplab-page-revisions")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (self._usable is False or scope["type"] != "http" or scope["method"] != "GET"
                or not PATHS.fullmatch(scope["path"])):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        user_id, token = self._user(scope), self._token(scope, headers)
        if user_id is None or token is None:
            await self.app(scope, receive, send)
            return
        found = await self._reads.get(user_id)
        if found is None:
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope.get("query_string", b""), headers.get("hx-request", ""), user_id)
        entry = self.store.get(key)
        if entry is not None and entry.current(found):
            await self._answer(entry, token, "gzip" in headers.get("accept-encoding", ""), send)
            return
        ticket = scope[SCOPE_KEY] = _Ticket(found)
        start: Message = {}
        chunks: list[bytes] = []
        complete = False

        async def keep(message: Message) -> None:
            nonlocal start, complete
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                complete = not message.get("more_body", False)
            await send(message)

        await self.app(scope, receive, keep)
        sent = list(start.get("headers", []))
        if (ticket.keep and complete and start.get("status") == 200
                and not any(name.lower() in (b"set-cookie", b"content-encoding") for name, _ in sent)):
            self.store.put(key, Entry.make(found, ticket.until, 200, sent, b"".join(chunks), token))

    def _user(self, scope: Scope) -> int | None:
        viewer = scope.get(VIEWER_SCOPE_KEY)
        if isinstance(viewer, Viewer):
            return viewer.user_id
        settings = scope["app"].state.settings
        return None if settings.accounts else self.local_user()

    @staticmethod
    def _token(scope: Scope, headers: Headers) -> bytes | None:
        """The visitor's CSRF token when their cookie holds a valid one (None: the page will set a new cookie)."""
        issue = scope.get("csrftoken")
        if not callable(issue):
            return None
        cookie = cookie_parser(headers.get("cookie", "")).get(CSRF_COOKIE)
        token = str(issue())
        return token.encode() if cookie and token == cookie else None

    def _revisions(self, user_id: int) -> Revisions | None:
        with self.engine.connect() as connection:
            if self._usable is None:
                gone = missing_triggers(connection)
                self._usable = not gone  # a schema without them (before 0011, or rebuilt): never cache
                if gone:
                    return None
            found = revisions(connection, user_id)
        with self._lock:
            seen, self._content_seen = self._content_seen, found[0]
        if seen is not None and seen != found[0]:
            # An import elsewhere that this process's watcher has not caught up with yet: drop the content caches
            # now, so the page about to be rendered (and stored under the new revision) is not made of old content.
            drop_caches()
        return found

    @staticmethod
    async def _answer(entry: Entry, token: bytes, gzip: bool, send: Send) -> None:
        body = entry.gzipped(token) if gzip else entry.body(token)
        headers = MutableHeaders(raw=[*entry.headers, (b"content-length", str(len(body)).encode())])
        headers.add_vary_header("Accept-Encoding")  # as GZipMiddleware marks what it compresses
        if gzip:
            headers.append("content-encoding", "gzip")
        await send({"type": "http.response.start", "status": entry.status, "headers": headers.raw})
        await send({"type": "http.response.body", "body": body})

