"""PrepLab's tables (SQLModel). The schema itself changes only through Alembic migrations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Date, DateTime, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _text(*, default: str = "") -> Any:
    return Field(default=default, sa_column=Column(Text, nullable=False, default=default))


def _json(*, default_factory: Any = list) -> Any:
    return Field(default_factory=default_factory, sa_column=Column(JSON, nullable=False))


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))
    # Team mode (PREPLAB_ACCOUNTS=1, app/accounts): an argon2 hash (None: cannot sign in), admin | learner.
    password_hash: str | None = Field(default=None, max_length=255)
    role: str = Field(default="learner", max_length=16)
    disabled: bool = False


class AuthSession(SQLModel, table=True):
    """A signed-in browser: only the SHA-256 of its cookie's random token is kept, so a copy of the database signs
    no one in; revoked at sign-out, when the user is disabled, or when their password is reset."""

    __tablename__ = "auth_session"
    __table_args__ = (Index("ux_auth_session_token_hash", "token_hash", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_seen_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class SignInAttempt(SQLModel, table=True):
    """One try at signing in, kept in the database so that the back-off holds across every worker process."""

    __tablename__ = "sign_in_attempt"
    __table_args__ = (
        Index("ix_sign_in_attempt_user_time", "user_name", "attempted_at"),
        Index("ix_sign_in_attempt_client_time", "client", "attempted_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_name: str = Field(max_length=80)
    client: str = Field(max_length=64)  # the client's address
    attempted_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    succeeded: bool


class Bank(SQLModel, table=True):
    """A question bank: one canonical file in content/banks/ or one foreign document."""

    id: str = Field(primary_key=True, max_length=120)
    title: str = Field(max_length=300)
    description: str = _text()
    path: str = Field(default="", max_length=500)
    canonical: bool = True
    position: int = 0
    imported_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


class Question(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=120)
    bank_id: str = Field(foreign_key="bank.id", index=True, max_length=120)
    position: int = 0
    kind: str = Field(max_length=8, index=True)  # mcq | open | code
    title: str = _text()
    prompt: str = _text()
    answer: str = _text()  # the answer PrepLab shows: the model answer, or the document's own without one
    explanation: str = _text()  # shown with the answer ("" when a model answer replaces the document's)
    original_answer: str = _text()  # the document's own answer, kept verbatim as a source
    original_explanation: str = _text()
    has_model_answer: bool = False
    model_references: list[str] = _json()  # what the model answer's claims rest on
    difficulty: int | None = Field(default=None, index=True)
    topic: str | None = Field(default=None, index=True, max_length=120)
    skill: str | None = Field(default=None, max_length=200)
    unanswered: bool = False
    retired: bool = Field(default=False, index=True)
    content_hash: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))
    retired_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class QuestionSource(SQLModel, table=True):
    """A place in an original document where a question was asked."""

    __tablename__ = "question_source"
    id: int | None = Field(default=None, primary_key=True)
    question_id: str = Field(foreign_key="question.id", index=True, max_length=120)
    position: int = 0
    document: str = Field(max_length=300)
    line: int


class Choice(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    question_id: str = Field(foreign_key="question.id", index=True, max_length=120)
    position: int = 0
    label: str = Field(max_length=8)
    text: str = _text()
    correct: bool = False


class KeyPoint(SQLModel, table=True):
    __tablename__ = "key_point"
    id: int | None = Field(default=None, primary_key=True)
    question_id: str = Field(foreign_key="question.id", index=True, max_length=120)
    position: int = 0
    text: str = _text()


class Alternate(SQLModel, table=True):
    """Another document's answer to a merged question."""

    id: int | None = Field(default=None, primary_key=True)
    question_id: str = Field(foreign_key="question.id", index=True, max_length=120)
    position: int = 0
    answer: str = _text()
    document: str = Field(max_length=300)
    line: int


class Correction(SQLModel, table=True):
    """An error in a shown answer (alternate_id null) or in an alternate, with what is right and why."""

    id: int | None = Field(default=None, primary_key=True)
    question_id: str = Field(foreign_key="question.id", index=True, max_length=120)
    alternate_id: int | None = Field(default=None, foreign_key="alternate.id", index=True)
    position: int = 0
    text: str = _text()
    sources: list[str] = _json()
    lab: str | None = Field(default=None, max_length=80)  # a lab whose measurements back the correction
    quote: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # the wrong claim, verbatim


class TextFix(SQLModel, table=True):
    """A corrupted line of a source document as it read (original) and as the bank repairs it (fixed)."""

    __tablename__ = "text_fix"
    id: int | None = Field(default=None, primary_key=True)
    question_id: str = Field(foreign_key="question.id", index=True, max_length=120)
    position: int = 0
    original: str = _text()
    fixed: str = _text()
    source_document: str = Field(max_length=300)
    source_line: int


class Concept(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=80)
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    topic: str = Field(index=True, max_length=120)
    summary: str = _text()
    aliases: list[str] = _json()
    related: list[str] = _json()
    labs: list[str] = _json()
    position: int = 0


class QuestionConcept(SQLModel, table=True):
    __tablename__ = "question_concept"
    question_id: str = Field(foreign_key="question.id", primary_key=True, max_length=120)
    concept_id: str = Field(foreign_key="concept.id", primary_key=True, index=True, max_length=80)
    position: int = 0


class ReviewCard(SQLModel, table=True):
    """The learner's FSRS state for one question (fsrs.Card's fields)."""

    __tablename__ = "review_card"
    __table_args__ = (UniqueConstraint("user_id", "question_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    question_id: str = Field(foreign_key="question.id", index=True, max_length=120)
    state: int = 1  # fsrs.State: 1 learning, 2 review, 3 relearning
    step: int | None = 0
    stability: float | None = None
    difficulty: float | None = None
    due: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), index=True))
    last_review: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    reps: int = 0
    lapses: int = 0


class ReviewLog(SQLModel, table=True):
    """One grade, written in the same transaction as the card state it produced."""

    __tablename__ = "review_log"
    __table_args__ = (
        Index("ix_review_log_user_time", "user_id", "reviewed_at"),
        Index("ux_review_log_idempotency_key", "idempotency_key", unique=True),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    question_id: str = Field(foreign_key="question.id", index=True, max_length=120)
    rating: int  # 1 Again, 2 Hard, 3 Good, 4 Easy
    reviewed_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))
    duration_ms: int | None = None
    origin: str = Field(default="review", max_length=16)  # review | quiz | mock
    card_before: dict[str, Any] = _json(default_factory=dict)
    # Whether this outcome moved the FSRS schedule (quizzing ahead of a due date does not).
    scheduled: bool = True
    # One grade of one card version: "{user}:{question}:{reps}"; a double submit hits the unique index.
    idempotency_key: str | None = Field(default=None, max_length=200)


class UserSettings(SQLModel, table=True):
    """A learner's preferences and fitted FSRS parameters."""

    __tablename__ = "user_settings"
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    daily_new_limit: int = 20
    desired_retention: float = 0.9
    language: str = Field(default="zh", max_length=8)  # zh | en
    theme: str = Field(default="auto", max_length=8)  # auto | light | dark
    fsrs_parameters: list[float] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # Cards in review state shown per day at most; the rest of a backlog waits for the next days (app/review/queue).
    daily_review_limit: int = 100
    interview_date: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    interview_topics: list[str] = _json()  # what the interview covers; [] = every topic
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


class LearnerQuestion(SQLModel, table=True):
    """What one learner did to one question besides grading it: suspended, buried, flagged, their own wording."""

    __tablename__ = "learner_question"
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    question_id: str = Field(foreign_key="question.id", primary_key=True, max_length=120)
    suspended: bool = False
    # Buried until this instant (the start of the learner's next day); past instants mean nothing.
    buried_until: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    flag: int | None = None  # 1 red, 2 orange, 3 green, 4 blue (Anki's first four)
    own_prompt: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # the learner's wording
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


class QuizSession(SQLModel, table=True):
    __tablename__ = "quiz_session"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    settings: dict[str, Any] = _json(default_factory=dict)
    question_ids: list[str] = _json()
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))
    finished_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class QuizAnswer(SQLModel, table=True):
    __tablename__ = "quiz_answer"
    __table_args__ = (UniqueConstraint("quiz_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    quiz_id: int = Field(foreign_key="quiz_session.id", index=True)
    position: int
    question_id: str = Field(foreign_key="question.id", max_length=120)
    choice: str | None = Field(default=None, max_length=16)
    answer: str = _text()
    key_points_covered: list[int] = _json()
    correct: bool | None = None
    self_grade: int | None = None  # 1-4 for open and code questions
    answered_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


class Note(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("user_id", "question_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    question_id: str = Field(foreign_key="question.id", index=True, max_length=120)
    body: str = _text()
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


class Bookmark(SQLModel, table=True):
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    question_id: str = Field(foreign_key="question.id", primary_key=True, max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


class MockInterview(SQLModel, table=True):
    __tablename__ = "mock_interview"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    title: str = Field(default="", max_length=200)
    settings: dict[str, Any] = _json(default_factory=dict)
    started_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))
    deadline: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class MockAnswer(SQLModel, table=True):
    __tablename__ = "mock_answer"
    __table_args__ = (UniqueConstraint("interview_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    interview_id: int = Field(foreign_key="mock_interview.id", index=True)
    position: int
    question_id: str = Field(foreign_key="question.id", max_length=120)
    answer: str = _text()
    choice: str | None = Field(default=None, max_length=8)
    flagged: bool = False
    self_grade: int | None = None
    time_spent_ms: int = 0
    saved_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    revision: int = 0  # the client's edit counter of the stored text: an older write never replaces a newer one


class LabRun(SQLModel, table=True):
    __tablename__ = "lab_run"
    # One running run per device across every worker process and server on this database (app/labs/queue.py claims
    # the next queued run under a lock; the index is the guarantee).
    __table_args__ = (
        Index("ux_lab_run_running_device", "device", unique=True, sqlite_where=text("status = 'running'"),
              postgresql_where=text("status = 'running'")),
        Index("ix_lab_run_status", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    lab: str = Field(index=True, max_length=80)
    status: str = Field(default="queued", max_length=16)  # queued | running | done | failed | cancelled
    reference: bool = False  # shipped with PrepLab, measured on a named GPU
    device: str = Field(default="", max_length=200)
    params: dict[str, Any] = _json(default_factory=dict)
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    error: str = _text()
    started_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))
    finished_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    # A reference result is never deleted (the next start would bring it back): it is hidden, for everyone on this
    # PrepLab, since lab results belong to the installation rather than to one learner.
    hidden: bool = False
    # While a run started by a server is active: the child's pid (= its process group: start_new_session), the
    # server's pid and a random token in the child's environment (PREPLAB_LAB_RUN), which tells our child from
    # another process that has since been given the same pid. Cleared when the run ends.
    pid: int | None = None
    server_pid: int | None = None
    run_token: str | None = Field(default=None, max_length=64)
    # Who started or uploaded the run; None: everyone's (the shipped references, runs from before accounts).
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    # The server process that runs it (app/labs/processes.server_identity: host, boot, pid, start time), so that any
    # worker can tell a run whose server died; a stop asked by another worker; the newest progress, for every worker.
    server: str | None = Field(default=None, max_length=300)
    stop_reason: str | None = Field(default=None, max_length=16)
    progress: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class SharedState(SQLModel, table=True):
    """A counter every worker process reads: `content` is bumped by each import, in the import's transaction, and a
    worker that sees a new value drops its in-process caches (app/shared_state.py)."""

    __tablename__ = "shared_state"
    name: str = Field(primary_key=True, max_length=40)
    revision: int = 0
    changed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class PageRevision(SQLModel, table=True):
    """How many times a learner's page data has changed (user 0: rows of no learner's), counted by triggers on the
    tables cached pages read (app/page_revision.py); a cached page is current while the counts it was made under
    are unchanged."""

    __tablename__ = "page_revision"
    user_id: int = Field(primary_key=True)  # no foreign key: 0 names no user
    revision: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
