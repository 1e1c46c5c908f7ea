"""`preplab serve --workers N` as a real process for tests: its database (tests/backends.py: SQLite or
PostgreSQL), a free loopback port, its worker processes found through /proc."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests import forkserver
from tests.backends import database_url
from tests.server import CONTENT, free_port


@dataclass
class Workers:
    database: Path
    count: int = 2
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.database.with_suffix(".workers.log")

    def environment(self) -> dict[str, str]:
        return {**os.environ, "PREPLAB_DATABASE_URL": database_url(self.database), "PREPLAB_CONTENT_DIR": str(CONTENT),
                **self.env}

    def start(self, timeout: float = 60) -> Workers:
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve", "--port", str(self.port), "--workers", str(self.count)],
                cwd=self.database.parent, env=self.environment(), stdout=sink, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log.read_text(errors='replace')}")
            if len(self.worker_pids()) == self.count and self._answers():
                return self
            time.sleep(0.2)
        raise RuntimeError(f"workers did not start in {timeout}s:\n{self.log.read_text(errors='replace')}")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/banks", timeout=2):
                pass
        except urllib.error.HTTPError:
            pass  # team mode answers 401 before sign-in: it answers
        except OSError:
            return False
        return self.log.read_text(errors="replace").count("Application startup complete") >= self.count

    def worker_pids(self) -> list[int]:
        """The supervisor's children that run the app (uvicorn's spawned workers; not its resource tracker)."""
        assert self.process is not None
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[-1].split()[1])
            if parent == self.process.pid and b"resource_tracker" not in command:
                found.append(int(entry.name))
        return sorted(found)

    def run_cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A `preplab` command beside the running server, on the same database."""
        return forkserver.preplab(*args, env=self.environment(), cwd=self.database.parent)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
