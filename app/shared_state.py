"""What every worker process of one PrepLab shares through its database: locks across processes, and the content
revision that tells a worker its in-process caches are stale.

An import bumps the revision in its own transaction (so a failed import bumps nothing); each worker reads it from
a background thread at most once a second (never on a request's path) and, when it moved, drops its caches. The
same thread runs the other once-a-second duties registered with it (the lab queue: app/labs/queue.py).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable

from sqlalchemy import Engine, inspect, text
from sqlmodel import Session

from app.clock import utcnow

CONTENT = "content"
CHECK_INTERVAL_S = 1.0
WATCHER_THREAD = "preplab-shared-state"  # its name: tests that count a page's statements leave its reads out

log = logging.getLogger("preplab.shared_state")


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for PostgreSQL's advisory locks, from a readable name."""
    return int.from_bytes(hashlib.sha256(f"preplab:{name}".encode()).digest()[:8], "big", signed=True)


def exclusive(session: Session, name: str) -> None:
    """Hold the lock `name` across every process on this database until the session's transaction ends (commit or
    rollback). PostgreSQL: a transaction-level advisory lock, one per name. SQLite: BEGIN IMMEDIATE, the database's
    one write lock (every name at once), so call this before the transaction reads anything it will act on."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})
        return
    raw = connection.connection.dbapi_connection
    if raw is not None and not getattr(raw, "in_transaction", False):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    # Already in a write transaction: SQLite gave it the write lock at its first write, which is held until the end.


def bump_content_revision(session: Session) -> None:
    """Content changed (an import): every worker drops its caches once it sees the new revision. In the caller's
    transaction, committed with the import or not at all. A schema from before migration 0009 has no revision to
    bump (only tests import into one: every command migrates first)."""
    if not inspect(session.connection()).has_table("shared_state"):
        return
    changed = session.connection().execute(
        text("UPDATE shared_state SET revision = revision + 1, changed_at = :now WHERE name = :name"),
        {"now": utcnow(), "name": CONTENT})
    if changed.rowcount == 0:  # a database built by create_all (tests) has no row yet
        session.connection().execute(text("INSERT INTO shared_state (name, revision, changed_at) VALUES (:name, 1, "
                                          ":now)"), {"now": utcnow(), "name": CONTENT})


def content_revision(engine: Engine) -> int:
    with engine.connect() as connection:
        value = connection.execute(text("SELECT revision FROM shared_state WHERE name = :name"),
                                   {"name": CONTENT}).scalar()
    return int(value or 0)


def drop_caches() -> None:
    """Every in-process cache of content: each registers itself with app/caches.on_content_change."""
    from app.caches import content_changed

    content_changed()


class Watcher:
    """One daemon thread per worker: every CHECK_INTERVAL_S, the content revision (caches dropped when it moved),
    then each registered duty. `seen` is the revision this worker has caught up with."""

    def __init__(self, engine: Engine, *, interval_s: float = CHECK_INTERVAL_S,
                 duties: tuple[Callable[[Engine], object], ...] = ()) -> None:
        self.engine, self.interval_s, self.duties = engine, interval_s, duties
        self.seen = content_revision(engine)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=WATCHER_THREAD, daemon=True)

    def start(self) -> Watcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def check(self) -> bool:
        """Catch up with the database once; True when the caches were dropped."""
        revision = content_revision(self.engine)
        if revision == self.seen:
            return False
        drop_caches()
        self.seen = revision
        return True

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            for duty in (lambda _engine: self.check(), *self.duties):
                try:
                    duty(self.engine)
                except Exception:  # a database that is briefly away: try again next second, never die
                    log.exception("shared-state duty failed")
