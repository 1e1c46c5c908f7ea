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

import asyncio
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
    def __init__(self, write: Callable[[Connection], T],
                 waiter: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]] | None = None) -> None:
        self.write = write
        self.waiter = waiter  # run_async's event loop and the future it awaits; None: run()'s thread waits on done
        self.done = threading.Event()
        self.value: T | None = None
        self.error: BaseException | None = None

    def outcome(self) -> T:
        """The write's value, or its error (or its batch's) raised, once the job is done."""
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]  # set by a write that did not raise


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
        return job.outcome()

    async def run_async(self, write: Callable[[Connection], T]) -> T:
        """run() for a coroutine: the event loop waits for the commit without holding a worker thread. `write` runs
        in the commit thread, inside the batch's transaction (which holds SQLite's write lock from its start): a
        route can read and write there in one go, and waits for no thread but this one."""
        if self._stopped:
            raise RuntimeError("the group commit has stopped")
        loop = asyncio.get_running_loop()
        finished = loop.create_future()
        job: _Job[T] = _Job(write, (loop, finished))
        self._jobs.put(job)
        try:
            await asyncio.wait_for(finished, WAIT_S)
        except TimeoutError:
            raise TimeoutError(f"no commit within {WAIT_S:.0f} s") from None
        return job.outcome()

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
                _settle(batch)
            if last:
                return

    def _commit(self, batch: list[_Job[Any]]) -> None:
        with self.engine.connect() as connection:
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock first: no write of it can stall
                # The savepoints go straight to the driver's cursor (SQLAlchemy has nothing to add to them, and they
                # are two of a grade's five statements).
                cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
                for job in batch:
                    cursor.execute("SAVEPOINT preplab_write")
                    try:
                        job.value = job.write(connection)
                    except Exception as error:
                        cursor.execute("ROLLBACK TO preplab_write")
                        job.error = error
                    cursor.execute("RELEASE preplab_write")
                cursor.close()
                connection.commit()
            except BaseException:
                # A COMMIT that failed (a deferred constraint, a full disk) leaves SQLite's transaction open.
                raw = connection.connection.dbapi_connection
                if raw is not None and getattr(raw, "in_transaction", False):
                    raw.rollback()
                raise
        self.batches += 1
        self.writes += len(batch)


def _settle(batch: list[_Job[Any]]) -> None:
    """Wake every caller of a finished batch: threads by their events, coroutines by one call onto each event loop
    (one wake-up of that loop for the whole batch, not one per write)."""
    waiting: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
    for job in batch:
        job.done.set()
        if job.waiter is not None:
            waiting.setdefault(job.waiter[0], []).append(job.waiter[1])
    for loop, futures in waiting.items():
        try:
            loop.call_soon_threadsafe(_resolve, futures)
        except RuntimeError:  # that event loop closed while the batch committed: nobody waits there any more
            log.warning("a group commit finished after its event loop closed")


def _resolve(futures: list[asyncio.Future[None]]) -> None:
    for finished in futures:
        if not finished.done():  # not cancelled (a caller that timed out or went away)
            finished.set_result(None)


def for_engine(engine: Engine) -> GroupCommit | None:
    """A group commit for a SQLite file; None for PostgreSQL and in-memory SQLite (writes commit as they go)."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return None
    return GroupCommit(engine)
