"""Under load, and through a crash: a real `preplab serve` process on loopback, many learners at once (the mix of
tests/learners.py: pages, search, grades, an autosave every second), then a SIGKILL in the middle of a second burst
and a restart. Correctness only (timings are `make bench`'s): no 5xx, nothing unanswered before the kill, every
acknowledged grade stored exactly once, every acknowledged autosave stored, SQLite's integrity check ok. Bounded in
time (about 30 s) and sent to 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import concurrent.futures
from pathlib import Path

import pytest

from tests.backends import copy_database
from tests.http_load import Client, NoReply, Tally
from tests.learners import Ledger, active_questions, learners, verify
from tests.server import LiveServer, imported_database

CLIENTS = 30
BURST_S = 10.0
KILL_AFTER_S = 4.0


def run_apart(coroutine):  # type: ignore[no-untyped-def]
    """asyncio.run in a thread of its own: the browser tests' Playwright keeps an event loop running in this one."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="module")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return imported_database(tmp_path_factory.mktemp("load-template") / "content.db")


def server_on_copy(folder: Path, template: Path, **env: str) -> LiveServer:
    database = folder / "live.db"
    copy_database(template, database)
    return LiveServer(database=database, env=env).start()


def no_server_errors(tally: Tally) -> list[str]:
    return [example for example in tally.examples if example[:1] == "5"] + [
        f"{count} × {status}" for status, count in tally.statuses.items() if status >= 500]


def test_thirty_learners_then_a_kill_lose_and_double_nothing(tmp_path: Path, template_database: Path) -> None:
    server = server_on_copy(tmp_path, template_database)
    questions = active_questions(server.database)
    first = Ledger()
    try:
        run_apart(learners(server.url, questions, count=CLIENTS, duration_s=BURST_S, ledger=first,
                             think_s=(0.2, 0.8)))
        assert first.rounds == CLIENTS
        assert not no_server_errors(first.tally), first.tally.examples
        assert not first.tally.failures, (first.tally.failures, first.tally.examples)
        assert first.grades and first.autosaves and first.by_kind["question"].count

        second = Ledger()

        async def burst_with_a_kill() -> None:
            crowd = asyncio.create_task(learners(server.url, questions, count=CLIENTS, duration_s=KILL_AFTER_S + 2,
                                                 ledger=second, think_s=(0.2, 0.8), first=CLIENTS))
            await asyncio.sleep(KILL_AFTER_S)
            await asyncio.to_thread(server.kill)  # in the middle of requests: some answered, some cut off
            await crowd

        run_apart(burst_with_a_kill())
    finally:
        server.stop()
    assert not no_server_errors(second.tally), second.tally.examples
    assert second.tally.failures, "the kill cut no request off: it came too late to test anything"

    restarted = LiveServer(database=server.database).start()
    try:
        assert run_apart(page_status(restarted.url, "/review")) == 200
    finally:
        restarted.stop()
    ledger = Ledger(grades={**first.grades, **second.grades}, autosaves={**first.autosaves, **second.autosaves})
    verdict = verify(server.database, ledger)
    assert verdict.integrity == "ok"
    assert not verdict.problems, verdict.problems
    # Enough happened to test anything (how much depends on the machine's load: correctness, not speed, is asserted).
    assert verdict.grades_checked >= 10 and verdict.autosaves_checked > CLIENTS


async def page_status(base_url: str, path: str) -> int:
    client = Client(base_url)
    try:
        return (await client.request("GET", path)).status
    finally:
        await client.close()


def test_more_clients_than_threads_and_connections_never_stall(tmp_path: Path, template_database: Path) -> None:
    """Two route threads, so six connections, and 60 clients at once asking for database-backed pages and JSON:
    before, each request held a connection while it waited for a thread, and the pool ran dry for 30 s — for JSON
    routes also while FastAPI waited for a thread to check the route's return value (app/deps.py
    SessionReleasingRoute)."""
    server = server_on_copy(tmp_path, template_database, PREPLAB_WORKER_THREADS="2")
    questions = active_questions(server.database)[:20]
    tally = Tally()

    async def crowd() -> None:
        async def one(number: int) -> None:
            client = Client(server.url, timeout_s=20)
            try:
                await client.open_page("/settings")
                question = questions[number % len(questions)]
                for path in (f"/questions/{question}", "/review", "/api/banks", f"/api/questions/{question}",
                             "/api/dashboard"):
                    tally.add(await client.request("GET", path))
            except NoReply as error:
                tally.fail(error)
            finally:
                await client.close()

        await asyncio.gather(*(one(number) for number in range(60)))

    try:
        run_apart(crowd())
    finally:
        server.stop()
    # A stall is a request waiting out the pool's 30 s: it fails here as a 5xx, or as no reply within the client's
    # 20 s. How long the crowd took as a whole is the machine's business, not this test's (a loaded machine is slow).
    assert tally.statuses == {200: 300} and not tally.failures, (tally.statuses, tally.failures, tally.examples)
