"""The database engine factory, SQLite pragmas, sessions and Alembic upgrades."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event, make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from app import sqlite_writes
from app.backup import BackupPolicy, automatic_backup, database_file
from app.settings import PROJECT_ROOT
from app.sqlite_writes import GatedConnection

# Connections beyond the route threads': the lab runner's progress writer, a scheduled backup, start-up work, the
# group commit (app/group_commit.py) and the page cache's revision reader (app/page_cache.py): each holds one only
# while it reads or writes, and the overflow covers a moment when all are busy at once.
POOL_SPARE = 4


def pool_size_for(worker_threads: int) -> tuple[int, int]:
    """(pool_size, max_overflow) for `worker_threads` route threads: each thread holds at most one connection at a
    time and no request holds one while it waits for a thread (app/deps.py), so threads + spare never run out; the
    overflow covers the moment between a route's end and its session's close on the event loop."""
    return worker_threads + POOL_SPARE, worker_threads


def driver_url(database_url: str) -> str:
    """The URL with PrepLab's driver named: `postgresql://` (and `postgres://`) mean psycopg 3, not SQLAlchemy's
    default psycopg2, which PrepLab does not depend on. Other URLs are returned as they are."""
    for scheme in ("postgresql://", "postgres://"):
        if database_url.startswith(scheme):
            return "postgresql+psycopg://" + database_url.removeprefix(scheme)
    return database_url


def is_postgres(database_url: str) -> bool:
    return make_url(driver_url(database_url)).get_backend_name() == "postgresql"


def make_engine(database_url: str, *, echo: bool = False, synchronous: str = "FULL",
                worker_threads: int | None = None) -> Engine:
    """The one engine factory. `synchronous` is SQLite's: FULL (the default) syncs the WAL at every commit, so a
    grade, an autosave or a note that was acknowledged survives a power cut, not only a crash of PrepLab.
    `worker_threads`: the server's route threads, which size the connection pool (pool_size_for), on SQLite and
    PostgreSQL alike."""
    if synchronous not in ("FULL", "NORMAL"):
        raise ValueError(f"synchronous must be FULL or NORMAL, not {synchronous!r}")
    database_url = driver_url(database_url)
    connect_args: dict[str, Any] = {}
    if database_url.startswith("sqlite"):
        # FastAPI serves requests from a thread pool; one connection is never shared concurrently.
        connect_args["check_same_thread"] = False
        connect_args["factory"] = GatedConnection  # writers queue on a lock, not in SQLite's sleeps
    elif is_postgres(database_url):
        # Timestamps come back as UTC instants whatever the server's zone, as SQLite's do (app/clock.py).
        connect_args["options"] = "-c timezone=UTC"
    extra: dict[str, Any] = {}
    if database_url in ("sqlite://", "sqlite:///:memory:"):
        # An in-memory database lives in its connection: every session must share that one.
        extra["poolclass"] = StaticPool
    elif worker_threads is not None:
        extra["pool_size"], extra["max_overflow"] = pool_size_for(worker_threads)
    engine = create_engine(database_url, echo=echo, connect_args=connect_args, **extra)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", lambda connection, record: _sqlite_pragmas(connection, synchronous))
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "before_cursor_execute", _without_nul, retval=True)
    return engine


def _no_nul(value: Any) -> Any:
    return value.replace("\x00", "\ufffd") if isinstance(value, str) and "\x00" in value else value


def _without_nul(connection: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                 executemany: bool) -> tuple[str, Any]:
    """PostgreSQL's text cannot hold U+0000 (psycopg refuses it, and the request would end in a 500): a NUL in a
    value a learner sent becomes U+FFFD, the character that stands for one that cannot be represented. An id or a
    filter holding one then simply matches nothing, as it does on SQLite."""
    def clean(values: Any) -> Any:
        if isinstance(values, dict):
            return {key: _no_nul(value) for key, value in values.items()}
        if isinstance(values, (list, tuple)):
            return type(values)(_no_nul(value) for value in values)
        return values

    if executemany and isinstance(parameters, (list, tuple)):
        return statement, [clean(values) for values in parameters]
    return statement, clean(parameters)


BUSY_TIMEOUT_MS = 5000


def _sqlite_pragmas(dbapi_connection: Any, synchronous: str) -> None:
    cursor = dbapi_connection.cursor()
    path = cursor.execute("PRAGMA database_list").fetchone()[2]
    if path not in ("", None):
        cursor.execute("PRAGMA journal_mode=WAL")
        sqlite_writes.attach(dbapi_connection, path, BUSY_TIMEOUT_MS / 1000)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.close()


SEARCH_TABLE = "question_search"


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic leaves the FTS5 search index (a virtual table and its shadow tables) to its own migration."""
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_TABLE))


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", driver_url(database_url).replace("%", "%%"))  # configparser interpolation
    return config


@lru_cache(maxsize=1)
def code_head() -> str | None:
    """The newest revision in migrations/, read once per process (Alembic imports every script to find it)."""
    return ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_current_head()


def upgrade_database(engine: Engine, *, backups: BackupPolicy | None = None) -> None:
    """Bring the schema to the newest Alembic revision, on the engine's own connection; with `backups`, a database
    that holds data and is behind the code is backed up first (SQLite's online backup API)."""
    url = engine.url.render_as_string(hide_password=False)
    database = database_file(url)
    if database is None or database.exists():
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        if current is not None and current == code_head():
            return  # at head already (every start but the first after an upgrade): Alembic need not load its scripts
        if backups is not None and database is not None and current is not None:
            automatic_backup(database, backups, "migration")
    config = alembic_config(url)
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
