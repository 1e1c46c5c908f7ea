"""Request-scoped dependencies: the database session, the app's settings and the viewer (user + preferences).

None of them holds a database connection while the request waits for a worker thread. The request's Session is
made on the event loop (an async dependency): it connects only when the route, in its worker thread, first asks it
something, and hands the connection back in that same thread as soon as the route returns (SessionReleasingRoute),
before FastAPI serializes the response, which for a sync route waits for a thread again. The local learner's
preferences are read in the route's own thread, on a connection of its own handed back before the route runs (the
dependency itself only marks them unread: a sync dependency would wait for a worker thread of its own). So the
connections in use are at most the busy worker threads (plus the lab runner's, the group commit's and the page
cache's reader), and the pool is sized from the thread count (app/db.py pool_size_for, PREPLAB_WORKER_THREADS)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, HTTPException, Path, Request
from fastapi.routing import APIRoute
from sqlalchemy import Engine, bindparam, select
from sqlmodel import Session
from starlette.routing import Match
from starlette.types import Scope

from app.models import UserSettings
from app.settings import Settings
from app.validation import MAX_SQL_INT


class SessionReleasingRoute(APIRoute):
    """A route whose request Session hands its connection back in the endpoint's own thread, as soon as a sync
    endpoint returns. FastAPI closes `scope="function"` dependencies only after the response is serialized, and
    serializing a sync endpoint's return value waits for a worker thread of its own: without this, every finished
    request would hold its connection while it queued for that thread, and a burst of requests would empty the
    pool (30 s stalls, then 500s). Every router uses it (APIRouter(route_class=SessionReleasingRoute))."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        endpoint = _reading_async(endpoint) if inspect.iscoroutinefunction(endpoint) else _releasing(endpoint)
        super().__init__(path, endpoint, **kwargs)
        # The path's literal start (up to its first parameter): the router tries every route in turn, and a request
        # path that does not start so cannot match this route's pattern, which begins with exactly that text.
        self.literal_start = self.path_format.split("{", 1)[0]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # (Behind a root_path the pattern is matched against the path less that prefix: leave those to Starlette.)
        if scope["type"] == "http" and not scope.get("root_path") and not scope["path"].startswith(self.literal_start):
            return Match.NONE, {}
        return super().matches(scope)


def _releasing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)  # FastAPI reads the signature and annotations through __wrapped__
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            for name, value in kwargs.items():
                if isinstance(value, _UnreadViewer):
                    kwargs[name] = value.read()  # in this thread: the route's, not one of its own
            return endpoint(*args, **kwargs)
        finally:
            for value in kwargs.values():
                if isinstance(value, Session):
                    value.close()  # objects stay readable; the connection goes back to the pool now

    return run


def _reading_async(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    async def run(*args: Any, **kwargs: Any) -> Any:
        for name, value in kwargs.items():
            if isinstance(value, _UnreadViewer):
                kwargs[name] = await anyio.to_thread.run_sync(value.read)  # never on the event loop
        return await endpoint(*args, **kwargs)

    return run


async def get_session(request: Request) -> AsyncIterator[Session]:
    session = Session(request.app.state.engine)
    try:
        yield session
    finally:
        session.close()  # returns the connection (a rollback of nothing, no I/O) without waiting for a thread


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@dataclass(frozen=True)
class Viewer:
    """Who is looking, and how they like to see things; every page and service call gets one."""

    user_id: int
    lang: str = "zh"
    theme: str = "auto"
    daily_new_limit: int = 20
    desired_retention: float = 0.9
    daily_review_limit: int = 100
    interview_date: date | None = None
    interview_topics: tuple[str, ...] = field(default_factory=tuple)
    # Who is signed in (team mode, app/accounts); with accounts off, the one local user, who is the admin.
    is_admin: bool = False
    user_name: str = "local"


# Where the accounts gate (app/accounts/gate.py) leaves the signed-in learner's Viewer for the request.
VIEWER_SCOPE_KEY = "preplab.viewer"


def viewer_of(user_id: int, prefs: UserSettings | None, *, user_name: str, is_admin: bool) -> Viewer:
    if prefs is None:
        return Viewer(user_id=user_id, user_name=user_name, is_admin=is_admin)
    return Viewer(user_id=user_id, lang=prefs.language, theme=prefs.theme,
                  daily_new_limit=prefs.daily_new_limit, desired_retention=prefs.desired_retention,
                  daily_review_limit=prefs.daily_review_limit, interview_date=prefs.interview_date,
                  interview_topics=tuple(prefs.interview_topics or ()), user_name=user_name, is_admin=is_admin)


_SETTINGS = UserSettings.__table__  # type: ignore[attr-defined]
# Every request reads these: one Core statement built once (an ORM Session.get costs four times as much).
_PREFERENCES = select(
    _SETTINGS.c.language, _SETTINGS.c.theme, _SETTINGS.c.daily_new_limit, _SETTINGS.c.desired_retention,
    _SETTINGS.c.daily_review_limit, _SETTINGS.c.interview_date, _SETTINGS.c.interview_topics,
).where(_SETTINGS.c.user_id == bindparam("user_id"))


def read_viewer(engine: Engine, user_id: int, *, user_name: str = "local", is_admin: bool = True) -> Viewer:
    """The learner's preferences as a Viewer, on a connection of its own that is handed back before this returns
    (the defaults: the single-user mode's local user, who is the admin of a group of one)."""
    with engine.connect() as connection:
        row = connection.execute(_PREFERENCES, {"user_id": user_id}).first()
    if row is None:
        return Viewer(user_id=user_id, user_name=user_name, is_admin=is_admin)
    lang, theme, new_limit, retention, review_limit, interview_date, topics = row
    return Viewer(user_id=user_id, lang=lang, theme=theme, daily_new_limit=new_limit, desired_retention=retention,
                  daily_review_limit=review_limit, interview_date=interview_date,
                  interview_topics=tuple(topics or ()), user_name=user_name, is_admin=is_admin)


def current_viewer(request: Request) -> Viewer | None:
    """The viewer of this request without waiting for one: the signed-in learner the gate found (team mode), else
    None (single-user mode: read_viewer; team mode: nobody is signed in)."""
    found = request.scope.get(VIEWER_SCOPE_KEY)
    return found if isinstance(found, Viewer) else None


@dataclass(frozen=True)
class _UnreadViewer:
    """The local learner, not read yet: the route's wrapper (SessionReleasingRoute) reads them in the route's own
    thread, so a request waits for one worker thread, not two (a sync dependency gets a thread of its own)."""

    engine: Engine
    user_id: int
    user_name: str

    def read(self) -> Viewer:
        return read_viewer(self.engine, self.user_id, user_name=self.user_name)


async def get_viewer(request: Request) -> Viewer:
    """The signed-in learner (team mode), else the local learner, whose preferences the route's wrapper reads in the
    route's thread (nothing here touches the database: this runs on the event loop)."""
    found = current_viewer(request)
    if found is not None:
        return found
    settings: Settings = request.app.state.settings
    if settings.accounts:  # only public routes get here unsigned-in, and none of them asks for a learner
        raise HTTPException(401, "需要登录 / sign-in required")
    unread = _UnreadViewer(request.app.state.engine, request.app.state.local_user_id, settings.default_user)
    return unread  # type: ignore[return-value]  # a Viewer by the time the route sees it


@dataclass(frozen=True)
class Learner:
    """Who is asking, known without touching the database: the learner's id, and in team mode the Viewer the accounts
    gate read. For an async route that does its own reading off the event loop (grading through the group commit)."""

    signed_in: Viewer | None
    unread: _UnreadViewer | None

    @property
    def user_id(self) -> int:
        found = self.signed_in or self.unread
        assert found is not None
        return found.user_id

    def viewer(self) -> Viewer:
        """The full Viewer (the local learner's preferences are read here: call it in a worker thread)."""
        if self.signed_in is not None:
            return self.signed_in
        assert self.unread is not None
        return self.unread.read()


async def get_learner(request: Request) -> Learner:
    found: Viewer | _UnreadViewer = await get_viewer(request)
    if isinstance(found, _UnreadViewer):
        return Learner(signed_in=None, unread=found)
    return Learner(signed_in=found, unread=None)


# scope="function": closed when the route returns (its response built), not after the response has been sent.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
ViewerDep = Annotated[Viewer, Depends(get_viewer)]
LearnerDep = Annotated[Learner, Depends(get_learner)]


# An integer id or position in a path, or an offset: above SQLite's INTEGER it could never name a row.
RowId = Annotated[int, Path(ge=0, le=MAX_SQL_INT)]
