"""Start-up, measured apart from the warm figures: from `preplab serve` starting to its first answer, from there to
the first answer of a lab-backed question page, and the first 20 distinct question pages after that (each question
met for the first time: its Markdown rendered, its lab results laid out). Run alone:
.venv/bin/python -m tests.bench.cold_start
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from tests.bench.targets import Target
from tests.bench.web_throughput import question_ids
from tests.http_load import Client
from tests.server import LiveServer, imported_database, new_server

ROUNDS = 3
LAB_PAGE_TARGET_MS = 150.0


async def pages_ms(url: str, paths: list[str]) -> list[float]:
    client = Client(url)
    times = []
    try:
        for path in paths:
            reply = await client.request("GET", path)
            if reply.status != 200:
                raise RuntimeError(f"GET {path}: {reply.status}")
            times.append(reply.elapsed_s * 1000)
    finally:
        await client.close()
    return times


def one_start(folder: Path, template: Path, lab_page: str, others: list[str]) -> tuple[float, float, list[float]]:
    database = folder / "cold.db"
    database.write_bytes(template.read_bytes())
    server = LiveServer(database=database, fork=False)  # a real cold start: a new interpreter, every import
    started = time.perf_counter()
    server.start(timeout=60)  # returns once /api/banks answered: the first answer
    answered = time.perf_counter()
    try:
        asyncio.run(pages_ms(server.url, [lab_page]))
        gap_ms = (time.perf_counter() - answered) * 1000
        first_20 = asyncio.run(pages_ms(server.url, others))
    finally:
        server.stop()
    return answered - started, gap_ms, first_20


def main() -> list[Target]:
    with tempfile.TemporaryDirectory() as folder:
        template = imported_database(Path(folder) / "template.db")
        probe = new_server(Path(folder), template)
        ids = question_ids(probe.database, 21)
        probe.stop()
        runs = [one_start(Path(folder), template, f"/questions/{ids[0]}", [f"/questions/{qid}" for qid in ids[1:]])
                for _ in range(ROUNDS)]
    starts = [run[0] for run in runs]
    gaps = [run[1] for run in runs]
    pages = [ms for run in runs for ms in run[2]]
    print(f"cold start ({ROUNDS} starts of `preplab serve` on a copy of the imported database)")
    print(f"  process start to first answer        : median {statistics.median(starts):6.2f} s  "
          f"(max {max(starts):.2f} s)")
    print(f"  first answer to first lab-backed page: median {statistics.median(gaps):6.1f} ms (max {max(gaps):.1f} ms)")
    print(f"  first 20 distinct question pages     : median {statistics.median(pages):6.1f} ms each, "
          f"max {max(pages):.1f} ms, total {sum(pages) / ROUNDS:.0f} ms per start")
    return [Target("first lab-backed page after first answer", f"max {max(gaps):.0f} ms over {ROUNDS} starts",
                   f"< {LAB_PAGE_TARGET_MS:.0f} ms", max(gaps) < LAB_PAGE_TARGET_MS)]


if __name__ == "__main__":
    from tests.bench.targets import report

    report(main())
