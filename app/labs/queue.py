"""The lab queue, kept in the database so that every worker process (and every server on one database) agrees: a
run is stored `queued`; whichever worker claims it first runs it, one run per device at a time.

A claim happens under the device's lock (app/shared_state.exclusive: an advisory lock on PostgreSQL, BEGIN
IMMEDIATE on SQLite): the running run of the device is checked (a run whose server died is ended there and then),
and when there is none the oldest queued run becomes this worker's. The partial unique index on lab_run(device)
WHERE status = 'running' (migration 0009) is the guarantee behind the lock.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.labs.processes import ACTIVE, end_run_left_behind, kept_by_its_server, new_token, server_identity
from app.models import LabRun
from app.shared_state import exclusive


@dataclass(frozen=True)
class Claim:
    """A queued run this worker now runs: its row (status running, this server named in it) and its start token."""

    run_id: int
    lab: str
    device: str
    params: dict[str, Any]
    token: str


def enqueue(engine: Engine, *, lab: str, device: str, params: dict[str, Any], user_id: int | None) -> int:
    """Store a validated run request as queued; returns its id."""
    with Session(engine) as session:
        run = LabRun(lab=lab, status="queued", device=device, params=params, started_at=utcnow(), user_id=user_id)
        session.add(run)
        session.commit()
        assert run.id is not None
        return run.id


def claim_next(engine: Engine, device: str) -> Claim | None:
    """The oldest queued run of `device`, made this worker's, when nothing runs on the device; else None."""
    with Session(engine) as session:
        exclusive(session, f"lab-device:{device}")
        active = session.exec(select(LabRun).where(col(LabRun.status).in_(ACTIVE), LabRun.device == device)
                              .order_by(col(LabRun.id))).all()
        for row in active:
            if row.status == "running" and not kept_by_its_server(row):
                end_run_left_behind(session, row)
        if any(row.status == "running" for row in active):
            session.commit()
            return None
        queued = next((row for row in active if row.status == "queued"), None)
        if queued is None or queued.id is None:
            session.commit()
            return None
        token = new_token()
        queued.status, queued.started_at, queued.run_token = "running", utcnow(), token
        queued.server, queued.server_pid, queued.stop_reason = server_identity(), os.getpid(), None
        session.add(queued)
        try:
            session.commit()
        except IntegrityError:  # another server's run, outside the lock (an older PrepLab): the index refused ours
            session.rollback()
            return None
        return Claim(run_id=queued.id, lab=queued.lab, device=device, params=dict(queued.params), token=token)


def devices_to_serve(engine: Engine) -> list[str]:
    """Devices where a claim would do something: a run waits and nothing live runs there, or a run is marked
    running whose server is gone. A plain read, without the lock: most seconds there is nothing to do."""
    with Session(engine) as session:
        rows = session.exec(select(LabRun).where(col(LabRun.status).in_(ACTIVE))).all()
    waiting = {row.device for row in rows if row.status == "queued"}
    looked_after = {row.device for row in rows if row.status == "running" and kept_by_its_server(row)}
    orphaned = {row.device for row in rows if row.status == "running"} - looked_after
    return sorted((waiting - looked_after) | orphaned)


def queue_position(session: Session, run: LabRun) -> int | None:
    """1 for the next run to start on its device, 2 for the one after, ...; None unless queued."""
    if run.status != "queued" or run.id is None:
        return None
    ahead = session.exec(select(func.count()).select_from(LabRun).where(
        LabRun.status == "queued", LabRun.device == run.device, col(LabRun.id) < run.id)).one()
    return int(ahead) + 1


def cancel_queued(engine: Engine, run_id: int) -> bool:
    """Cancel a run that has not started (one statement: it cannot be claimed halfway); False when not queued."""
    with Session(engine) as session:
        changed = session.connection().execute(
            update(LabRun).where(col(LabRun.id) == run_id, col(LabRun.status) == "queued")
            .values(status="cancelled", error="已取消 / cancelled", finished_at=utcnow()))
        session.commit()
    return bool(changed.rowcount)


def ask_to_stop(engine: Engine, run_id: int, reason: str) -> LabRun | None:
    """Note in the row of a run another worker runs that it is to stop (that worker stores the reason when its
    child ends); the row, when it is running."""
    with Session(engine) as session:
        row = session.get(LabRun, run_id)
        if row is None or row.status != "running":
            return None
        row.stop_reason = reason
        session.add(row)
        session.commit()
        session.refresh(row)
        return row


def active_run(session: Session, *, lab: str) -> LabRun | None:
    """The newest queued or running run of `lab`, in whichever worker: what its lab page shows in progress."""
    return session.exec(select(LabRun).where(LabRun.lab == lab, col(LabRun.status).in_(ACTIVE))
                        .order_by(col(LabRun.id).desc())).first()
