"""Lab children under control, with real processes: each run alone in its process group with its own temporary
folder (removed when it ends), the whole group stopped on cancel and when the server shuts down, dead with the
server when it is SIGKILLed (the watchdog pipe), and runs left behind ended at the next start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from app.db import make_engine, upgrade_database
from app.labs import runner
from app.labs.catalog import load_catalog
from app.labs.processes import TOKEN_VARIABLE, end_leftover_runs, run_folder, running
from app.models import LabRun
from tests.backends import database_url
from tests.csrf import page_headers
from tests.lab_runs import SHORT_LAB, SHORT_RUN
from tests.server import LiveServer

LONG_CPU_RUN = {"steps": "10000", "warmup_steps": "2"}  # mixed-precision at its CPU size: minutes
RANKS_RUN = {"hidden": "2048", "layers": "16"}  # zero-memory on CPU: two spawned gloo ranks for ~15 s


def group(pgid: int) -> list[int]:
    """The live (not zombie) processes of process group `pgid`."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[-1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(stat.parent.name))
    return members


def environment(pid: int) -> dict[str, str]:
    entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(entry.decode().split("=", 1) for entry in entries if b"=" in entry)


def until(condition: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return value


def row(engine: Engine, run_id: int) -> LabRun:
    with Session(engine) as session:
        found = session.get(LabRun, run_id)
        assert found is not None
        return found


def test_a_run_has_its_own_group_and_folder_and_cancel_ends_both(engine: Engine) -> None:
    run = runner.start_run(engine, load_catalog(), lab="mixed-precision", device="cpu", raw=LONG_CPU_RUN,
                           timeout_s=300)
    started = row(engine, run.id or 0)
    assert started.pid is not None and started.run_token and started.server_pid == os.getpid()
    folder = run_folder(started.id or 0, started.run_token)
    assert os.getpgid(started.pid) == started.pid  # start_new_session: the child leads its own group
    seen = environment(started.pid)
    assert seen[TOKEN_VARIABLE] == started.run_token and seen["TMPDIR"] == str(folder) and folder.is_dir()
    assert runner.cancel(run.id or 0) and runner.wait(run.id or 0, 30)
    ended = row(engine, run.id or 0)
    assert ended.status == "cancelled" and (ended.pid, ended.server_pid, ended.run_token) == (None, None, None)
    assert not running(started.pid) and group(started.pid) == []
    assert not folder.exists()


def test_a_finished_run_leaves_no_temporary_folder(engine: Engine) -> None:
    run = runner.start_run(engine, load_catalog(), lab="lora", device="cpu", raw={}, timeout_s=300)
    token = row(engine, run.id or 0).run_token
    assert token and run_folder(run.id or 0, token).is_dir()
    assert runner.wait(run.id or 0, 300)
    finished = row(engine, run.id or 0)
    assert finished.status == "done" and finished.result is not None  # its own TemporaryDirectory was in the folder
    assert "--parent-fd" not in finished.result["command"]  # the command a learner retypes has no server plumbing
    assert not run_folder(run.id or 0, token).exists()
    assert list(run_folder(run.id or 0, token).parent.glob(f"preplab-lab-{run.id}-{token[:16]}*")) == []


@pytest.fixture
def sleepers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()


def _sleeper(started: list[subprocess.Popen[bytes]], token: str | None) -> subprocess.Popen[bytes]:
    env = {"PATH": "/usr/bin:/bin", **({TOKEN_VARIABLE: token} if token else {})}
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], env=env,
                               start_new_session=True)
    started.append(process)
    until(lambda: environment(process.pid).get(TOKEN_VARIABLE) == token, 10, "the sleeper's environment")
    return process


def test_runs_left_behind_are_ended_at_start_up(engine: Engine, sleepers: list[subprocess.Popen[bytes]]) -> None:
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    dead_pid = finished.pid  # exited and reaped: no process has this pid now
    leftover = _sleeper(sleepers, "a" * 32)  # ours, its server dead (the watchdog did not get it)
    stranger = _sleeper(sleepers, None)  # a pid since given to another process
    owned = _sleeper(sleepers, "b" * 32)  # another live server's run: that server is its parent (here, this test)
    rows = {  # one device each: a device has one running run at most (migration 0009's index)
        "leftover": LabRun(lab="lora", device="cpu-1", status="running",
                           pid=leftover.pid, server_pid=dead_pid, run_token="a" * 32),
        "stranger": LabRun(lab="lora", device="cpu-2", status="running",
                           pid=stranger.pid, server_pid=dead_pid, run_token="c" * 32),
        "owned": LabRun(lab="lora", device="cpu-3", status="running",
                        pid=owned.pid, server_pid=os.getpid(), run_token="b" * 32),
        "gone": LabRun(lab="lora", device="cpu-4", status="running",
                       pid=dead_pid, server_pid=dead_pid, run_token="d" * 32),
        "never started": LabRun(lab="lora", status="queued"),
    }
    with Session(engine) as session:
        session.add_all(rows.values())
        session.commit()
        ids = {name: item.id or 0 for name, item in rows.items()}
    folder = run_folder(ids["leftover"], "a" * 32)
    folder.mkdir()
    with Session(engine) as session:
        assert end_leftover_runs(session) == 3
    assert leftover.wait(10) != 0 and not folder.exists()  # killed, with its group; its folder removed
    assert stranger.poll() is None and owned.poll() is None  # never kill a process that is not ours
    for name in ("leftover", "stranger", "gone"):
        ended = row(engine, ids[name])
        assert ended.status == "failed" and "did not stop cleanly" in ended.error and ended.pid is None, name
    assert row(engine, ids["owned"]).status == "running"
    assert row(engine, ids["never started"]).status == "queued"  # it waits for a free worker, not for a sweep


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    database = tmp_path / "live.db"
    engine = make_engine(database_url(database))
    upgrade_database(engine)
    engine.dispose()
    live = LiveServer(database=database).start()
    yield live
    live.stop()


def _start(live: LiveServer, lab: str, params: dict[str, str]) -> int:
    body = json.dumps({"device": "cpu", "params": params}).encode()
    headers = {**page_headers(live.url), "Content-Type": "application/json"}
    request = urllib.request.Request(f"{live.url}/api/labs/{lab}/runs", data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=120) as answer:
        return int(json.loads(answer.read())["id"])


def _row(live: LiveServer, run_id: int) -> dict[str, Any]:
    engine = make_engine(database_url(live.database))
    try:
        with engine.connect() as connection:
            return dict(connection.execute(text("SELECT * FROM lab_run WHERE id = :id"), {"id": run_id}).mappings()
                        .one())
    finally:
        engine.dispose()


def test_a_sigkill_of_the_server_takes_the_run_and_its_ranks_with_it(server: LiveServer) -> None:
    run_id = _start(server, "zero-memory", RANKS_RUN)
    started = until(lambda: (found := _row(server, run_id))["pid"] and found, 30, "the child's pid")
    pid, token = started["pid"], started["run_token"]
    until(lambda: len(group(pid)) >= 3, 60, "the lab's spawned ranks")  # the lab and its two gloo ranks
    server.kill()
    until(lambda: group(pid) == [], 10, "every process of the run's group to end")
    assert _row(server, run_id)["status"] == "running"  # nobody was left to say otherwise
    restarted = LiveServer(database=server.database).start()  # ended at start-up, before any new run
    try:
        ended = _row(restarted, run_id)
        assert ended["status"] == "failed" and "did not stop cleanly" in ended["error"]
        assert not run_folder(run_id, token).exists()
        assert _start(restarted, SHORT_LAB, SHORT_RUN) > run_id
    finally:
        restarted.stop()


def test_a_server_that_shuts_down_stops_its_runs(server: LiveServer) -> None:
    run_id = _start(server, "mixed-precision", LONG_CPU_RUN)
    started = until(lambda: (found := _row(server, run_id))["pid"] and found, 30, "the child's pid")
    server.stop()  # SIGTERM: uvicorn's shutdown, then the lifespan's
    assert server.log is not None and "Application shutdown complete" in server.log.read_text()  # no SIGKILL
    assert group(started["pid"]) == []
    ended = _row(server, run_id)
    assert ended["status"] == "failed" and "the server stopped" in ended["error"] and ended["pid"] is None
    assert not run_folder(run_id, started["run_token"]).exists()
