"""Group commit (app/group_commit.py): writes that arrive together share one transaction; each caller returns only
after the commit that holds its write, a failing write rolls back alone, and a failed commit fails every caller."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError

from app.db import make_engine
from app.group_commit import GroupCommit, for_engine
from tests.backends import sqlite_only
from tests.event_loop import run_apart

pytestmark = sqlite_only("group commit is for SQLite (PostgreSQL groups commits itself)")


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    made = make_engine(f"sqlite:///{tmp_path / 'group.db'}")
    with made.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL UNIQUE)"))
    return made


def _insert(value: int) -> Callable[[Connection], int]:
    def write(connection: Connection) -> int:
        return int(connection.execute(text("INSERT INTO t (v) VALUES (:v) RETURNING id"), {"v": value}).scalar_one())

    return write


def _values(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(text("SELECT v FROM t ORDER BY v"))]


def test_each_write_is_stored_before_its_caller_returns(engine: Engine) -> None:
    commits = GroupCommit(engine)
    try:
        for value in range(5):
            commits.run(_insert(value))
            assert _values(engine)[-1] == value  # visible to another connection: committed
    finally:
        commits.stop()


def test_concurrent_writes_share_commits_and_every_one_is_stored(engine: Engine) -> None:
    commits = GroupCommit(engine)
    held = threading.Event()
    release = threading.Event()

    def slow(connection: Connection) -> int:  # holds the first batch open while the others queue
        held.set()
        release.wait(10)
        return int(connection.execute(text("INSERT INTO t (v) VALUES (-1) RETURNING id")).scalar_one())

    errors: list[BaseException] = []

    def call(value: int) -> None:
        try:
            commits.run(_insert(value))
        except BaseException as error:  # noqa: BLE001 - collected for the assertion below
            errors.append(error)

    first = threading.Thread(target=commits.run, args=(slow,))
    first.start()
    assert held.wait(10)
    threads = [threading.Thread(target=call, args=(value,)) for value in range(20)]
    for thread in threads:
        thread.start()
    while commits._jobs.qsize() < 20:  # every caller is waiting behind the first batch
        threading.Event().wait(0.01)
    release.set()
    for thread in [first, *threads]:
        thread.join(10)
    commits.stop()
    assert errors == []
    assert _values(engine) == [-1, *range(20)]
    assert commits.writes == 21 and commits.batches == 2  # the twenty waiting writes went in one commit


def test_a_failing_write_rolls_back_alone_and_its_caller_gets_the_error(engine: Engine) -> None:
    commits = GroupCommit(engine)
    try:
        commits.run(_insert(1))

        def half_then_fail(connection: Connection) -> None:
            connection.execute(text("INSERT INTO t (v) VALUES (2)"))
            connection.execute(text("INSERT INTO t (v) VALUES (1)"))  # the unique value again

        with pytest.raises(IntegrityError):
            commits.run(half_then_fail)
        commits.run(_insert(3))
    finally:
        commits.stop()
    assert _values(engine) == [1, 3]  # nothing of the failed write, not even its first row


def test_a_failed_commit_fails_every_caller_of_its_batch(engine: Engine) -> None:
    commits = GroupCommit(engine)
    with engine.begin() as connection:  # a deferred foreign key that the commit will find broken
        connection.execute(text("CREATE TABLE child (id INTEGER PRIMARY KEY, t_id INTEGER "
                                "REFERENCES t (id) DEFERRABLE INITIALLY DEFERRED)"))

    def orphan(connection: Connection) -> None:
        connection.execute(text("INSERT INTO child (t_id) VALUES (999)"))

    try:
        with pytest.raises(IntegrityError):
            commits.run(orphan)
        assert commits.run(_insert(7))  # the next batch is fine
    finally:
        commits.stop()
    assert _values(engine) == [7]


def test_stop_commits_what_is_queued(engine: Engine) -> None:
    commits = GroupCommit(engine)
    commits.run(_insert(1))
    commits.stop()
    with pytest.raises(RuntimeError):
        commits.run(_insert(2))
    assert _values(engine) == [1]


def test_only_a_sqlite_file_gets_one() -> None:
    memory = make_engine("sqlite://")
    assert for_engine(memory) is None


def test_coroutines_wait_for_their_commit_on_the_event_loop_and_share_it(engine: Engine) -> None:
    """run_async: the loop stays free while a batch is held open; the writes queued behind it share one commit; a
    failing write raises in its own coroutine only; each coroutine resumes only once its write is visible."""
    commits = GroupCommit(engine)
    held = threading.Event()
    release = threading.Event()

    def slow(connection: Connection) -> int:
        held.set()
        release.wait(10)
        return int(connection.execute(text("INSERT INTO t (v) VALUES (-1) RETURNING id")).scalar_one())

    def duplicate(connection: Connection) -> None:
        connection.execute(text("INSERT INTO t (v) VALUES (-1)"))

    async def scenario() -> tuple[list[object], int, list[list[int]]]:
        first = asyncio.ensure_future(commits.run_async(slow))
        while not held.is_set():
            await asyncio.sleep(0.001)
        seen: list[list[int]] = []

        async def insert(value: int) -> int:
            found = await commits.run_async(_insert(value))
            seen.append(_values(engine))  # what another connection sees once this coroutine resumes
            return found

        rest: list[asyncio.Future[Any]] = [asyncio.ensure_future(insert(value)) for value in range(10)]
        rest.append(asyncio.ensure_future(commits.run_async(duplicate)))
        ticks = 0
        while commits._jobs.qsize() < 11:  # the loop runs on while every write waits behind the first batch
            await asyncio.sleep(0.001)
            ticks += 1
        release.set()
        outcomes = await asyncio.gather(first, *rest, return_exceptions=True)
        return list(outcomes), ticks, seen

    try:
        outcomes, ticks, seen = run_apart(scenario)
    finally:
        commits.stop()
    assert ticks > 0
    assert isinstance(outcomes[-1], IntegrityError)  # -1 was written by the first batch
    assert all(isinstance(value, int) for value in outcomes[:-1])
    assert _values(engine) == [-1, *range(10)]
    assert all(set(range(10)) <= set(values) for values in seen)  # each resumed after the commit of all ten
    assert commits.batches == 2 and commits.writes == 12


def test_a_coroutine_after_stop_is_refused(engine: Engine) -> None:
    commits = GroupCommit(engine)
    commits.stop()
    with pytest.raises(RuntimeError):
        run_apart(lambda: commits.run_async(_insert(1)))
