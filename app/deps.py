"""Request-scoped dependencies: the database session, the app's settings and the viewer (user + preferences)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlmodel import Session

from app.models import UserSettings
from app.settings import Settings
from app.validation import MAX_SQL_INT


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


def get_app_settings(request: Request) -> Settings:
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


def get_viewer(request: Request, session: Annotated[Session, Depends(get_session)]) -> Viewer:
    user_id: int = request.app.state.local_user_id
    prefs = session.get(UserSettings, user_id)
    if prefs is None:
        return Viewer(user_id=user_id)
    return Viewer(user_id=user_id, lang=prefs.language, theme=prefs.theme,
                  daily_new_limit=prefs.daily_new_limit, desired_retention=prefs.desired_retention,
                  daily_review_limit=prefs.daily_review_limit, interview_date=prefs.interview_date,
                  interview_topics=tuple(prefs.interview_topics or ()))


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
ViewerDep = Annotated[Viewer, Depends(get_viewer)]


# An integer id or position in a path, or an offset: above SQLite's INTEGER it could never name a row.
RowId = Annotated[int, Path(ge=0, le=MAX_SQL_INT)]
