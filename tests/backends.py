"""The database the suite runs on: SQLite files by default, PostgreSQL with PREPLAB_TEST_POSTGRES_URL set.

A test names its database by a path, as it always has (`tmp_path / "preplab.db"`), and asks `database_url(path)`
for the URL: on SQLite the file itself; on PostgreSQL a database of its own on the server the variable names
(`postgresql+psycopg://user@127.0.0.1:PORT/postgres`), named after the path, created empty on first use, with an
empty file left at the path so that `path.exists()` still says whether it was made. Copies are cheap on both:
`copy_database` copies the file, or runs `CREATE DATABASE … TEMPLATE`. Every database made here is dropped when the
session ends (`drop_created`, from tests/conftest.py).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

SERVER_URL = os.environ.get("PREPLAB_TEST_POSTGRES_URL") or None
ON_POSTGRES = SERVER_URL is not None
BACKEND = "postgresql" if ON_POSTGRES else "sqlite"
# Databases made by this process are PREFIX + a token of this process + a hash of the path: runs in parallel (xdist
# workers, two checkouts) never meet, and a server shared with other work is left alone outside the prefix.
PREFIX = os.environ.get("PREPLAB_TEST_POSTGRES_PREFIX", "preplab_test_")
_TOKEN = f"{os.getpid():x}{secrets.token_hex(2)}"
_created: list[str] = []
_lock = threading.Lock()


def sqlite_only(reason: str) -> pytest.MarkDecorator:
    """Mark a test that is about SQLite itself (its file, PRAGMAs, WAL, online backup): skipped on PostgreSQL."""
    return pytest.mark.skipif(ON_POSTGRES, reason=f"SQLite only: {reason}")


def _name(path: Path) -> str:
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]
    return f"{PREFIX}{_TOKEN}_{digest}"


def _server_url(database: str) -> str:
    assert SERVER_URL is not None
    url = make_url(SERVER_URL).set(drivername="postgresql+psycopg", database=database)
    return url.render_as_string(hide_password=False)


@cache
def _admin() -> Any:
    """One autocommit connection to the server's maintenance database, for CREATE and DROP DATABASE."""
    import psycopg

    url = make_url(SERVER_URL or "").set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


@cache
def _copy_strategy() -> str:
    """FILE_COPY where the server does not sync (the throwaway cluster): about twice as fast as PostgreSQL 15's
    default WAL_LOG for a database this small; on a server that syncs, its checkpoints would cost more instead."""
    version = int(_admin().execute("SHOW server_version_num").fetchone()[0])
    fsync = _admin().execute("SHOW fsync").fetchone()[0]
    return " STRATEGY FILE_COPY" if version >= 150000 and fsync == "off" else ""


def _create(name: str, template: str | None = None) -> None:
    sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"{_copy_strategy()}' if template else "")
    with _lock:
        for attempt in range(50):
            try:
                _admin().execute(sql)
                break
            except Exception as error:  # the template is busy while a connection to it closes
                if "being accessed by other users" not in str(error) or attempt == 49:
                    raise
                time.sleep(0.1)
        _created.append(name)


def database_url(path: Path) -> str:
    """The URL of the test database named by `path` (created empty on PostgreSQL the first time it is asked for)."""
    if not ON_POSTGRES:
        return f"sqlite:///{path}"
    name = _name(path)
    if name not in _created:
        _create(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    return _server_url(name)


def copy_database(source: Path, target: Path) -> Path:
    """`target` becomes a copy of the database at `source` (which no one may be writing to meanwhile)."""
    if not ON_POSTGRES:
        shutil.copyfile(source, target)
        return target
    name = _name(target)
    if name in _created:
        drop(target)
    _create(name, template=_name(source))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.touch()
    return target


def drop(path: Path) -> None:
    """Remove the test database at `path` (its file on SQLite)."""
    if not ON_POSTGRES:
        path.unlink(missing_ok=True)
        return
    name = _name(path)
    with _lock:
        _admin().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in _created:
            _created.remove(name)
    path.unlink(missing_ok=True)


def drop_created() -> None:
    """Drop every database this process made (the end of the session)."""
    if not ON_POSTGRES or not _created:
        return
    with _lock:
        for name in list(_created):
            _admin().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _created.clear()


def untouched(path: Path) -> bool:
    """Whether nothing has made the database at `path`: no file on SQLite, no table in it on PostgreSQL (where the
    database itself exists from the moment its URL was asked for)."""
    if not ON_POSTGRES:
        return not path.exists()
    return not query(path, "SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'")


def query(path: Path, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Rows of one SQL statement against the test database at `path`, through a connection of its own that is
    closed at once (what a look from outside the server sees)."""
    engine = create_engine(database_url(path))
    try:
        with engine.begin() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params or {})]
    finally:
        engine.dispose()


_masters: dict[object, Path] = {}  # fill -> the first database this process built with it


def built_database(path: Path, fill: Callable[[Engine], object] | None = None) -> Path:
    """A template: the database at `path` migrated to head and filled by `fill` (once: it is kept if it exists),
    then closed, with SQLite's WAL folded into the file so that a plain copy of it is complete. The same `fill` makes
    the same database, so each is built once per process, in a folder of its own that no test writes to, and every
    later template of that kind is a copy of it (many modules keep a template of their own)."""
    if path.exists():
        return path
    master = _masters.get(fill)
    if master is None:
        folder = Path(tempfile.mkdtemp(prefix="preplab-templates-"))
        atexit.register(shutil.rmtree, folder, True)
        master = folder / "template.db"
        _build(master, fill)
        _masters[fill] = master
    return copy_database(master, path)


def _build(path: Path, fill: Callable[[Engine], object] | None) -> None:
    from app.db import make_engine, upgrade_database

    engine = make_engine(database_url(path))
    try:
        upgrade_database(engine)
        if fill is not None:
            fill(engine)
        if engine.dialect.name == "sqlite":
            with engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
