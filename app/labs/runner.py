"""Background lab runs: `python -m labs run` as a child process, one per device, state kept in its LabRun row.

The child writes JSON progress lines on stderr; a reader thread keeps the newest ones in memory for the
progress fragment and, when the child exits, stores the validated result file in the row.

Each child is kept under control (app/labs/processes.py): it runs in a process group of its own, in a temporary
folder of its own (its TMPDIR, removed when the run ends), with its pid and start token in the row; stopping a run
stops the whole group (its ranks too); a server that shuts down stops its runs, and one that dies takes them with
it through the watchdog pipe (labs/core/watchdog.py). Before it starts, a run's memory is estimated and a run that
cannot fit on the device is refused (app/labs/memory.py).

A start request is stored as a queued run (app/labs/queue.py); the worker process that claims it runs it, so one run
per device holds across every worker. When a run ends, its worker claims the next one; every worker also looks once
a second (tick, from app/shared_state.Watcher), which is how the queue moves on after a worker died. The newest
progress is written to the run's row (at most once a second) so that any worker can show it, and a cancel that
reaches another worker is noted in the row and signalled to the run's process group.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.clock import utcnow
from app.labs.catalog import Catalog
from app.labs.memory import check_fits, device_limit
from app.labs.processes import (
    ACTIVE,
    child_environment,
    is_ours,
    kill_group,
    remove_folder,
    run_folder,
)
from app.labs.queue import Claim, ask_to_stop, cancel_queued, claim_next, devices_to_serve, enqueue
from app.labs.service import LabResultError, _run_status, device_label, parse_result, resolve_request
from app.messages import translate
from app.models import LabRun
from app.settings import PROJECT_ROOT

STOP_GRACE_S = 5.0  # after SIGTERM, the group gets SIGKILL if it is still there
PROGRESS_WRITE_S = 1.0  # the newest progress goes to the row at most this often


@dataclass
class Job:
    run_id: int
    device: str
    process: subprocess.Popen[str]
    out: Path
    token: str
    watchdog: int  # the write end of the child's watchdog pipe: never written, closed once the child has ended
    engine: Engine | None = None
    timeout_s: float = 1800.0
    fraction: float | None = None
    message: str = ""
    log: deque[str] = field(default_factory=lambda: deque(maxlen=20))
    stop_reason: str = ""  # "cancelled", "timeout" or "shutdown" once we asked the process to stop
    written_at: float = 0.0  # when progress last went to the row (monotonic)
    done: threading.Event = field(default_factory=threading.Event)

    def progress(self) -> dict[str, Any]:
        return {"running": True, "fraction": self.fraction, "message": self.message, "log": list(self.log)}


_jobs: dict[int, Job] = {}  # run id -> a run this process runs
_lock = threading.Lock()
_stopping: set[int] = set()  # id() of engines whose app shuts down: their runs claim no next run


def command_for(lab: str, device: str, params: dict[str, Any], out: Path, *, parent_fd: int | None = None) -> list[str]:
    sets = [item for name, value in params.items() for item in ("--set", f"{name}={value}")]
    watch = ["--parent-fd", str(parent_fd)] if parent_fd is not None else []
    return [sys.executable, "-m", "labs", "run", lab, "--device", device, *sets, "--out", str(out), *watch]


def start_run(engine: Engine, catalog: Catalog, *, lab: str, device: str, raw: dict[str, Any],
              timeout_s: float, memory_cap_gib: float | None = None, user_id: int | None = None) -> LabRun:
    """Validate (parameters, then memory), queue the run, and start the device's next run when the device is free;
    the stored row comes back running (this worker started it) or queued (the device is busy, in any worker).
    RunTooLarge when it cannot fit."""
    spec, params = resolve_request(catalog, lab=lab, device=device, raw=raw)
    check_fits(spec, device, params, device_limit(catalog, device, cap_gib=memory_cap_gib))
    run_id = enqueue(engine, lab=lab, device=device, params=params, user_id=user_id)
    dispatch(engine, device, timeout_s)
    with Session(engine) as session:
        run = session.get(LabRun, run_id)
        assert run is not None
        return run


def dispatch(engine: Engine, device: str, timeout_s: float) -> int | None:
    """Claim the device's next queued run (app/labs/queue.claim_next) and start it here; its id, or None."""
    if id(engine) in _stopping:
        return None
    claim = claim_next(engine, device)
    if claim is None:
        return None
    try:
        job = _spawn(engine, claim, timeout_s)
    except OSError:
        dispatch(engine, device, timeout_s)  # this one is stored failed; the queue goes on
        return None
    with _lock:
        _jobs[claim.run_id] = job
    threading.Thread(target=_follow, args=(engine, job), daemon=True, name=f"lab-{claim.run_id}").start()
    return claim.run_id


def tick(engine: Engine, *, timeout_s: float) -> None:
    """Once a second in every worker: start what waits on a free device, end runs whose server died."""
    if id(engine) in _stopping:
        return
    for device in devices_to_serve(engine):
        dispatch(engine, device, timeout_s)


def _spawn(engine: Engine, claim: Claim, timeout_s: float) -> Job:
    """The child, alone in a new session (its own process group), watching a pipe whose write end only we hold."""
    folder = run_folder(claim.run_id, claim.token)
    folder.mkdir(mode=0o700)
    out = folder / "result.json"
    read_end, write_end = os.pipe()
    try:
        command = command_for(claim.lab, claim.device, claim.params, out, parent_fd=read_end)
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace",
                                   start_new_session=True, pass_fds=(read_end,),
                                   env=child_environment(claim.token, folder))
    except OSError:
        os.close(write_end)
        remove_folder(claim.run_id, claim.token)
        with Session(engine) as session:
            row = session.get(LabRun, claim.run_id)
            if row is not None:
                row.status, row.finished_at = "failed", utcnow()
                row.run_token = row.server = row.server_pid = None
                row.error = f"{translate('labs.run.not_started', 'zh')} / {translate('labs.run.not_started', 'en')}"
                session.commit()
        raise
    finally:
        os.close(read_end)  # the child has its copy; ours would keep the pipe open after the server died
    with Session(engine) as session:
        row = session.get(LabRun, claim.run_id)
        if row is not None:
            row.pid = process.pid
            session.commit()
    return Job(run_id=claim.run_id, device=claim.device, process=process, out=out, token=claim.token,
               watchdog=write_end, engine=engine, timeout_s=timeout_s)


def _follow(engine: Engine, job: Job) -> None:
    timer = threading.Timer(job.timeout_s, _stop, args=(job, "timeout"))
    timer.daemon = True
    timer.start()
    try:
        assert job.process.stderr is not None
        for line in job.process.stderr:
            _note(job, line.rstrip("\n"))
            _write_progress(engine, job)
        job.process.wait()
    finally:
        timer.cancel()
        try:
            _finish(engine, job)
        finally:
            os.close(job.watchdog)
            remove_folder(job.run_id, job.token)
            with _lock:
                _jobs.pop(job.run_id, None)
            job.done.set()
    if job.stop_reason != "shutdown":
        dispatch(engine, job.device, job.timeout_s)  # the device is free: its next queued run, in whatever worker


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


def _write_progress(engine: Engine, job: Job) -> None:
    """The newest progress into the row, for the other workers' pages; at most once every PROGRESS_WRITE_S."""
    now = time.monotonic()
    if now - job.written_at < PROGRESS_WRITE_S:
        return
    job.written_at = now
    with Session(engine) as session:
        row = session.get(LabRun, job.run_id)
        if row is not None and row.status == "running":
            row.progress = {key: value for key, value in job.progress().items() if key != "running"}
            session.add(row)
            session.commit()


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
        job.stop_reason = job.stop_reason or run.stop_reason or ""  # a stop asked through another worker
        run.pid = run.server_pid = run.run_token = run.server = run.stop_reason = None
        run.progress = None
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


def cancel(run_id: int, engine: Engine | None = None) -> bool:
    """Stop the run: here when this process runs it; with `engine`, also a queued run (it never starts) or one that
    another worker runs (asked through its row, its process group signalled). False when it is not active."""
    job = job_for(run_id)
    if job is not None:
        _stop(job, "cancelled")
        return True
    if engine is None:
        return False
    if cancel_queued(engine, run_id):
        return True
    row = ask_to_stop(engine, run_id, "cancelled")
    if row is None:
        return False
    if row.pid is not None and row.run_token and is_ours(row.pid, row.run_token):
        kill_group(row.pid, signal.SIGTERM)
        timer = threading.Timer(STOP_GRACE_S, _kill_if_ours, args=(row.pid, row.run_token))
        timer.daemon = True
        timer.start()
    return True


def _kill_if_ours(pid: int, token: str) -> None:
    if is_ours(pid, token):
        kill_group(pid, signal.SIGKILL)


def job_for(run_id: int) -> Job | None:
    with _lock:
        return _jobs.get(run_id)


def wait(run_id: int, timeout: float, engine: Engine | None = None) -> bool:
    """Block until the run has finished and its row is stored (tests, CLI); with `engine`, also a run of another
    worker, or one still queued, by reading its row."""
    job = job_for(run_id)
    if job is not None:
        return job.done.wait(timeout)
    if engine is None:
        return True
    deadline = time.monotonic() + timeout
    while True:
        with Session(engine) as session:
            row = session.get(LabRun, run_id)
            if row is None or row.status not in ACTIVE:
                return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)


def progress(run_id: int) -> dict[str, Any]:
    """This process's view of a run it runs (the newest lines); not running here: nothing."""
    job = job_for(run_id)
    if job is None:
        return {"running": False, "fraction": None, "message": "", "log": []}
    return job.progress()


def progress_of(run: LabRun) -> dict[str, Any]:
    """What any worker shows of a run: its own job's progress, else the newest the running worker wrote."""
    job = job_for(run.id or 0)
    if job is not None:
        return job.progress()
    stored = (run.progress or {}) if run.status == "running" else {}
    return {"running": run.status == "running", "fraction": stored.get("fraction"),
            "message": str(stored.get("message") or ""), "log": list(stored.get("log") or [])}


def running_ids() -> list[int]:
    with _lock:
        return list(_jobs)


def stop_all(engine: Engine | None = None, timeout: float = STOP_GRACE_S + 5) -> None:
    """Stop every run this server started (on `engine`: the app that shuts down) and wait for their rows; the
    queued runs stay queued for the other workers (or the next start)."""
    if engine is not None:
        _stopping.add(id(engine))
    with _lock:
        jobs = [job for job in _jobs.values() if engine is None or job.engine is engine]
    for job in jobs:
        _stop(job, "shutdown")
    for job in jobs:
        if not job.done.wait(timeout):
            kill_group(job.process.pid, signal.SIGKILL)
            job.done.wait(timeout)
