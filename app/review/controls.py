"""Anki's everyday controls on one question: suspend (out of the queue until unsuspended), bury (out until the
learner's next day), flag (a colour), and the learner's own wording of the question shown on the card.

None of them touches the FSRS card: a suspended or buried card keeps its due date, stability and history, and comes
back exactly where it was. Each change is committed before the caller answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from sqlmodel import Session, col, select

from app.clock import as_utc, day_bounds, local_day, utcnow
from app.models import LearnerQuestion, Question
from app.review.errors import UnknownQuestion

FLAGS: dict[int, str] = {1: "red", 2: "orange", 3: "green", 4: "blue"}
FLAG_NUMBERS: dict[str, int] = {name: number for number, name in FLAGS.items()}
OWN_PROMPT_MAX_CHARS = 20_000


@dataclass(frozen=True)
class Controls:
    """The learner's controls on one question, as pages and the JSON API show them."""

    question_id: str
    suspended: bool = False
    buried_until: datetime | None = None  # set only while it is still in the future
    flag: int | None = None
    own_prompt: str | None = None

    @property
    def buried(self) -> bool:
        return self.buried_until is not None

    @property
    def flag_name(self) -> str | None:
        return FLAGS.get(self.flag) if self.flag else None

    def json(self) -> dict[str, object]:
        return {"question_id": self.question_id, "suspended": self.suspended, "buried": self.buried,
                "buried_until": self.buried_until.isoformat() if self.buried_until else None,
                "flag": self.flag_name, "own_prompt": self.own_prompt}


def _utc(now: datetime | None) -> datetime:
    return (now or utcnow()).astimezone(UTC)


def _view(question_id: str, row: LearnerQuestion | None, now: datetime) -> Controls:
    if row is None:
        return Controls(question_id=question_id)
    return controls_from(question_id, suspended=row.suspended, buried_until=row.buried_until, flag=row.flag,
                         own_prompt=row.own_prompt, now=now)


def controls_from(question_id: str, *, suspended: bool, buried_until: datetime | None, flag: int | None,
                  own_prompt: str | None, now: datetime | None = None) -> Controls:
    """Controls from a learner_question row's values (a page that reads them in a query of its own)."""
    until = as_utc(buried_until)
    return Controls(question_id=question_id, suspended=bool(suspended),
                    buried_until=until if until is not None and until > _utc(now) else None,
                    flag=flag, own_prompt=own_prompt)


def controls(*, session: Session, user_id: int, question_id: str, now: datetime | None = None) -> Controls:
    row = session.get(LearnerQuestion, (user_id, question_id))
    return _view(question_id, row, _utc(now))


def controls_for(*, session: Session, user_id: int, question_ids: list[str],
                 now: datetime | None = None) -> dict[str, Controls]:
    """Controls of many questions in one query (lists, the topic page)."""
    moment = _utc(now)
    rows = session.exec(select(LearnerQuestion).where(col(LearnerQuestion.user_id) == user_id,
                                                      col(LearnerQuestion.question_id).in_(question_ids))).all()
    return {row.question_id: _view(row.question_id, row, moment) for row in rows}


def _change(session: Session, user_id: int, question_id: str, now: datetime, **values: object) -> Controls:
    question = session.get(Question, question_id)
    if question is None:
        raise UnknownQuestion(question_id=question_id)
    row = session.get(LearnerQuestion, (user_id, question_id)) or LearnerQuestion(
        user_id=user_id, question_id=question_id)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = now
    session.add(row)
    session.commit()
    session.refresh(row)
    return _view(question_id, row, now)


def set_suspended(*, session: Session, user_id: int, question_id: str, suspended: bool,
                  now: datetime | None = None) -> Controls:
    """Suspend (out of every review queue until unsuspended) or unsuspend; the FSRS card is left as it is."""
    return _change(session, user_id, question_id, _utc(now), suspended=suspended)


def next_day_start(now: datetime, zone: tzinfo) -> datetime:
    _start, end = day_bounds(local_day(now, zone), zone)
    return end


def set_buried(*, session: Session, user_id: int, question_id: str, buried: bool, zone: tzinfo,
               now: datetime | None = None) -> Controls:
    """Bury until the learner's next day starts (in their zone), or unbury now."""
    moment = _utc(now)
    return _change(session, user_id, question_id, moment, buried_until=next_day_start(moment, zone) if buried else None)


def set_flag(*, session: Session, user_id: int, question_id: str, flag: int | None,
             now: datetime | None = None) -> Controls:
    if flag is not None and flag not in FLAGS:
        raise ValueError(f"flag must be one of {sorted(FLAGS)} or None, not {flag!r}")
    return _change(session, user_id, question_id, _utc(now), flag=flag)


def next_flag(flag: int | None) -> int | None:
    """The flag after this one when cycling with the keyboard: none → red → orange → green → blue → none."""
    if flag is None:
        return 1
    return flag + 1 if flag + 1 in FLAGS else None


def set_own_prompt(*, session: Session, user_id: int, question_id: str, text: str | None,
                   now: datetime | None = None) -> Controls:
    """Keep the learner's own wording of the question; blank, or the bank's wording unchanged, removes it."""
    question = session.get(Question, question_id)
    if question is None:
        raise UnknownQuestion(question_id=question_id)
    cleaned = (text or "").strip()
    if len(cleaned) > OWN_PROMPT_MAX_CHARS:
        raise ValueError(f"own wording is at most {OWN_PROMPT_MAX_CHARS} characters")
    if cleaned in ("", question.prompt.strip()):
        cleaned = ""
    return _change(session, user_id, question_id, _utc(now), own_prompt=cleaned or None)


@dataclass(frozen=True)
class MarkedQuestion:
    question_id: str
    title: str
    topic: str | None
    controls: Controls


def marked_questions(*, session: Session, user_id: int, now: datetime | None = None) -> list[MarkedQuestion]:
    """Every question the learner suspended, buried (still), flagged or reworded, most recently changed first."""
    moment = _utc(now)
    rows = session.exec(
        select(LearnerQuestion, Question.title, Question.topic)
        .join(Question, col(Question.id) == col(LearnerQuestion.question_id))
        .where(col(LearnerQuestion.user_id) == user_id)
        .order_by(col(LearnerQuestion.updated_at).desc())
    ).all()
    marked = []
    for row, title, topic in rows:
        view = _view(row.question_id, row, moment)
        if view.suspended or view.buried or view.flag or view.own_prompt:
            marked.append(MarkedQuestion(question_id=row.question_id, title=title, topic=topic, controls=view))
    return marked

