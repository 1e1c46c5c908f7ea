"""Concurrent asks for one key share a read (app/coalesced_reads.py), and that read always starts after each ask
it answers was made: an ask made while a read is under way waits for the next one."""

from __future__ import annotations

import asyncio
import threading

import pytest

from app.coalesced_reads import CoalescedReads
from tests.event_loop import run_apart


def test_asks_waiting_together_share_one_read_and_later_asks_get_a_later_one() -> None:
    value = 0
    reading = threading.Event()
    go_on = threading.Event()

    def read(_key: str) -> int:
        seen = value  # what the database holds when the read starts
        reading.set()
        go_on.wait(5)
        return seen

    reads = CoalescedReads(read, name="test-reads", idle_s=0.2)

    async def scenario() -> tuple[int, list[int]]:
        nonlocal value
        first = asyncio.ensure_future(reads.get("ana"))
        await asyncio.to_thread(reading.wait, 5)  # the first read is under way ...
        value = 7  # ... a write lands, then more asks come: they must not get the first read's answer
        later = [asyncio.ensure_future(reads.get("ana")) for _ in range(20)]
        await asyncio.sleep(0.05)
        go_on.set()
        return await first, list(await asyncio.gather(*later))

    first, later = run_apart(scenario)
    assert first == 0 and later == [7] * 20
    assert (reads.asks, reads.reads) == (21, 2)


def test_an_error_reaches_every_ask_of_its_read_and_the_thread_goes_when_idle() -> None:
    def read(key: str) -> int:
        raise LookupError(key)

    reads = CoalescedReads(read, name="test-reads", idle_s=0.05)

    async def ask() -> None:
        await asyncio.gather(*(reads.get("x") for _ in range(3)))

    with pytest.raises(LookupError):
        run_apart(ask)
    for _ in range(100):
        if not any(thread.name == "test-reads" for thread in threading.enumerate()):
            break
        threading.Event().wait(0.02)
    assert not any(thread.name == "test-reads" for thread in threading.enumerate())
