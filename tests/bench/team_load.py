"""A team on PostgreSQL: `preplab serve --workers 4` in team mode (PREPLAB_ACCOUNTS=1), 50 learners with an account
each, each signed in once through /signin, then for 60 s the mix of tests/learners.py (question pages, the review
page, grades of their own cards, searches, and one mock interview each autosaved every second). Afterwards, from the
database: every acknowledged grade has exactly one review-log row, every acknowledged autosave is stored.

Needs a PostgreSQL server: PREPLAB_TEST_POSTGRES_URL (tests/backends.py makes a database of its own there and drops
it at the end); without one, `make bench` starts a throwaway cluster from Debian's binaries (tests/pg_server.py) and
runs this benchmark in a process of its own against it (the other benchmarks stay on SQLite); with neither it says
so and measures nothing. Run alone:
    PREPLAB_TEST_POSTGRES_URL=postgresql+psycopg://preplab@127.0.0.1:54329/postgres \
        .venv/bin/python -m tests.bench.team_load
Knobs: BENCH_TEAM_LEARNERS (50), BENCH_TEAM_WORKERS (4), BENCH_TEAM_S (60).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlmodel import Session

from app.db import make_engine
from tests import pg_server
from tests.backends import ON_POSTGRES, copy_database, database_url, drop_created
from tests.bench.load import describe
from tests.bench.targets import Target
from tests.http_load import Client, NoReply, Reply
from tests.learners import Learner, Ledger, active_questions, verify
from tests.server import imported_database
from tests.workers.servers import Workers

LEARNERS = int(os.environ.get("BENCH_TEAM_LEARNERS", "50"))
WORKERS = int(os.environ.get("BENCH_TEAM_WORKERS", "4"))
DURATION_S = float(os.environ.get("BENCH_TEAM_S", "60"))
P95_TARGET_MS = 500.0
SIGN_IN_SPREAD_S = 8.0  # learners arrive over this many seconds (argon2 makes each sign-in ~50 ms of CPU)
WARMUP_S = 15.0  # not timed: every learner has arrived, signed in and started its interview by then
PASSWORD = "bench-password-1234"


def accounts_available() -> bool:
    try:
        import app.accounts.service  # noqa: F401
    except ImportError:
        return False
    return True


def add_learners(database: Path, count: int) -> list[str]:
    """`count` accounts (learner role), straight through the accounts service: `preplab users add` 50 times would
    spend a minute starting Python."""
    from app.accounts.service import add_user

    engine = make_engine(database_url(database))
    names = [f"learner{number:02d}" for number in range(count)]
    try:
        with Session(engine) as session:
            for name in names:
                add_user(session=session, name=name, password=PASSWORD)
    finally:
        engine.dispose()
    return names


@dataclass
class SignedInLearner(Learner):
    """A learner who signs in once (the /signin form, with its CSRF token) before the usual round."""

    name: str = ""
    timed_from: float = 0.0  # requests before this go to `warmup` (sign-in, first page, starting the interview)
    warmup: Ledger | None = None

    async def run(self, stop_at: float) -> None:
        client = Client(self.base_url, timeout_s=30)
        self.random.seed(self.number)
        try:
            await asyncio.sleep(self.random.uniform(0, SIGN_IN_SPREAD_S))  # arriving over a few seconds
            if self.name and not await self._sign_in(client):
                return
            await self._run(client, stop_at)
        finally:
            await client.close()

    async def _call(self, kind: str, request: object) -> Reply | None:
        if time.perf_counter() >= self.timed_from or self.warmup is None:
            return await super()._call(kind, request)
        try:
            reply: Reply = await request  # type: ignore[misc]
        except NoReply as error:
            self.warmup.failed(kind, error)
            return None
        self.warmup.record(kind, reply)
        return reply

    async def _sign_in(self, client: Client) -> bool:
        await self._call("signin_page", client.open_page("/signin"))
        reply = await self._call("signin", client.request(
            "POST", "/signin", form={"name": self.name, "password": PASSWORD, "next": "/settings",
                                     "csrftoken": client.token}))
        return reply is not None and reply.status == 303


async def crowd(url: str, questions: list[str], names: list[str], ledger: Ledger, warmup: Ledger) -> None:
    """Everyone arrives and signs in within SIGN_IN_SPREAD_S, then DURATION_S of the mix are timed."""
    count = len(names) if names else LEARNERS
    timed_from = time.perf_counter() + WARMUP_S
    stop_at = timed_from + DURATION_S
    everyone = [SignedInLearner(number=n, base_url=url, questions=questions, own=questions[n::count], ledger=ledger,
                                name=names[n] if names else "", timed_from=timed_from, warmup=warmup)
                for n in range(count)]
    await asyncio.gather(*(learner.run(stop_at) for learner in everyone))


def main() -> list[Target]:
    if not ON_POSTGRES:
        if pg_server.binaries() is not None:
            return _on_a_throwaway_cluster()
        print("team load: skipped — no PostgreSQL server (set PREPLAB_TEST_POSTGRES_URL, e.g. "
              "postgresql+psycopg://preplab@127.0.0.1:54329/postgres, or apt-get install postgresql)")
        return [Target("team load (PostgreSQL, 4 workers)", "not run: no PostgreSQL server", "0 errors, p95 < 500 ms",
                       False)]
    os.environ.setdefault("PREPLAB_TIMEZONE", "UTC")
    ledger = Ledger()
    try:
        with tempfile.TemporaryDirectory(prefix="wrk_bench_") as folder:
            template = imported_database(Path(folder) / "template.db")
            database = copy_database(template, Path(folder) / "team.db")
            accounts = accounts_available()
            names = add_learners(database, LEARNERS) if accounts else []
            env = {"PREPLAB_ACCOUNTS": "1"} if accounts else {}
            server = Workers(database=database, count=WORKERS, env=env).start(timeout=120)
            warmup = Ledger()
            try:
                asyncio.run(crowd(server.url, active_questions(database), names, ledger, warmup))
            finally:
                server.stop()
            both = Ledger(grades={**warmup.grades, **ledger.grades}, autosaves={**warmup.autosaves, **ledger.autosaves})
            verdict = verify(database, both)
    finally:
        drop_created()
    return report(ledger, warmup, verdict, accounts=accounts, seconds=DURATION_S)


def _on_a_throwaway_cluster() -> list[Target]:
    """This benchmark in a child process against a cluster of its own (tests/backends.py reads the server's URL
    once, at import): its figures are printed by the child, its targets come back as JSON."""
    with tempfile.TemporaryDirectory(prefix="preplab-bench-pg-") as folder:
        targets = Path(folder) / "targets.json"
        cluster = Path(tempfile.mkdtemp(prefix="preplab-bench-pg-"))  # its own top folder: the cluster's owner
        try:
            server = pg_server.start(cluster)
            print(f"team load: a throwaway PostgreSQL cluster on {server}", flush=True)
            subprocess.run([sys.executable, "-m", "tests.bench.team_load", "--targets", str(targets)], check=False,
                           env={**os.environ, "PREPLAB_TEST_POSTGRES_URL": server})
        finally:
            pg_server.stop(cluster)
            shutil.rmtree(cluster, ignore_errors=True)
        if not targets.exists():
            return [Target("team load (PostgreSQL, 4 workers)", "the benchmark's process failed", "0 errors", False)]
        return [Target(**item) for item in json.loads(targets.read_text())]


def report(ledger: Ledger, warmup: Ledger, verdict: object, *, accounts: bool, seconds: float) -> list[Target]:
    tally = ledger.tally
    who = (f"{LEARNERS} learners, an account each, signed in once" if accounts else
           "ONE user for everyone (app/accounts is not there yet: no sign-in, every learner the local user)")
    print(f"team load: PostgreSQL, preplab serve --workers {WORKERS}, {who}; {DURATION_S:.0f} s of question pages, "
          "review page, grades of their own cards and searches 1-3 s apart, one mock interview each autosaved "
          "every second")
    print(describe("all", tally, seconds))
    for kind, part in sorted(ledger.by_kind.items()):
        print(describe(kind, part, seconds))
    print(f"  before the timed part ({WARMUP_S:.0f} s: arriving, signing in, first page, starting the interview):")
    for kind, part in sorted(warmup.by_kind.items()):
        print(describe(kind, part, WARMUP_S))
    for example in tally.examples[:3]:
        print(f"    e.g. {example}")
    ok = getattr(verdict, "ok", False)
    print(f"  afterwards, from the database: {getattr(verdict, 'grades_checked', 0)} acknowledged grades, "
          f"{getattr(verdict, 'autosaves_checked', 0)} autosaved answers checked; "
          f"{'nothing lost or doubled' if ok else '; '.join(getattr(verdict, 'problems', [])[:5])}")
    everything = Ledger()
    everything.tally.merge(tally)
    everything.tally.merge(warmup.tally)
    errors = everything.tally.errors() + sum(count for status, count in everything.tally.statuses.items()
                                             if 400 <= status < 500)
    p95 = tally.percentile_ms(0.95)
    return [
        Target(f"team load ({WORKERS} workers, PG): errors", f"{errors} of {everything.tally.count} requests", "0",
               errors == 0),
        Target("team load: p95", f"{p95:.0f} ms", f"< {P95_TARGET_MS:.0f} ms", p95 < P95_TARGET_MS),
        Target("team load: grades and autosaves kept", "all kept" if ok else "problems (see above)", "all", ok),
    ]


if __name__ == "__main__":
    from tests.bench.targets import report as print_targets

    measured = main()
    if sys.argv[1:2] == ["--targets"]:  # asked by a parent benchmark run (_on_a_throwaway_cluster)
        Path(sys.argv[2]).write_text(json.dumps([asdict(target) for target in measured]))
    else:
        print_targets(measured)
