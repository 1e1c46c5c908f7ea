"""One writer at a time per SQLite file within a process, queued on a lock instead of SQLite's busy handler.

SQLite lets one connection write at a time. A second writer that finds the file locked waits in SQLite's busy
handler, which sleeps 1, 2, 5, 10, 15, 20, 25… ms between tries (sqliteDefaultBusyCallback): it wakes long after
the lock was freed, so under concurrent grades and autosaves the server mostly sleeps (and p99 grows to tens of ms).
Here a connection takes its file's lock just before its first write (INSERT, UPDATE, DELETE, REPLACE, BEGIN
IMMEDIATE) and hands it back right after its COMMIT or ROLLBACK has returned, so the next writer of this process
starts the moment the file is free. Reads never take it (WAL readers do not wait for writers).

Writers in other processes (a second worker, a CLI command) still meet SQLite's own lock and busy timeout, as
before. A writer that cannot get the lock within the busy timeout goes on without it and meets SQLite's lock, so a
thread that writes through two connections at once waits as it always did, and never forever.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN IMMEDIATE", "BEGIN EXCLUSIVE")
_gates: dict[str, threading.Lock] = {}
_gates_lock = threading.Lock()


def gate_for(path: str) -> threading.Lock:
    with _gates_lock:
        return _gates.setdefault(path, threading.Lock())


class GatedCursor(sqlite3.Cursor):
    """Takes its connection's gate at the driver, after every listener of the engine has seen the statement."""

    def execute(self, sql: str, parameters: Any = (), /) -> GatedCursor:
        if isinstance(self.connection, GatedConnection):
            self.connection.before_write(sql)
        super().execute(sql, parameters)
        return self

    def executemany(self, sql: str, parameters: Any, /) -> GatedCursor:
        if isinstance(self.connection, GatedConnection):
            self.connection.before_write(sql)
        super().executemany(sql, parameters)
        return self


class GatedConnection(sqlite3.Connection):
    """A sqlite3 connection that holds its file's write lock (`gate`) from its first write to the end of that
    transaction (the factory PrepLab's engine passes to sqlite3.connect)."""

    gate: threading.Lock | None = None
    holding: bool = False
    wait_s: float = 5.0

    def before_write(self, statement: str) -> None:
        if self.gate is None or self.holding or not statement.lstrip()[:16].upper().startswith(WRITES):
            return
        self.holding = self.gate.acquire(timeout=self.wait_s)

    def cursor(self, factory: Any = GatedCursor) -> Any:
        return super().cursor(factory)

    def _release(self) -> None:
        if self.holding and self.gate is not None:
            self.holding = False
            self.gate.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()


def attach(dbapi_connection: Any, path: str, busy_timeout_s: float) -> None:
    """Give a new connection its file's gate (on the engine's connect event; in-memory databases get none)."""
    if isinstance(dbapi_connection, GatedConnection) and path:
        dbapi_connection.gate = gate_for(path)
        dbapi_connection.wait_s = busy_timeout_s
