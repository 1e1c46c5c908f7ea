"""The image's start command (deploy/start.sh, the Dockerfile's CMD) run here against a real PostgreSQL server with
compose.yaml's settings: it migrates an empty database, imports the banks, and serves with accounts on and several
workers; an admin added with `preplab users add` signs in and the pages answer 200; the health check says healthy.
What differs from the container: the server listens on 127.0.0.1 and a free port, with 2 workers instead of 4 (this
machine's 2 cores are shared), and `preplab` is this checkout's, not the image's.

Needs a PostgreSQL server: PREPLAB_TEST_POSTGRES_URL (skipped, with that reason, without one)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from app.settings import PROJECT_ROOT
from tests.backends import SERVER_URL, database_url, drop
from tests.deploy.test_compose import substitute
from tests.server import free_port

pytestmark = pytest.mark.skipif(SERVER_URL is None, reason="PREPLAB_TEST_POSTGRES_URL is not set: no PostgreSQL "
                                                           "server for the image's start command")
PASSWORD = "correct horse battery"


def compose_environment(database: str, port: int) -> dict[str, str]:
    compose = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text(encoding="utf-8"))
    environment = {name: substitute(str(value)) for name, value in compose["services"]["app"]["environment"].items()}
    environment.update(PREPLAB_DATABASE_URL=database, PREPLAB_HOST="127.0.0.1", PREPLAB_PORT=str(port),
                       PREPLAB_WORKERS="2")
    bin_folder = str(Path(sys.executable).parent)  # where this checkout's `preplab` is installed
    kept = {name: value for name, value in os.environ.items() if not name.startswith("PREPLAB_")}
    return {**kept, **environment, "PATH": f"{bin_folder}{os.pathsep}{os.environ.get('PATH', '')}"}


def answer(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes,
                                                                                                    list[str]]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), response.headers.get_all("Set-Cookie") or []
    except urllib.error.HTTPError as error:
        return error.code, error.read(), []


@pytest.fixture
def started(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], Path]]:
    database = tmp_path / "image.pg"
    port = free_port()
    environment = compose_environment(database_url(database), port)
    log = tmp_path / "start.log"
    with log.open("wb") as sink:
        # The container's working folder is /data; here a folder of the test's own. A session of its own, so that
        # the workers go with it.
        process = subprocess.Popen([str(PROJECT_ROOT / "deploy" / "start.sh")], cwd=tmp_path, env=environment,
                                   stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"start.sh exited with {process.returncode}:\n{log.read_text(errors='replace')}")
            try:
                if answer(f"{base}/signin")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail(f"no answer in 180 s:\n{log.read_text(errors='replace')}")
        yield base, environment, log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        drop(database)


def test_the_start_command_migrates_imports_and_serves_on_postgresql(
        started: tuple[str, dict[str, str], Path]) -> None:
    base, environment, log = started
    startup = log.read_text(errors="replace")
    assert "database schema is up to date" in startup and "新增" in startup  # migrated, then the banks imported
    added = subprocess.run(["preplab", "users", "add", "boss", "--admin", "--password-stdin"], input=PASSWORD,
                           text=True, env=environment, capture_output=True, timeout=120)
    assert added.returncode == 0, added.stderr

    status, body, cookies = answer(f"{base}/api/session", data=json.dumps({"name": "boss", "password": PASSWORD})
                                   .encode(), headers={"Content-Type": "application/json", "Origin": base})
    assert status == 200, body[:300]
    cookie = "; ".join(value.split(";", 1)[0] for value in cookies)
    for path in ("/", "/topics", "/cohort", "/search?q=ZeRO", "/api/banks"):
        status, body, _ = answer(base + path, headers={"Cookie": cookie})
        assert status == 200, (path, body[:300])
    banks = json.loads(answer(f"{base}/api/banks", headers={"Cookie": cookie})[1])
    assert sum(bank["total"] for bank in banks) > 100

    health = subprocess.run([sys.executable, str(PROJECT_ROOT / "deploy" / "healthcheck.py")],
                            env={**environment, "PREPLAB_PORT": base.rsplit(":", 1)[1]}, timeout=30)
    assert health.returncode == 0
