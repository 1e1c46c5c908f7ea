"""Writers of one SQLite file in one process queue on a lock (app/sqlite_writes.py): held from a connection's first
write to the end of its transaction, never by a reader, always handed back (commit, rollback, close, a failed
statement), and never waited for past the busy timeout."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from app.db import make_engine
from app.sqlite_writes import GatedConnection, gate_for
from tests.backends import sqlite_only

pytestmark = sqlite_only("SQLite's one writer at a time")


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    made = make_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    with made.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)"))
    return made


def _gate(engine: Engine) -> threading.Lock:
    return gate_for(str(Path(engine.url.database or "").resolve()))


def test_the_gate_is_held_from_the_first_write_to_the_end_of_the_transaction(engine: Engine) -> None:
    gate = _gate(engine)
    with engine.connect() as connection:
        assert isinstance(connection.connection.dbapi_connection, GatedConnection)
        connection.execute(text("SELECT count(*) FROM t"))
        assert not gate.locked()  # a read takes nothing
        connection.execute(text("INSERT INTO t (v) VALUES (1)"))
        assert gate.locked()
        connection.commit()
        assert not gate.locked()
        connection.execute(text("UPDATE t SET v = 2"))
        assert gate.locked()
        connection.rollback()
        assert not gate.locked()
        with pytest.raises(Exception, match="NOT NULL"):
            connection.execute(text("INSERT INTO t (v) VALUES (NULL)"))
        connection.rollback()
        assert not gate.locked()
        connection.execute(text("DELETE FROM t"))
    assert not gate.locked()  # handed back when the connection went back to the pool (its reset rolls back)


def test_concurrent_writers_all_write_and_nothing_is_lost(engine: Engine) -> None:
    def write(worker: int) -> None:
        for step in range(40):
            with engine.begin() as connection:
                connection.execute(text("SELECT count(*) FROM t"))  # a read first, as a grade does
                connection.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": worker * 1000 + step})

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar_one() == 240
    assert not _gate(engine).locked()


def test_a_thread_writing_through_two_connections_waits_only_the_busy_timeout(engine: Engine) -> None:
    """The second connection cannot get the gate its own thread holds: after the (here shortened) wait it goes on
    and meets SQLite's lock, as it would without the gate, instead of hanging."""
    with engine.connect() as first, engine.connect() as second:
        first.execute(text("INSERT INTO t (v) VALUES (1)"))
        raw = second.connection.dbapi_connection
        assert isinstance(raw, GatedConnection)
        raw.wait_s = 0.2
        second.exec_driver_sql("PRAGMA busy_timeout=100")
        started = time.monotonic()
        with pytest.raises(Exception, match="locked"):
            second.execute(text("INSERT INTO t (v) VALUES (2)"))
        assert time.monotonic() - started < 5
        second.rollback()
        first.commit()
    assert not _gate(engine).locked()
