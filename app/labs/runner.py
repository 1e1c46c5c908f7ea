"""Background lab runs: `python -m labs run` as a child process, one per device, state kept in its LabRun row.

The child writes JSON progress lines on stderr; a reader thread keeps the newest ones in memory for the
progress fragment and, when the child exits, stores the validated result file in the row.

Each child is kept under control (app/labs/processes.py): it runs in a process group of its own, in a temporary
folder of its own (its TMPDIR, removed when the run ends), with its pid and start token in the row; stopping a run
stops the whole group (its ranks too); a server that shuts down stops its runs, and one that dies takes them with
it through the watchdog pipe (labs/core/watchdog.py). Before it starts, a run's memory is estimated and a run that
cannot fit on the device is refused (app/labs/memory.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.labs.catalog import Catalog
from app.labs.memory import check_fits, device_limit
from app.labs.processes import (
    ACTIVE,
    child_environment,
    kept_by_its_server,
    kill_group,
    new_token,
    remove_folder,
    run_folder,
)
from app.labs.service import LabResultError, _run_status, device_label, parse_result, resolve_request
from app.messages import translate
from app.models import LabRun
from app.settings import PROJECT_ROOT

STOP_GRACE_S = 5.0  # after SIGTERM, the group gets SIGKILL if it is still there


class LabBusy(RuntimeError):
    """A run is already going on this device."""


@dataclass
class Job:
    run_id: int
    device: str
    process: subprocess.Popen[str]
    out: Path
    token: str
    watchdog: int  # the write end of the child's watchdog pipe: never written, closed once the child has ended
    engine: Engine | None = None
    fraction: float | None = None
    message: str = ""
    log: deque[str] = field(default_factory=lambda: deque(maxlen=20))
    stop_reason: str = ""  # "cancelled", "timeout" or "shutdown" once we asked the process to stop
    done: threading.Event = field(default_factory=threading.Event)


_jobs: dict[str, Job] = {}  # device -> running job
_lock = threading.Lock()


def command_for(lab: str, device: str, params: dict[str, Any], out: Path, *, parent_fd: int | None = None) -> list[str]:
    sets = [item for name, value in params.items() for item in ("--set", f"{name}={value}")]
    watch = ["--parent-fd", str(parent_fd)] if parent_fd is not None else []
    return [sys.executable, "-m", "labs", "run", lab, "--device", device, *sets, "--out", str(out), *watch]


def start_run(engine: Engine, catalog: Catalog, *, lab: str, device: str, raw: dict[str, Any],
              timeout_s: float, memory_cap_gib: float | None = None) -> LabRun:
    """Validate (parameters, then memory), then start the lab in the background; LabBusy when this device already
    runs one (here, or in another live server on this database); RunTooLarge when it cannot fit."""
    spec, params = resolve_request(catalog, lab=lab, device=device, raw=raw)
    check_fits(spec, device, params, device_limit(catalog, device, cap_gib=memory_cap_gib))
    with _lock:
        if device in _jobs:
            raise LabBusy(f"{device} 上已有实验在运行（#{_jobs[device].run_id}）/ a lab is already running on {device}")
        other = _run_elsewhere(engine, device)
        if other is not None:
            raise LabBusy(f"{device} 上已有实验在运行（#{other}）/ a lab is already running on {device}")
        token = new_token()
        with Session(engine) as session:
            run = LabRun(lab=lab, status="running", device=device, params=params, started_at=utcnow(),
                         server_pid=os.getpid(), run_token=token)
            session.add(run)
            session.commit()
            session.refresh(run)
        assert run.id is not None
        job = _spawn(engine, run, token, lab=lab, device=device, params=params)
        _jobs[device] = job
    threading.Thread(target=_follow, args=(engine, job, timeout_s), daemon=True, name=f"lab-{run.id}").start()
    return run


def _spawn(engine: Engine, run: LabRun, token: str, *, lab: str, device: str, params: dict[str, Any]) -> Job:
    """The child, alone in a new session (its own process group), watching a pipe whose write end only we hold."""
    assert run.id is not None
    folder = run_folder(run.id, token)
    folder.mkdir(mode=0o700)
    out = folder / "result.json"
    read_end, write_end = os.pipe()
    try:
        process = subprocess.Popen(command_for(lab, device, params, out, parent_fd=read_end), cwd=PROJECT_ROOT,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True, encoding="utf-8", errors="replace", start_new_session=True,
                                   pass_fds=(read_end,), env=child_environment(token, folder))
    except OSError:
        os.close(write_end)
        remove_folder(run.id, token)
        with Session(engine) as session:
            row = session.get(LabRun, run.id)
            if row is not None:
                row.status, row.finished_at, row.run_token = "failed", utcnow(), None
                row.error = f"{translate('labs.run.not_started', 'zh')} / {translate('labs.run.not_started', 'en')}"
                session.commit()
        raise
    finally:
        os.close(read_end)  # the child has its copy; ours would keep the pipe open after the server died
    with Session(engine) as session:
        row = session.get(LabRun, run.id)
        if row is not None:
            row.pid = process.pid
            session.commit()
    run.pid = process.pid
    return Job(run_id=run.id, device=device, process=process, out=out, token=token, watchdog=write_end,
               engine=engine)


def _run_elsewhere(engine: Engine, device: str) -> int | None:
    """An active run on `device` whose child is alive and still a child of its own (live) server: another server
    on this database runs it."""
    with Session(engine) as session:
        rows = session.exec(select(LabRun).where(col(LabRun.status).in_(ACTIVE), LabRun.device == device)).all()
    return next((row.id for row in rows if row.server_pid != os.getpid() and kept_by_its_server(row)), None)


def _follow(engine: Engine, job: Job, timeout_s: float) -> None:
    timer = threading.Timer(timeout_s, _stop, args=(job, "timeout"))
    timer.daemon = True
    timer.start()
    try:
        assert job.process.stderr is not None
        for line in job.process.stderr:
            _note(job, line.rstrip("\n"))
        job.process.wait()
    finally:
        timer.cancel()
        try:
            _finish(engine, job)
        finally:
            os.close(job.watchdog)
            remove_folder(job.run_id, job.token)
            with _lock:
                _jobs.pop(job.device, None)
            job.done.set()


def _note(job: Job, line: str) -> None:
    if not line.strip():
        return
    try:
        item = json.loads(line)
    except ValueError:
        item = None
    if isinstance(item, dict) and "message" in item:
        job.message = str(item["message"])
        if isinstance(item.get("progress"), (int, float)):
            job.fraction = float(item["progress"])
        job.log.append(job.message)
    else:
        job.log.append(line)


def _stop(job: Job, reason: str) -> None:
    """SIGTERM to the child's whole group (its ranks too), SIGKILL after STOP_GRACE_S if it is still there."""
    if job.done.is_set():
        return
    # Until the reader has seen the end of stderr the group still has a member (or its leader is unreaped), so its
    # id is still this run's: the group is signalled even when the leader has exited and ranks linger.
    job.stop_reason = job.stop_reason or reason
    kill_group(job.process.pid, signal.SIGTERM)
    timer = threading.Timer(STOP_GRACE_S, _kill_if_running, args=(job,))
    timer.daemon = True
    timer.start()


def _kill_if_running(job: Job) -> None:
    if not job.done.is_set():
        kill_group(job.process.pid, signal.SIGKILL)


def _finish(engine: Engine, job: Job) -> None:
    with Session(engine) as session:
        run = session.get(LabRun, job.run_id)
        if run is None:
            return
        run.finished_at = utcnow()
        run.pid = run.server_pid = run.run_token = None
        if job.stop_reason == "shutdown":
            run.status = "failed"
            run.error = f"{translate('labs.run.server_stopped', 'zh')} / {translate('labs.run.server_stopped', 'en')}"
        elif job.stop_reason == "cancelled":
            run.status, run.error = "cancelled", "已取消 / cancelled"
        elif job.stop_reason == "timeout":
            run.status, run.error = "failed", "超时，已终止 / timed out and terminated"
        elif job.out.exists():
            try:
                result = parse_result(job.out.read_bytes(), source="result.json")
                run.status, run.error = _run_status(result), result.error or ""
                run.result, run.device = json.loads(result.model_dump_json()), device_label(result)
            except LabResultError as error:
                run.status, run.error = "failed", str(error)
        else:
            tail = "\n".join(job.log)
            run.status, run.error = "failed", f"退出码 / exit code {job.process.returncode}\n{tail}".strip()
        session.add(run)
        session.commit()


def cancel(run_id: int) -> bool:
    """Terminate the run's process; False when it is not running in this server process."""
    job = job_for(run_id)
    if job is None:
        return False
    _stop(job, "cancelled")
    return True


def job_for(run_id: int) -> Job | None:
    with _lock:
        return next((job for job in _jobs.values() if job.run_id == run_id), None)


def wait(run_id: int, timeout: float) -> bool:
    """Block until the run's process has finished and its row is stored (tests, CLI)."""
    job = job_for(run_id)
    return True if job is None else job.done.wait(timeout)


def progress(run_id: int) -> dict[str, Any]:
    job = job_for(run_id)
    if job is None:
        return {"running": False, "fraction": None, "message": "", "log": []}
    return {"running": True, "fraction": job.fraction, "message": job.message, "log": list(job.log)}


def running_ids() -> list[int]:
    with _lock:
        return [job.run_id for job in _jobs.values()]


def stop_all(engine: Engine | None = None, timeout: float = STOP_GRACE_S + 5) -> None:
    """Stop every run this server started (on `engine`: the app that shuts down) and wait for their rows."""
    with _lock:
        jobs = [job for job in _jobs.values() if engine is None or job.engine is engine]
    for job in jobs:
        _stop(job, "shutdown")
    for job in jobs:
        if not job.done.wait(timeout):
            kill_group(job.process.pid, signal.SIGKILL)
            job.done.wait(timeout)
