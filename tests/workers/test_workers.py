"""`preplab serve --workers 2` for real: one lab run per device across both workers (a second start is queued with
its position, then runs; a worker killed in the middle of a run is detected and its queue moves on), an import by
the CLI beside the running workers is seen by every one of them, and both workers list the same lab catalogue. On
the suite's database (SQLite, or PostgreSQL with PREPLAB_TEST_POSTGRES_URL: tests/backends.py)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.backends import copy_database, query
from tests.http_load import Client
from tests.lab_runs import SHORT_LAB, SHORT_RUN
from tests.server import imported_database
from tests.workers.servers import Workers

LONG_RUN = {"steps": "10000", "warmup_steps": "2"}  # mixed-precision for minutes: going on when a worker is killed


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return imported_database(tmp_path_factory.mktemp("workers-template") / "content.db")


@pytest.fixture
def workers(tmp_path: Path, template: Path) -> Iterator[Workers]:
    server = Workers(database=copy_database(template, tmp_path / "live.db"), count=2).start()
    yield server
    server.stop()


def run_apart(coroutine: Any) -> Any:
    """asyncio.run in a thread of its own (the browser tests' Playwright keeps a loop running in this one)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _clients(url: str, count: int) -> list[Client]:
    clients = [Client(url, timeout_s=60) for _ in range(count)]
    for client in clients:
        await client.open_page("/settings")
    return clients


async def _start_two(url: str, lab: str, params: dict[str, str]) -> list[dict[str, Any]]:
    """Two learners' browsers start a run on the CPU at the same moment."""
    clients = await _clients(url, 2)
    try:
        replies = await asyncio.gather(*(client.request("POST", f"/api/labs/{lab}/runs",
                                                        json={"device": "cpu", "params": params})
                                         for client in clients))
    finally:
        for client in clients:
            await client.close()
    assert [reply.status for reply in replies] == [202, 202], [reply.text[:300] for reply in replies]
    return [reply.json() for reply in replies]


async def _get_json(url: str, path: str) -> Any:
    client = Client(url, timeout_s=30)
    try:
        reply = await client.request("GET", path)
        assert reply.status == 200, reply.text[:300]
        return reply.json()
    finally:
        await client.close()


def until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)
    return found


def rows(server: Workers) -> dict[int, dict[str, Any]]:
    found = query(server.database, "SELECT id, status, server_pid, started_at, finished_at, error FROM lab_run "
                                   "WHERE reference = :no", {"no": False})
    return {row[0]: dict(zip(("id", "status", "server_pid", "started_at", "finished_at", "error"), row, strict=True))
            for row in found}


def test_two_starts_on_two_workers_one_runs_the_other_waits_its_turn(workers: Workers) -> None:
    first, second = sorted(run_apart(_start_two(workers.url, SHORT_LAB, SHORT_RUN)), key=lambda run: run["id"])
    assert first["status"] == "running" and first["queue_position"] is None
    assert second["status"] == "queued" and second["queue_position"] == 1  # not a 409: it waits
    page = run_apart(_page(workers.url, f"/labs/runs/{second['id']}"))
    assert 'data-testid="queue-position"' in page and 'data-position="1"' in page and "第 1 位" in page
    until(lambda: rows(workers)[second["id"]]["status"] == "done", 240, "the queued run to run and finish")
    stored = rows(workers)
    assert stored[first["id"]]["status"] == "done", stored[first["id"]]["error"]
    assert stored[first["id"]]["finished_at"] <= stored[second["id"]]["started_at"]  # one at a time, in order
    assert {row["server_pid"] for row in stored.values()} == {None}  # cleared when each ended


async def _page(url: str, path: str) -> str:
    client = Client(url, timeout_s=30)
    try:
        reply = await client.request("GET", path)
        assert reply.status == 200
        return reply.text
    finally:
        await client.close()


def test_a_killed_workers_run_is_ended_and_its_queue_moves_on(workers: Workers) -> None:
    first, second = sorted(run_apart(_start_two(workers.url, "mixed-precision", LONG_RUN)),
                           key=lambda run: run["id"])
    owner = until(lambda: rows(workers)[first["id"]]["server_pid"], 30, "the first run's worker")
    assert owner in workers.worker_pids() and rows(workers)[second["id"]]["status"] == "queued"
    os.kill(owner, signal.SIGKILL)  # a worker crash: no shutdown hook runs
    ended = until(lambda: rows(workers)[first["id"]]["status"] != "running" and rows(workers)[first["id"]], 30,
                  "another worker to notice the dead one")
    assert ended["status"] == "failed" and "did not stop cleanly" in ended["error"]
    taken = until(lambda: rows(workers)[second["id"]]["status"] == "running" and rows(workers)[second["id"]], 30,
                  "the queued run to start in a live worker")
    assert taken["server_pid"] != owner
    cancelled = run_apart(_cancel(workers.url, second["id"]))  # through whichever worker: it stops the run
    assert cancelled["status"] == "cancelled", cancelled


async def _cancel(url: str, run_id: int) -> Any:
    client = (await _clients(url, 1))[0]
    try:
        reply = await client.request("POST", f"/api/lab-runs/{run_id}/cancel")
        assert reply.status == 200, reply.text[:300]
        return reply.json()
    finally:
        await client.close()


NEW_BANK = """---
preplab: 1
bank: workers-check
title: 多进程检查
description: 导入后每个工作进程都应看到它。
---

## 流水线并行里的气泡（bubble）是什么？

```yaml
id: q-workers-bubble
kind: open
difficulty: 2
topic: 分布式训练与系统架构
skill: 流水线并行
```

### 题目

流水线并行里的气泡（bubble）是什么？怎样让它变小？

### 答案

各级在等待前后级时空闲的时间，占比约 (p − 1)/(m + p − 1)：增加微批次数 m 可以减小气泡。
"""


async def _many(url: str, path: str, count: int) -> list[tuple[int, str]]:
    """`count` requests at once, each on a connection of its own: both workers answer some of them."""
    async def one() -> tuple[int, str]:
        client = Client(url, timeout_s=30)
        try:
            reply = await client.request("GET", path)
            return reply.status, reply.text
        finally:
            await client.close()

    return list(await asyncio.gather(*(one() for _ in range(count))))


def test_an_import_by_the_cli_is_seen_by_every_worker(workers: Workers, tmp_path: Path) -> None:
    revision = query(workers.database, "SELECT revision FROM shared_state WHERE name = 'content'")[0][0]
    before = run_apart(_many(workers.url, "/questions/q-workers-bubble", 20))
    assert {status for status, _ in before} == {404}
    bank = tmp_path / "workers-check.md"
    bank.write_text(NEW_BANK, encoding="utf-8")
    imported = workers.run_cli("import", str(bank))
    assert imported.returncode == 0, imported.stderr
    assert query(workers.database, "SELECT revision FROM shared_state WHERE name = 'content'")[0][0] == revision + 1
    time.sleep(1.5)  # each worker looks at the revision once a second
    pages = run_apart(_many(workers.url, "/questions/q-workers-bubble", 20))
    assert {status for status, _ in pages} == {200} and all("增加微批次数" in text for _, text in pages)
    # Eight, not twenty: twenty /api/banks at once exhaust one worker's pool (a bug of its own, reported).
    banks = run_apart(_many(workers.url, "/api/banks", 8))
    assert all("workers-check" in text for _, text in banks)


def test_every_worker_lists_the_same_lab_catalogue(workers: Workers) -> None:
    answers = run_apart(_many(workers.url, "/api/labs", 12))
    catalogues = {json.dumps([(lab["id"], lab["params"]) for lab in json.loads(text)["labs"]]) for _, text in answers}
    devices = {json.dumps(json.loads(text)["devices"]) for _, text in answers}
    assert {status for status, _ in answers} == {200} and len(catalogues) == 1 and len(devices) == 1


def test_workers_is_a_whole_number(tmp_path: Path, template: Path) -> None:
    server = Workers(database=copy_database(template, tmp_path / "live.db"))
    refused = server.run_cli("serve", "--workers", "0")
    assert refused.returncode == 2 and "--workers" in refused.stderr and "1-64" in refused.stderr
