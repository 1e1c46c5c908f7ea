"""Run PrepLab as a real server process for tests: its own database (tests/backends.py), a free loopback port,
kill -9 on demand."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from app.content.service import import_paths
from app.labs.service import load_reference_results
from app.settings import PROJECT_ROOT, Settings
from tests import forkserver
from tests.backends import built_database, copy_database, database_url

CONTENT = PROJECT_ROOT / "content"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def imported_database(path: Path) -> Path:
    """A database holding all of content/, built once and copied (tests/backends.copy_database) by each test or
    server that needs one."""
    return built_database(path, _content_and_references)


def _content_and_references(engine: Engine) -> None:
    """content/ imported, and the shipped lab results stored as every server's start stores them: done once in the
    template, so every copy holds the same reference runs (and their laid-out HTML, cached per run, is reused)."""
    import_paths(engine, [CONTENT], settings=Settings(content_dir=CONTENT))
    with Session(engine) as session:
        load_reference_results(session)


@dataclass
class LiveServer:
    database: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | forkserver.ForkedProcess | None = None
    log: Path | None = None
    env: dict[str, str] = field(default_factory=dict)  # more PREPLAB_* settings for this server
    ready_path: str = "/api/banks"  # answers 200 once the server is up (team mode: /signin, which needs no session)
    fork: bool = True  # forked from tests/forkserver.py (imports done once); False: a fresh `python -m app.cli`

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> LiveServer:
        env = {**os.environ, "PREPLAB_DATABASE_URL": database_url(self.database),
               "PREPLAB_CONTENT_DIR": str(CONTENT), **self.env}
        self.log = self.database.with_suffix(".log")
        argv = ["serve", "--port", str(self.port)]
        if self.fork and forkserver.enabled():
            self.process = forkserver.shared().spawn(argv, env=env, cwd=str(self.database.parent), log=str(self.log))
        else:
            with self.log.open("ab") as sink:
                self.process = subprocess.Popen([sys.executable, "-m", "app.cli", *argv], cwd=self.database.parent,
                                                env=env, stdout=sink, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{self.url}{self.ready_path}", timeout=1):
                    return self
            except OSError:
                time.sleep(0.02)  # a forked server answers within a few tenths of a second
        raise RuntimeError(f"server did not start in {timeout}s:\n{self.log.read_text(errors='replace')}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing — what a crash or power cut looks like to the database."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def new_server(folder: Path, template: Path) -> LiveServer:
    database = copy_database(template, folder / "live.db")
    return LiveServer(database=database).start()
