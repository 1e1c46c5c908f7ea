"""`make test`'s runner: the whole suite on SQLite and, at the same time, on PostgreSQL.

    python -m tests.suite [--mypy] [PYTEST ARGS...]

The PostgreSQL half runs on the server PREPLAB_TEST_POSTGRES_URL names, else on a throwaway cluster started from
Debian's binaries (tests/pg_server.py), else it is skipped with a line saying so and how to enable it. With CI=true
it must run: no server and no binaries is a failure. The two halves run side by side (most of a browser test is
waiting, and PostgreSQL's own work runs in its own processes), each with PREPLAB_TEST_WORKERS pytest-xdist workers
(default 1; tests that share one expensive fixture stay on one worker: --dist loadgroup). The SQLite half streams
here; the PostgreSQL half's output is kept in a file and printed when it ends. The exit status is non-zero when
either half fails. `--mypy` (make test) type-checks the app (`mypy app`) at the same time, in a process of its own that
starts with the halves (a clean checkout has no mypy cache: about 25 s of one core), and fails the run if it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests import pg_server

ROOT = Path(__file__).resolve().parent.parent
COMPILED = ("app", "labs", "solutions", "tests", "migrations")
HOW_TO = ("start one with `python -m tests.pg_server start --dir /tmp/preplab-pg` and export the URL it prints as "
          "PREPLAB_TEST_POSTGRES_URL, or install Debian's postgresql (see README: Testing on PostgreSQL)")


def pytest_command(workers: int, extra: list[str]) -> list[str]:
    # The slowest tests at the end of each half's report: where the suite's time goes, in every CI log.
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--durations=20"]
    if workers > 1:
        command += ["-n", str(workers), "--dist", "loadgroup"]
    return command + extra


def main(argv: list[str]) -> int:
    with_mypy = "--mypy" in argv
    argv = [argument for argument in argv if argument != "--mypy"]
    workers = int(os.environ.get("PREPLAB_TEST_WORKERS", "1"))
    in_ci = os.environ.get("CI") == "true"
    server = os.environ.get("PREPLAB_TEST_POSTGRES_URL") or None
    cluster: Path | None = None
    if server is None and pg_server.binaries() is not None:
        cluster = Path(tempfile.mkdtemp(prefix="preplab-pg-"))
        server = pg_server.start(cluster)
    if server is None:
        message = ("PostgreSQL half SKIPPED: no server (PREPLAB_TEST_POSTGRES_URL unset) and no PostgreSQL binaries; "
                   + HOW_TO)
        if in_ci:
            print(f"FAIL: CI=true requires the PostgreSQL half. {message}", flush=True)
            return 1
        print(message, flush=True)
    # Each half has its own temporary folder: two halves' lab runs both have id 1, and each test looking for its own
    # leftovers in one shared /tmp would find the other half's.
    temporary = {half: Path(tempfile.mkdtemp(prefix=f"preplab-{half}-half-")) for half in ("sqlite", "postgres")}
    for folder in temporary.values():
        folder.chmod(0o711)  # as root, the test cluster's `postgres` user must reach a folder made inside it
    # The project's own modules compiled once, here: with PYTHONDONTWRITEBYTECODE set (as on this machine and in CI)
    # every server, worker and CLI command the suite starts would otherwise compile ~110 modules from source.
    subprocess.call([sys.executable, "-m", "compileall", "-q", "-j", "0", *COMPILED], cwd=ROOT,
                    stdout=subprocess.DEVNULL)
    sqlite_env = {key: value for key, value in os.environ.items() if key != "PREPLAB_TEST_POSTGRES_URL"}
    sqlite_env["TMPDIR"] = str(temporary["sqlite"])
    try:
        started = time.monotonic()
        mypy = (subprocess.Popen([sys.executable, "-m", "mypy", "app"], cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT) if with_mypy else None)
        postgres = log = None
        if server is not None:
            log = Path(tempfile.mkstemp(prefix="preplab-pg-half-", suffix=".log")[1])
            print(f"PostgreSQL half: {server} (output in {log}, printed when it ends)", flush=True)
            with log.open("wb") as sink:
                postgres = subprocess.Popen(pytest_command(workers, argv), cwd=ROOT, stdout=sink,
                                            stderr=subprocess.STDOUT,
                                            env={**os.environ, "PREPLAB_TEST_POSTGRES_URL": server,
                                                 "TMPDIR": str(temporary["postgres"]),
                                                 "PREPLAB_TEST_MODULE_ORDER": "reverse"})
        print("SQLite half:", flush=True)
        sqlite_status = subprocess.call(pytest_command(workers, argv), cwd=ROOT, env=sqlite_env)
        sqlite_s = time.monotonic() - started
        postgres_status = 0
        if postgres is not None and log is not None:
            postgres_status = postgres.wait()
            print(f"\n{'=' * 30} PostgreSQL half {'=' * 30}\n{log.read_text(errors='replace')}", flush=True)
            log.unlink()
        mypy_status = 0
        if mypy is not None:
            output, _ = mypy.communicate()
            mypy_status = mypy.returncode
            print(f"\n{'=' * 30} mypy app {'=' * 30}\n{output.decode(errors='replace')}", flush=True)
        total_s = time.monotonic() - started
        print(f"SQLite half: {'passed' if sqlite_status == 0 else 'FAILED'} ({sqlite_s:.0f} s); "
              + (f"PostgreSQL half: SKIPPED (no server: {HOW_TO})" if postgres is None else
                 f"PostgreSQL half: {'passed' if postgres_status == 0 else 'FAILED'}")
              + ("" if mypy is None else f"; mypy app: {'passed' if mypy_status == 0 else 'FAILED'}")
              + f"; both: {total_s:.0f} s", flush=True)
        return 1 if sqlite_status or postgres_status or mypy_status else 0
    finally:
        for folder in temporary.values():
            shutil.rmtree(folder, ignore_errors=True)
        if cluster is not None:
            pg_server.stop(cluster)
            shutil.rmtree(cluster, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
