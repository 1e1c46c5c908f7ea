"""A learner's preferences: daily new-card and review limits, desired retention, interface language and theme, and
the interview the study plan aims at (its date and topics)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import ConfigDict, Field
from sqlmodel import Session, col, select

from app.models import Question, UserSettings, utcnow
from app.validation import RequestBody, StrictInt


class PreferencesUpdate(RequestBody):
    """Fields a learner may change; omitted fields stay as they are (and unknown ones are ignored, so a client may
    send back what GET /api/settings gave it)."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)

    daily_new_limit: StrictInt | None = Field(default=None, ge=0, le=500)
    desired_retention: float | None = Field(default=None, ge=0.7, le=0.99)
    language: Literal["zh", "en"] | None = None
    theme: Literal["auto", "light", "dark"] | None = None
    daily_review_limit: StrictInt | None = Field(default=None, ge=1, le=9999)
    interview_date: date | None = Field(default=None, description="ISO date of the interview; null clears it")
    interview_topics: list[str] | None = Field(default=None, max_length=100,
                                               description="topics the interview covers; [] = every topic")


# Fields where an explicit null means "clear it" rather than "leave it as it is".
CLEARABLE = frozenset({"interview_date"})


class UnknownTopics(ValueError):
    def __init__(self, topics: list[str]) -> None:
        self.topics = topics
        super().__init__(", ".join(topics))


def preferences(*, session: Session, user_id: int) -> UserSettings:
    """The learner's preferences row, created with defaults on first use."""
    row = session.get(UserSettings, user_id)
    if row is None:
        row = UserSettings(user_id=user_id)
        session.add(row)
        session.flush()
    return row


def _check_topics(session: Session, topics: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(topic.strip() for topic in topics if topic.strip()))
    known = set(session.exec(select(Question.topic).where(col(Question.topic).in_(cleaned))).all())
    unknown = [topic for topic in cleaned if topic not in known]
    if unknown:
        raise UnknownTopics(unknown)
    return cleaned


def update_preferences(*, session: Session, user_id: int, update: PreferencesUpdate) -> UserSettings:
    """Apply the fields the update sets (UnknownTopics for an interview topic no question has)."""
    row = preferences(session=session, user_id=user_id)
    for key, value in update.model_dump(exclude_unset=True).items():
        if value is None and key not in CLEARABLE:
            continue
        if key == "interview_topics":
            value = _check_topics(session, value)
        setattr(row, key, value)
    row.updated_at = utcnow()
    session.add(row)
    session.commit()
    session.refresh(row)
    return row
