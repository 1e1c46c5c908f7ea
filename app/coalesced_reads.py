"""Concurrent asks for the same small read share one, done by a thread of its own, off the event loop.

The page cache asks the database for a learner's revisions before every page it serves (app/page_cache.py). Under
a burst (one learner's many tabs, or 32 benchmark clients) those asks pile up, each waiting for a route thread.
Here they wait on a future instead: one thread takes every ask waiting at that moment, reads once per key, and
answers them all. A read starts only after every ask it answers was made, so each still sees every write that was
acknowledged before its request arrived. The thread ends after a while with nothing to do and is started again by
the next ask (apps made and dropped, as in tests, leave no thread behind for long).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
IDLE_S = 30.0

log = logging.getLogger("preplab.coalesced_reads")

_Waiter = tuple[asyncio.AbstractEventLoop, "asyncio.Future[V]"]


class CoalescedReads(Generic[K, V]):
    def __init__(self, read: Callable[[K], V], *, name: str, idle_s: float = IDLE_S) -> None:
        self._read = read
        self._name = name
        self._idle_s = idle_s
        self._lock = threading.Lock()
        self._asked = threading.Condition(self._lock)
        self._pending: dict[K, list[tuple[asyncio.AbstractEventLoop, asyncio.Future[V]]]] = {}
        self._thread: threading.Thread | None = None
        self.reads = 0  # how many reads answered how many asks (for tests)
        self.asks = 0

    async def get(self, key: K) -> V:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[V] = loop.create_future()
        with self._lock:
            self._pending.setdefault(key, []).append((loop, future))
            self.asks += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
                self._thread.start()
            else:
                self._asked.notify()
        return await future

    def _serve(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    self._asked.wait(self._idle_s)
                    if not self._pending:
                        self._thread = None
                        return
                batch, self._pending = self._pending, {}
            for key, waiters in batch.items():
                value: V | None = None
                error: BaseException | None = None
                try:
                    value = self._read(key)
                except Exception as failed:  # each asker gets the error, as if it had read for itself
                    error = failed
                self.reads += 1
                for loop in {loop for loop, _future in waiters}:
                    futures = [future for owner, future in waiters if owner is loop]
                    try:
                        loop.call_soon_threadsafe(_settle, futures, value, error)
                    except RuntimeError:  # that loop has closed: nobody is waiting any more
                        log.debug("a loop closed before its read was answered")


def _settle(futures: list[asyncio.Future[V]], value: V | None, error: BaseException | None) -> None:
    for future in futures:
        if future.done():  # its request was cancelled (the client went away)
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)  # type: ignore[arg-type]  # None only with an error
