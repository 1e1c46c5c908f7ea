"""50 learners for 60 s against one `preplab serve` (tests/learners.py: each with a mock interview autosaved every
second, and question pages, the review page, grades and searches between), then the database checked: every
acknowledged grade has exactly one review-log row, every acknowledged autosave is stored, integrity_check ok.
Run alone: .venv/bin/python -m tests.bench.load
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from tests.bench.targets import Target
from tests.http_load import Tally
from tests.learners import Ledger, active_questions, learners, verify
from tests.server import imported_database, new_server

LEARNERS = int(os.environ.get("BENCH_LEARNERS", "50"))
DURATION_S = float(os.environ.get("BENCH_LOAD_S", "60"))
P95_TARGET_MS, P99_TARGET_MS = 1000.0, 2000.0


def describe(label: str, tally: Tally, seconds: float) -> str:
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(tally.statuses.items()))
    failures = ", ".join(f"{kind}: {count}" for kind, count in sorted(tally.failures.items())) or "none"
    return (f"  {label:<10} {tally.count / seconds:6.1f} req/s  p50 {tally.percentile_ms(0.5):7.1f}  "
            f"p95 {tally.percentile_ms(0.95):7.1f}  p99 {tally.percentile_ms(0.99):7.1f} ms  "
            f"[{statuses}]  no reply: {failures}")


def main() -> list[Target]:
    os.environ.setdefault("PREPLAB_TIMEZONE", "UTC")
    ledger = Ledger()
    with tempfile.TemporaryDirectory() as folder:
        template = imported_database(Path(folder) / "template.db")
        server = new_server(Path(folder), template)
        try:
            asyncio.run(learners(server.url, active_questions(server.database), count=LEARNERS,
                                 duration_s=DURATION_S, ledger=ledger))
        finally:
            server.stop()
        verdict = verify(server.database, ledger)
    tally = ledger.tally
    print(f"load: {LEARNERS} learners for {DURATION_S:.0f} s (one mock interview each, autosave every second; "
          "question pages, review page, grades and searches 1-3 s apart)")
    print(describe("all", tally, DURATION_S))
    for kind, part in sorted(ledger.by_kind.items()):
        print(describe(kind, part, DURATION_S))
    for example in tally.examples[:3]:
        print(f"    e.g. {example}")
    print(f"  afterwards, from the database: {verdict.grades_checked} acknowledged grades, {verdict.autosaves_checked} "
          f"autosaved answers (the newest of {ledger.saves_acknowledged} acknowledged saves) checked; "
          f"integrity_check {verdict.integrity}; "
          f"{'nothing lost or doubled' if verdict.ok else '; '.join(verdict.problems[:5])}")
    errors = sum(count for status, count in tally.statuses.items() if status >= 500)
    timeouts = tally.failures.get("timeout", 0) + tally.failures.get("no reply", 0)
    p95, p99 = tally.percentile_ms(0.95), tally.percentile_ms(0.99)
    return [
        Target(f"{LEARNERS}-learner load: errors", f"{errors} 5xx of {tally.count}", "0", errors == 0),
        Target(f"{LEARNERS}-learner load: timeouts", f"{timeouts} unanswered", "0", timeouts == 0),
        Target(f"{LEARNERS}-learner load: p95", f"{p95:.0f} ms ({tally.count / DURATION_S:.0f} req/s)",
               f"< {P95_TARGET_MS:.0f} ms", p95 < P95_TARGET_MS),
        Target(f"{LEARNERS}-learner load: p99", f"{p99:.0f} ms", f"< {P99_TARGET_MS:.0f} ms", p99 < P99_TARGET_MS),
        Target(f"{LEARNERS}-learner load: nothing lost or doubled",
               f"{verdict.grades_checked} grades, {ledger.saves_acknowledged} saves", "all stored once",
               verdict.ok),
    ]


if __name__ == "__main__":
    from tests.bench.targets import report

    report(main())
