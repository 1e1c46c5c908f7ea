"""The processes behind lab runs: each child alone in its own process group (start_new_session, so pgid = pid), told
apart from any other process by a start token in its environment, given a temporary folder of its own, ended with
its whole group; and, at start-up, the runs a previous server left behind found and ended before any new run.

A child also dies with the server that started it, however the server dies: it watches a pipe (labs/core/watchdog.py
says why a pipe rather than PR_SET_PDEATHSIG). The start-up sweep is the second line: it ends what is left.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import tempfile
import time
from pathlib import Path

from sqlmodel import Session, select

from app.clock import utcnow
from app.messages import translate
from app.models import LabRun

ACTIVE = ("queued", "running")
TOKEN_VARIABLE = "PREPLAB_LAB_RUN"  # in the child's environment: "this process is run `token`'s"
FOLDER_PREFIX = "preplab-lab-"


def new_token() -> str:
    return secrets.token_hex(16)


def run_folder(run_id: int, token: str) -> Path:
    """The run's own temporary folder: the result file and, as the child's TMPDIR, whatever the lab writes."""
    return Path(tempfile.gettempdir()) / f"{FOLDER_PREFIX}{run_id}-{token[:16]}"


def remove_folder(run_id: int, token: str) -> None:
    shutil.rmtree(run_folder(run_id, token), ignore_errors=True)


def child_environment(token: str, folder: Path) -> dict[str, str]:
    """The server's own environment (PATH, CUDA_VISIBLE_DEVICES, ...) passed on, with the run's token and folder."""
    return {**os.environ, TOKEN_VARIABLE: token, "TMPDIR": str(folder)}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, and certainly not ours
    return True


def is_ours(pid: int, token: str) -> bool | None:
    """True when `pid` is alive and carries `token`, False when it is gone or is another process (a pid is reused),
    None where the system cannot say (no /proc: then nothing is killed on a guess)."""
    if not alive(pid):
        return False
    if not Path("/proc/self/environ").exists():
        return None
    try:
        entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False  # gone meanwhile, or not ours to read
    return f"{TOKEN_VARIABLE}={token}".encode() in entries  # a zombie's environment reads empty: gone


def parent_pid(pid: int) -> int | None:
    """The parent of `pid` (Linux /proc), None where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()  # after "pid (comm)": the name may hold spaces and parentheses
    return int(fields[1]) if len(fields) > 1 else None


def kill_group(pgid: int, sig: signal.Signals = signal.SIGKILL) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass  # already gone (or, never, not ours)


def running(pid: int) -> bool:
    """Alive and not a zombie: a killed process that its parent has not reaped yet has ended all the same."""
    if not alive(pid):
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return alive(pid)  # no /proc (or gone meanwhile): alive is all there is to know
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def wait_gone(pid: int, timeout: float) -> bool:
    """Wait up to `timeout` seconds for `pid` to end; True once it has."""
    deadline = time.monotonic() + timeout
    while running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _start_ticks(pid: int) -> str:
    """When `pid` started (clock ticks since boot, /proc/PID/stat field 22): with the pid, names one process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else ""


def server_identity(pid: int | None = None) -> str:
    """This server process, told apart from any other: host, boot, pid and start time ("host/boot/pid/ticks")."""
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}/{_boot_id()}/{pid}/{_start_ticks(pid)}"


def server_alive(identity: str) -> bool:
    """Whether the server process named by server_identity() still runs. A server on another machine cannot be
    judged from here and counts as alive (its own machine's workers judge it); one from an earlier boot, or whose
    pid now belongs to a process started at another time, is gone."""
    host, boot, pid, ticks = (identity.split("/") + ["", "", "", ""])[:4]
    if host != socket.gethostname():
        return True
    if not pid.isdigit() or boot != _boot_id() or not running(int(pid)):
        return False
    return ticks == _start_ticks(int(pid))


def kept_by_its_server(run: LabRun) -> bool:
    """Someone looks after the run: the server named in its row is alive (it may still be starting the child), or,
    for a row from before servers were named, its child is ours and its server alive and still its parent."""
    if run.server:
        return server_alive(run.server)
    if run.pid is None or not run.run_token or run.server_pid is None:
        return False
    return is_ours(run.pid, run.run_token) is True and parent_pid(run.pid) == run.server_pid


def end_run_left_behind(session: Session, row: LabRun) -> None:
    """End a running run whose server is gone: its process group killed when the process is still ours, its folder
    removed, its row failed (the caller commits)."""
    if row.pid is not None and row.run_token:
        if is_ours(row.pid, row.run_token):
            kill_group(row.pid)
            wait_gone(row.pid, 5)
        remove_folder(row.id or 0, row.run_token)
    row.status, row.finished_at = "failed", utcnow()
    row.error = f"{translate('labs.run.left_behind', 'zh')} / {translate('labs.run.left_behind', 'en')}"
    row.pid = row.server_pid = row.run_token = row.server = None
    session.add(row)


def end_leftover_runs(session: Session) -> int:
    """End every run still marked running that no live server is looking after (end_run_left_behind). A run whose
    server is alive (another worker, or another server on this database) is left alone, and so is a queued run:
    whichever worker is free next starts it (app/labs/queue.py). Returns how many were ended."""
    ended = 0
    for row in session.exec(select(LabRun).where(LabRun.status == "running")).all():
        if not kept_by_its_server(row):
            end_run_left_behind(session, row)
            ended += 1
    session.commit()
    return ended
