"""The database-backed pieces the workers share, in one process over the suite's database: the content revision
(bumped only when an import commits; a watcher that sees it move drops the caches), the lock across connections,
and the lab queue's claim (one running run per device; a run whose server is gone is ended and the next claimed)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.caches import on_content_change
from app.labs.processes import server_identity
from app.labs.queue import claim_next, enqueue, queue_position
from app.models import LabRun
from app.shared_state import Watcher, bump_content_revision, content_revision, exclusive


def test_the_revision_moves_only_when_the_import_commits(engine: Engine) -> None:
    start = content_revision(engine)
    with Session(engine) as session:
        bump_content_revision(session)
        session.rollback()  # a failed import
    assert content_revision(engine) == start
    with Session(engine) as session:
        bump_content_revision(session)
        session.commit()
    assert content_revision(engine) == start + 1


def test_a_watcher_drops_the_caches_once_when_the_revision_moved(engine: Engine) -> None:
    cache = {"rendered": "old"}
    on_content_change(cache.clear)
    watcher = Watcher(engine)
    assert not watcher.check() and cache  # nothing changed: nothing dropped
    with Session(engine) as session:
        bump_content_revision(session)
        session.commit()
    assert watcher.check() and not cache
    cache["rendered"] = "new"
    assert not watcher.check() and cache  # caught up: the next look drops nothing


def test_exclusive_lets_one_connection_in_at_a_time(engine: Engine) -> None:
    inside: list[tuple[str, float, float]] = []

    def hold(name: str) -> None:
        with Session(engine) as session:
            exclusive(session, "test-lock")
            entered = time.monotonic()
            time.sleep(0.4)
            inside.append((name, entered, time.monotonic()))
            session.commit()

    threads = [threading.Thread(target=hold, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    (_, _, first_left), (_, second_entered, _) = sorted(inside, key=lambda item: item[1])
    assert len(inside) == 2 and second_entered >= first_left


def _row(engine: Engine, run_id: int) -> LabRun:
    with Session(engine) as session:
        row = session.get(LabRun, run_id)
        assert row is not None
        return row


def test_the_queue_runs_one_per_device_in_order_and_moves_on_past_a_dead_server(engine: Engine) -> None:
    first, second = (enqueue(engine, lab="lora", device="cpu", params={}, user_id=None) for _ in range(2))
    with Session(engine) as session:
        assert queue_position(session, _row(engine, second)) == 2
    claim = claim_next(engine, "cpu")
    assert claim is not None and claim.run_id == first and _row(engine, first).server == server_identity()
    with Session(engine) as session:
        assert queue_position(session, _row(engine, second)) == 1
    assert claim_next(engine, "cpu") is None  # the first runs, with its server (this process) alive
    with Session(engine) as session:  # its server dies: a pid of this boot that was started at another time
        row = session.get(LabRun, first)
        assert row is not None
        host, boot, pid, _ticks = server_identity().split("/")
        row.server = f"{host}/{boot}/{pid}/1"
        session.commit()
    taken = claim_next(engine, "cpu")
    assert taken is not None and taken.run_id == second
    ended = _row(engine, first)
    assert ended.status == "failed" and "did not stop cleanly" in ended.error and ended.server is None


def test_the_database_refuses_a_second_running_run_on_a_device(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(LabRun(lab="lora", device="cuda", status="running"))
        session.commit()
    with Session(engine) as session, pytest.raises(IntegrityError):
        session.add(LabRun(lab="lora", device="cuda", status="running"))
        session.commit()
