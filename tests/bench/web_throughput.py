"""Requests per second for the question page and for grading, as ratios to a bare FastAPI endpoint.

All three are served by uvicorn in their own process on loopback and driven by the same client
(keep-alive connections from a few threads) for the same time, so the ratio is what PrepLab's own
work costs on top of the framework, whatever this machine's speed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from itertools import count
from pathlib import Path
from urllib.parse import quote

import httpx

from tests.csrf import page_headers
from tests.server import LiveServer, free_port, imported_database, new_server

DURATION_S = 4.0
THREADS = 4


def _drive(base_url: str, request: Callable[[httpx.Client, int], httpx.Response]) -> float:
    """Requests per second over DURATION_S from THREADS keep-alive clients; any non-2xx answer fails the run."""
    done = count()
    failures: list[str] = []
    stop_at = time.perf_counter() + DURATION_S

    def worker() -> None:
        with httpx.Client(base_url=base_url, timeout=10) as client:
            while time.perf_counter() < stop_at:
                response = request(client, next(done))
                if response.status_code >= 300:
                    failures.append(f"{response.status_code} {response.text[:200]}")
                    return

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"benchmark request failed: {failures[0]}")
    return (next(done) - THREADS) / elapsed


def _bare_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "tests.bench.bare_app:app", "--port", str(port), "--log-level", "warning"],
        cwd=Path(__file__).resolve().parents[2],
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"{url}/constant", timeout=1):
                return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("bare server did not start")


def _question_ids(server: LiveServer) -> list[str]:
    with urllib.request.urlopen(f"{server.url}/api/search?q={quote('训练')}&limit=50", timeout=10) as response:
        results = json.load(response)["results"]
    return [result["id"] for result in results]


def _grading(folder: Path, template: Path, synchronous: str) -> float:
    """Grades per second on a fresh copy of the database, the server's SQLite in `synchronous` mode."""
    os.environ["PREPLAB_SQLITE_SYNCHRONOUS"] = synchronous
    run = folder / synchronous.lower()
    run.mkdir()
    server = new_server(run, template)
    try:
        ids = _question_ids(server)
        headers = page_headers(server.url)  # the token a page would send
        return _drive(server.url, lambda client, i: client.post(
            f"/api/review/{ids[i % len(ids)]}", json={"rating": 3}, headers=headers))
    finally:
        server.stop()
        os.environ.pop("PREPLAB_SQLITE_SYNCHRONOUS", None)


def main() -> None:
    os.environ.setdefault("PREPLAB_TIMEZONE", "UTC")
    with tempfile.TemporaryDirectory() as folder:
        template = imported_database(Path(folder) / "template.db")
        server = new_server(Path(folder), template)
        bare, bare_url = _bare_server()
        try:
            ids = _question_ids(server)
            baseline = _drive(bare_url, lambda client, _i: client.get("/constant"))
            page = _drive(server.url, lambda client, i: client.get(f"/questions/{ids[i % len(ids)]}"))
        finally:
            bare.kill()
            server.stop()
        full = _grading(Path(folder), template, "FULL")
        normal = _grading(Path(folder), template, "NORMAL")
    print(f"web throughput ({THREADS} keep-alive clients, {DURATION_S:.0f} s each, uvicorn, one process)")
    print(f"  bare FastAPI constant endpoint : {baseline:8.0f} req/s  (baseline)")
    print(f"  question page /questions/{{id}} : {page:8.0f} req/s  ({page / baseline:5.2f}x baseline)")
    print(f"  grading POST /api/review/{{id}} : {full:8.0f} req/s  ({full / baseline:5.2f}x baseline; "
          "synchronous=FULL, the default: every grade survives a power cut)")
    print(f"  grading, synchronous=NORMAL    : {normal:8.0f} req/s  ({normal / baseline:5.2f}x baseline; "
          f"FULL costs {100 * (1 - full / normal):.0f}%)")


if __name__ == "__main__":
    main()
