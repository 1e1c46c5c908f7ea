"""The database engine factory, SQLite pragmas, sessions and Alembic upgrades."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from app.backup import BackupPolicy, automatic_backup, database_file
from app.settings import PROJECT_ROOT

# Connections beyond the route threads': the lab runner's progress writer, a scheduled backup, start-up work.
POOL_SPARE = 4


def pool_size_for(worker_threads: int) -> tuple[int, int]:
    """(pool_size, max_overflow) for `worker_threads` route threads: each thread holds at most one connection at a
    time and no request holds one while it waits for a thread (app/deps.py), so threads + spare never run out; the
    overflow covers the moment between a route's end and its session's close on the event loop."""
    return worker_threads + POOL_SPARE, worker_threads


def make_engine(database_url: str, *, echo: bool = False, synchronous: str = "FULL",
                worker_threads: int | None = None) -> Engine:
    """The one engine factory. `synchronous` is SQLite's: FULL (the default) syncs the WAL at every commit, so a
    grade, an autosave or a note that was acknowledged survives a power cut, not only a crash of PrepLab.
    `worker_threads`: the server's route threads, which size the connection pool (pool_size_for)."""
    if synchronous not in ("FULL", "NORMAL"):
        raise ValueError(f"synchronous must be FULL or NORMAL, not {synchronous!r}")
    connect_args: dict[str, Any] = {}
    if database_url.startswith("sqlite"):
        # FastAPI serves requests from a thread pool; one connection is never shared concurrently.
        connect_args["check_same_thread"] = False
    extra: dict[str, Any] = {}
    if database_url in ("sqlite://", "sqlite:///:memory:"):
        # An in-memory database lives in its connection: every session must share that one.
        extra["poolclass"] = StaticPool
    elif worker_threads is not None:
        extra["pool_size"], extra["max_overflow"] = pool_size_for(worker_threads)
    engine = create_engine(database_url, echo=echo, connect_args=connect_args, **extra)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", lambda connection, record: _sqlite_pragmas(connection, synchronous))
    return engine


def _sqlite_pragmas(dbapi_connection: Any, synchronous: str) -> None:
    cursor = dbapi_connection.cursor()
    is_memory = cursor.execute("PRAGMA database_list").fetchone()[2] in ("", None)
    if not is_memory:
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
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


def upgrade_database(engine: Engine, *, backups: BackupPolicy | None = None) -> None:
    """Bring the schema to the newest Alembic revision, on the engine's own connection; with `backups`, a database
    that holds data and is behind the code is backed up first (SQLite's online backup API)."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    database = database_file(engine.url.render_as_string(hide_password=False))
    if backups is not None and database is not None and database.exists():
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        if current is not None and current != ScriptDirectory.from_config(config).get_current_head():
            automatic_backup(database, backups, "migration")
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
