"""Background lab runs: `python -m labs run` as a child process, one per device, state kept in its LabRun row.

The child writes JSON progress lines on stderr; a reader thread keeps the newest ones in memory for the
progress fragment and, when the child exits, stores the validated result file in the row.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.clock import utcnow
from app.labs.catalog import Catalog
from app.labs.service import LabResultError, _run_status, device_label, parse_result, resolve_request
from app.models import LabRun
from app.settings import PROJECT_ROOT


class LabBusy(RuntimeError):
    """A run is already going on this device."""


@dataclass
class Job:
    run_id: int
    device: str
    process: subprocess.Popen[str]
    out: Path
    fraction: float | None = None
    message: str = ""
    log: deque[str] = field(default_factory=lambda: deque(maxlen=20))
    stop_reason: str = ""  # "cancelled" or "timeout" once we asked the process to stop
    done: threading.Event = field(default_factory=threading.Event)


_jobs: dict[str, Job] = {}  # device -> running job
_lock = threading.Lock()


def command_for(lab: str, device: str, params: dict[str, Any], out: Path) -> list[str]:
    sets = [item for name, value in params.items() for item in ("--set", f"{name}={value}")]
    return [sys.executable, "-m", "labs", "run", lab, "--device", device, *sets, "--out", str(out)]


def start_run(engine: Engine, catalog: Catalog, *, lab: str, device: str, raw: dict[str, Any],
              timeout_s: float) -> LabRun:
    """Validate, then start the lab in the background; LabBusy when this device already runs one."""
    _spec, params = resolve_request(catalog, lab=lab, device=device, raw=raw)
    with _lock:
        if device in _jobs:
            raise LabBusy(f"{device} 上已有实验在运行（#{_jobs[device].run_id}）/ a lab is already running on {device}")
        with Session(engine) as session:
            run = LabRun(lab=lab, status="running", device=device, params=params, started_at=utcnow())
            session.add(run)
            session.commit()
            session.refresh(run)
        assert run.id is not None
        out = Path(tempfile.mkdtemp(prefix="preplab-lab-")) / "result.json"
        process = subprocess.Popen(command_for(lab, device, params, out), cwd=PROJECT_ROOT,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True, encoding="utf-8", errors="replace")
        job = Job(run_id=run.id, device=device, process=process, out=out)
        _jobs[device] = job
    threading.Thread(target=_follow, args=(engine, job, timeout_s), daemon=True, name=f"lab-{run.id}").start()
    return run


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
    if job.process.poll() is None:
        job.stop_reason = reason
        job.process.terminate()


def _finish(engine: Engine, job: Job) -> None:
    with Session(engine) as session:
        run = session.get(LabRun, job.run_id)
        if run is None:
            return
        run.finished_at = utcnow()
        if job.stop_reason == "cancelled":
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
    job.out.unlink(missing_ok=True)


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
