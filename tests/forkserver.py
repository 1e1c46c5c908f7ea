"""A fork server for the suite's live servers: one process imports PrepLab once, then forks each `preplab serve`.

A test server started with `python -m app.cli serve` spends about two seconds of CPU before its first answer,
nearly all of it importing FastAPI, SQLAlchemy, pydantic and the app's ~110 modules; the suite starts some 80 of
them per database. Forked from a process that has done those imports (the way `gunicorn --preload` starts its
workers), a server is up in a fraction of that. What runs after the fork is the real thing: `app.cli.main(["serve",
...])` in its own process, with its own environment, working folder, log file, database and port, its own event
loop, threads and connections (the fork server never opens a database or starts a thread), killed by SIGKILL like
any other process. tests/server.py uses it unless PREPLAB_TEST_FORK_SERVERS=0; the cold-start benchmark never does.

It also runs the suite's `preplab` CLI commands (`run`), which would otherwise each spend about a second of CPU
importing the app: the child reads its input from a file and writes its output and errors to files of their own.

Protocol: one JSON object per line on stdin, one answer per line on the descriptor given as the only argument.
  {"op": "spawn", "argv": [...], "env": {...}, "cwd": "...", "log": "..."}  ->  {"pid": N}
  ("log" may be replaced by "stdin", "stdout" and "stderr": three paths)
  {"op": "status", "pid": N}                                                  ->  {"returncode": null | int}
End of input: the children still running get SIGTERM, and the fork server exits.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import IO, Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---------------------------------------------------------------------------------------------------- the server side

def _preload() -> None:
    import uvicorn  # noqa: F401  (what `serve` imports on its way to the app)

    import app.cli  # noqa: F401
    import app.main  # noqa: F401
    import app.serve  # noqa: F401
    from app.templating import warm_templates

    warm_templates()


def _child(request: dict[str, Any]) -> None:
    """In the forked child: become the server process (or the CLI command) the request describes, and never return.
    A server ends at once (os._exit: as after a kill, nothing of the fork server's runs); a CLI command ends as a fresh
    process would, its atexit handlers run and its connections closed (SQLite folds its WAL into the file)."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        if "log" in request:
            log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            os.dup2(log, 1)
            os.dup2(log, 2)
        else:  # a CLI command: its input, output and errors apart
            os.dup2(os.open(request["stdin"], os.O_RDONLY), 0)
            os.dup2(os.open(request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 1)
            os.dup2(os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 2)
        os.closerange(3, 4096)  # the fork server's pipes: a child holding them would keep its input open
        sys.stdin = open(0, closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        random.seed()  # a forked child starts with its parent's generator state
        from app.cli import main

        sys.argv = ["preplab", *request["argv"]]
        code = main(request["argv"]) or 0
    except SystemExit as stop:
        if stop.code is None or isinstance(stop.code, int):
            code = stop.code or 0
        else:  # sys.exit("message"): printed, status 1, as the interpreter does
            print(stop.code, file=sys.stderr)
    except BaseException:  # noqa: BLE001 - whatever it was belongs in the server's log
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            if "log" in request:
                os._exit(code)
    raise SystemExit(code)


def serve(answer_fd: int) -> None:
    _preload()
    assert threading.active_count() == 1, "the fork server must not start threads: a fork copies only one"
    answers = os.fdopen(answer_fd, "w", buffering=1)
    exited: dict[int, int] = {}
    running: set[int] = set()

    def reap(*_args: object) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            running.discard(pid)
            exited[pid] = os.waitstatus_to_exitcode(status)

    signal.signal(signal.SIGCHLD, reap)
    for line in sys.stdin:
        request = json.loads(line)
        if request["op"] == "spawn":
            pid = os.fork()
            if pid == 0:
                _child(request)
            running.add(pid)
            answers.write(json.dumps({"pid": pid}) + "\n")
        elif request["op"] == "status":
            reap()
            pid = int(request["pid"])
            answers.write(json.dumps({"returncode": exited.get(pid) if pid not in running else None}) + "\n")
    for pid in list(running):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


# ---------------------------------------------------------------------------------------------------- the test side

@dataclass
class ForkedProcess:
    """What tests/server.py needs of a subprocess.Popen, for a server the fork server started."""

    pid: int
    owner: ForkServer = field(repr=False)
    returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.owner.status(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"server {self.pid}", timeout or 0)
            time.sleep(0.02)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, number: int) -> None:
        if self.poll() is None:
            try:
                os.kill(self.pid, number)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkServer:
    def __init__(self) -> None:
        reader, writer = os.pipe()
        self.process = subprocess.Popen([sys.executable, "-m", "tests.forkserver", str(writer)], cwd=ROOT,
                                        stdin=subprocess.PIPE, pass_fds=(writer,), text=True)
        os.close(writer)
        self.answers: IO[str] = os.fdopen(reader, "r")
        self.lock = threading.Lock()

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if self.process.poll() is not None or self.process.stdin is None:
                raise RuntimeError(f"the fork server has exited ({self.process.returncode})")
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            line = self.answers.readline()
        if not line:
            raise RuntimeError("the fork server has exited")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def spawn(self, argv: list[str], *, env: dict[str, str], cwd: str, log: str) -> ForkedProcess:
        answer = self.ask({"op": "spawn", "argv": argv, "env": env, "cwd": cwd, "log": log})
        return ForkedProcess(pid=int(answer["pid"]), owner=self)

    def run(self, argv: list[str], *, env: dict[str, str], cwd: str, input: str | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """`preplab ARGV` to its end, as subprocess.run(..., capture_output=True, text=True) would run it."""
        with tempfile.TemporaryDirectory(prefix="preplab-cli-") as folder:
            paths = {name: os.path.join(folder, name) for name in ("stdin", "stdout", "stderr")}
            with open(paths["stdin"], "w", encoding="utf-8") as given:
                given.write(input or "")
            answer = self.ask({"op": "spawn", "argv": argv, "env": env, "cwd": cwd, **paths})
            process = ForkedProcess(pid=int(answer["pid"]), owner=self)
            try:
                returncode = process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
                raise
            with open(paths["stdout"], encoding="utf-8", errors="replace") as out, \
                    open(paths["stderr"], encoding="utf-8", errors="replace") as err:
                return subprocess.CompletedProcess(["preplab", *argv], returncode, out.read(), err.read())

    def status(self, pid: int) -> int | None:
        value = self.ask({"op": "status", "pid": pid})["returncode"]
        return None if value is None else int(value)

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


_shared: ForkServer | None = None
_shared_lock = threading.Lock()


def shared() -> ForkServer:
    """This test process's fork server, started on first use and closed when the process exits."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.process.poll() is not None:
            import atexit

            _shared = ForkServer()
            atexit.register(_shared.close)
        return _shared


def enabled() -> bool:
    return os.environ.get("PREPLAB_TEST_FORK_SERVERS", "1") != "0"


def preplab(*args: str, env: dict[str, str], cwd: str | os.PathLike[str], input: str | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """A `preplab` CLI command run to its end with its output captured: forked from the fork server (the app
    imported once), or with PREPLAB_TEST_FORK_SERVERS=0 a fresh `python -m app.cli`."""
    if enabled():
        return shared().run(list(args), env=env, cwd=str(cwd), input=input, timeout=timeout)
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=cwd, env=env, text=True, input=input,
                          capture_output=True, timeout=timeout, check=False)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
