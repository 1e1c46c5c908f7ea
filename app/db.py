"""The database engine factory, SQLite pragmas, sessions and Alembic upgrades."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from app.settings import PROJECT_ROOT


def make_engine(database_url: str, *, echo: bool = False) -> Engine:
    connect_args: dict[str, Any] = {}
    if database_url.startswith("sqlite"):
        # FastAPI serves requests from a thread pool; one connection is never shared concurrently.
        connect_args["check_same_thread"] = False
    extra: dict[str, Any] = {}
    if database_url in ("sqlite://", "sqlite:///:memory:"):
        # An in-memory database lives in its connection: every session must share that one.
        extra["poolclass"] = StaticPool
    engine = create_engine(database_url, echo=echo, connect_args=connect_args, **extra)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    is_memory = cursor.execute("PRAGMA database_list").fetchone()[2] in ("", None)
    if not is_memory:
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


SEARCH_TABLE = "question_search"


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic leaves the FTS5 search index (a virtual table and its shadow tables) to its own migration."""
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_TABLE))


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))  # configparser interpolation
    return config


def upgrade_database(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision, on the engine's own connection."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    with Session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
