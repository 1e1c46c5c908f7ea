"""Request-scoped dependencies: the database session, the app's settings and the viewer (user + preferences).

None of them holds a database connection while the request waits for a worker thread. The request's Session is
made and closed on the event loop (an async dependency, closed as soon as the route returns): it connects only
when the route, in its worker thread, first asks it something, and hands the connection back without waiting for
a thread. The viewer is read in a short session of its own, closed before the route runs. So the connections in
use are at most the busy worker threads (plus the lab runner's), and the pool is sized from the thread count
(app/db.py pool_size_for, PREPLAB_WORKER_THREADS)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy import Engine
from sqlmodel import Session

from app.models import UserSettings
from app.settings import Settings
from app.validation import MAX_SQL_INT


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


def read_viewer(engine: Engine, user_id: int) -> Viewer:
    """The learner's preferences as a Viewer, in a session of its own that is closed before this returns."""
    with Session(engine) as session:
        prefs = session.get(UserSettings, user_id)
    if prefs is None:
        return Viewer(user_id=user_id)
    return Viewer(user_id=user_id, lang=prefs.language, theme=prefs.theme,
                  daily_new_limit=prefs.daily_new_limit, desired_retention=prefs.desired_retention,
                  daily_review_limit=prefs.daily_review_limit, interview_date=prefs.interview_date,
                  interview_topics=tuple(prefs.interview_topics or ()))


def get_viewer(request: Request) -> Viewer:
    return read_viewer(request.app.state.engine, request.app.state.local_user_id)


# scope="function": closed when the route returns (its response built), not after the response has been sent.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
ViewerDep = Annotated[Viewer, Depends(get_viewer)]


# An integer id or position in a path, or an offset: above SQLite's INTEGER it could never name a row.
RowId = Annotated[int, Path(ge=0, le=MAX_SQL_INT)]
