"""A learner's preferences: daily new-card limit, desired retention, interface language and theme."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from sqlmodel import Session

from app.models import UserSettings, utcnow


class PreferencesUpdate(BaseModel):
    """Fields a learner may change; omitted fields stay as they are."""

    daily_new_limit: int | None = Field(default=None, ge=0, le=500)
    desired_retention: float | None = Field(default=None, ge=0.7, le=0.99)
    language: Literal["zh", "en"] | None = None
    theme: Literal["auto", "light", "dark"] | None = None


def preferences(*, session: Session, user_id: int) -> UserSettings:
    """The learner's preferences row, created with defaults on first use."""
    row = session.get(UserSettings, user_id)
    if row is None:
        row = UserSettings(user_id=user_id)
        session.add(row)
        session.flush()
    return row


def update_preferences(*, session: Session, user_id: int, update: PreferencesUpdate) -> UserSettings:
    row = preferences(session=session, user_id=user_id)
    for key, value in update.model_dump(exclude_none=True).items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    session.add(row)
    session.commit()
    session.refresh(row)
    return row
