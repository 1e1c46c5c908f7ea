"""Requests per second and latency (p50/p95/p99) of the question page and of grading, beside a bare FastAPI
endpoint served the same way in the same run, at 4 and at 32 concurrent clients.

Every server is uvicorn in its own process on loopback; the clients are tests/http_load.py's lean keep-alive
clients in this process (gzip accepted, the CSRF cookie and token a page gives), so the figures are the servers',
not the client's. Each measurement is preceded by an untimed warm-up, and the question pages are first visited
once each, so this is the warm figure; start-up is tests/bench/cold_start.py's. Run alone:
.venv/bin/python -m tests.bench.web_throughput
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.bench.targets import Target
from tests.http_load import Client, Tally, closed_loop
from tests.server import LiveServer, free_port, imported_database, new_server

DURATION_S = 4.0
WARMUP_S = 1.0
CLIENTS = (4, 32)
QUESTION_TARGET = 0.5  # × the bare endpoint's req/s, warm
GRADING_TARGET = 0.3


def bare_server() -> tuple[subprocess.Popen[bytes], str]:
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


def question_ids(database: Path, count: int = 40) -> list[str]:
    """Questions backed by a lab first (the costliest pages), then others, all active."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT q.id FROM question q WHERE q.retired = 0 ORDER BY EXISTS (SELECT 1 FROM question_concept qc "
            "JOIN concept c ON c.id = qc.concept_id WHERE qc.question_id = q.id AND c.labs != '[]') DESC, q.id "
            "LIMIT ?", (count,)).fetchall()
    return [row[0] for row in rows]


def line(label: str, tally: Tally, seconds: float, baseline: float | None) -> str:
    rate = tally.count / seconds
    ratio = f"{rate / baseline:5.2f}x baseline" if baseline else "  baseline    "
    errors = f"  errors {tally.errors()}" if tally.errors() or any(s >= 300 for s in tally.statuses) else ""
    return (f"  {label:<34} {rate:7.0f} req/s  {ratio}  p50 {tally.percentile_ms(0.5):7.1f}  "
            f"p95 {tally.percentile_ms(0.95):7.1f}  p99 {tally.percentile_ms(0.99):7.1f} ms{errors}")


async def measure(url: str, request, clients: int, page: str | None) -> tuple[Tally, float]:  # type: ignore[no-untyped-def]
    return await closed_loop(url, request, clients=clients, duration_s=DURATION_S, warmup_s=WARMUP_S, page=page)


async def visit_once(url: str, paths: list[str]) -> None:
    client = Client(url)
    try:
        for path in paths:
            await client.request("GET", path)
    finally:
        await client.close()


def grading(folder: Path, template: Path, synchronous: str, clients: int) -> tuple[Tally, float]:
    """Grades on a fresh copy of the database, the server's SQLite in `synchronous` mode; every client grades
    its own questions, each grade the next version of its card (so none is a duplicate or a conflict)."""
    run = folder / f"{synchronous.lower()}-{clients}"
    run.mkdir()
    os.environ["PREPLAB_SQLITE_SYNCHRONOUS"] = synchronous
    try:
        server = new_server(run, template)
    finally:
        os.environ.pop("PREPLAB_SQLITE_SYNCHRONOUS", None)
    ids = question_ids(server.database, 192)
    versions: dict[str, int] = {}

    async def grade(client: Client, sequence: int):  # type: ignore[no-untyped-def]
        mine = ids[sequence % clients::clients] or ids
        question = mine[(sequence // clients) % len(mine)]
        reply = await client.request("POST", f"/api/review/{question}",
                                     json={"rating": 3, "reps": versions.get(question, 0)})
        if reply.status == 200:
            versions[question] = int(reply.json()["reps"])
        return reply

    try:
        return asyncio.run(measure(server.url, grade, clients, "/settings"))
    finally:
        server.stop()


def main() -> list[Target]:
    os.environ.setdefault("PREPLAB_TIMEZONE", "UTC")
    targets: list[Target] = []
    results: dict[int, dict[str, tuple[Tally, float]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        template = imported_database(Path(folder) / "template.db")
        server: LiveServer = new_server(Path(folder), template)
        bare, bare_url = bare_server()
        try:
            paths = [f"/questions/{qid}" for qid in question_ids(server.database)]
            asyncio.run(visit_once(server.url, paths))
            for clients in CLIENTS:
                results[clients] = {
                    "bare": asyncio.run(measure(bare_url, lambda c, _i: c.request("GET", "/constant"), clients, None)),
                    "question": asyncio.run(measure(server.url, lambda c, i: c.request("GET", paths[i % len(paths)]),
                                                    clients, "/settings")),
                }
        finally:
            bare.kill()
            server.stop()
        for clients in CLIENTS:
            results[clients]["full"] = grading(Path(folder), template, "FULL", clients)
        results[CLIENTS[0]]["normal"] = grading(Path(folder), template, "NORMAL", CLIENTS[0])
    print(f"web throughput (uvicorn, one process; lean keep-alive clients; {WARMUP_S:.0f} s warm-up, "
          f"{DURATION_S:.0f} s timed)")
    for clients in CLIENTS:
        row = results[clients]
        base = row["bare"][0].count / row["bare"][1]
        print(f" {clients} concurrent clients")
        print(line("bare FastAPI constant endpoint", *row["bare"], None))
        print(line("question page /questions/{id}", *row["question"], base))
        print(line("grading POST /api/review/{id} FULL", *row["full"], base))
        if "normal" in row:
            print(line("grading, synchronous=NORMAL", *row["normal"], base))
        page_ratio = row["question"][0].count / row["question"][1] / base
        grade_ratio = row["full"][0].count / row["full"][1] / base
        clean = not row["question"][0].errors() and not row["full"][0].errors()
        targets.append(Target(f"question page, warm, {clients} clients", f"{page_ratio:.2f}x bare ({base:.0f} req/s)",
                              f">= {QUESTION_TARGET}x", page_ratio >= QUESTION_TARGET and clean))
        targets.append(Target(f"grading (synchronous=FULL), {clients} clients",
                              f"{grade_ratio:.2f}x bare ({base:.0f} req/s)", f">= {GRADING_TARGET}x",
                              grade_ratio >= GRADING_TARGET and clean))
    return targets


if __name__ == "__main__":
    from tests.bench.targets import report

    report(main())
