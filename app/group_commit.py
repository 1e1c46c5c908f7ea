"""Group commit for SQLite: the grades that arrive together are written in one transaction and made durable by one
sync, and each is acknowledged only after that commit has returned.

With synchronous=FULL every commit syncs the WAL to disk, and SQLite commits one at a time: on a disk where a sync
takes a few milliseconds that caps a server at a few hundred commits a second, however many cores or threads it has.
Here a route hands its write to one thread per app (`GroupCommit.run`, which blocks until the write is durable);
that thread takes every write waiting at that moment, runs each in a SAVEPOINT of one BEGIN IMMEDIATE transaction (a
write that fails rolls back alone, and its caller gets the error), commits once, and wakes every caller. Nothing is
batched by waiting: a write arriving at an idle server is committed at once, and writes batch only while an earlier
commit is syncing. A commit that fails fails every write of its batch, so nothing is acknowledged that was not
stored. PostgreSQL groups commits itself (and an in-memory SQLite database has one shared connection): there the
route writes as before (`for_engine` gives None).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine

T = TypeVar("T")
MAX_BATCH = 64
WAIT_S = 60.0  # the most a caller waits for its batch (a database that stopped answering): then it fails
THREAD_NAME = "preplab-group-commit"

log = logging.getLogger("preplab.group_commit")


class _Job(Generic[T]):
    def __init__(self, write: Callable[[Connection], T]) -> None:
        self.write = write
        self.done = threading.Event()
        self.value: T | None = None
        self.error: BaseException | None = None


class GroupCommit:
    def __init__(self, engine: Engine, *, max_batch: int = MAX_BATCH) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.batches = 0  # how many commits, and
        self.writes = 0  # how many writes they held (for tests and benchmarks)
        self._jobs: queue.SimpleQueue[_Job[Any] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name=THREAD_NAME, daemon=True)
        self._stopped = False
        self._thread.start()

    def run(self, write: Callable[[Connection], T]) -> T:
        """`write(connection)` inside a batch; returns its value once the batch is committed, or raises its error
        (or the commit's)."""
        if self._stopped:
            raise RuntimeError("the group commit has stopped")
        job: _Job[T] = _Job(write)
        self._jobs.put(job)
        if not job.done.wait(WAIT_S):
            raise TimeoutError(f"no commit within {WAIT_S:.0f} s")
        if job.error is not None:
            raise job.error
        return job.value  # type: ignore[return-value]  # set by a write that did not raise

    def stop(self) -> None:
        """Commit what is queued, then end the thread."""
        self._stopped = True
        self._jobs.put(None)
        self._thread.join(timeout=WAIT_S)

    def _loop(self) -> None:
        while True:
            first = self._jobs.get()
            if first is None:
                return
            batch: list[_Job[Any]] = [first]
            last = False
            while len(batch) < self.max_batch:
                try:
                    more = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    last = True
                    break
                batch.append(more)
            try:
                self._commit(batch)
            except BaseException as error:  # the commit (or the database) failed: no write of the batch stands
                log.exception("group commit failed")
                for job in batch:
                    job.error = job.error or error
            finally:
                for job in batch:
                    job.done.set()
            if last:
                return

    def _commit(self, batch: list[_Job[Any]]) -> None:
        with self.engine.connect() as connection:
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock first: no write of it can stall
                for job in batch:
                    connection.exec_driver_sql("SAVEPOINT preplab_write")
                    try:
                        job.value = job.write(connection)
                    except Exception as error:
                        connection.exec_driver_sql("ROLLBACK TO preplab_write")
                        job.error = error
                    connection.exec_driver_sql("RELEASE preplab_write")
                connection.commit()
            except BaseException:
                # A COMMIT that failed (a deferred constraint, a full disk) leaves SQLite's transaction open.
                raw = connection.connection.dbapi_connection
                if raw is not None and getattr(raw, "in_transaction", False):
                    raw.rollback()
                raise
        self.batches += 1
        self.writes += len(batch)


def for_engine(engine: Engine) -> GroupCommit | None:
    """A group commit for a SQLite file; None for PostgreSQL and in-memory SQLite (writes commit as they go)."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return None
    return GroupCommit(engine)
