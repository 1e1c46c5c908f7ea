"""A throwaway PostgreSQL cluster on loopback for the suite, from Debian's binaries (`apt-get install postgresql`).

    python -m tests.pg_server run -- pytest -q        # start one, run the command with PREPLAB_TEST_POSTGRES_URL, stop
    python -m tests.pg_server start --dir /tmp/pg      # or keep one running: prints the URL to export
    python -m tests.pg_server stop --dir /tmp/pg

The cluster lives in a temporary folder, listens on 127.0.0.1 only (a free port, its socket in the folder), trusts
the local user `preplab`, and trades durability for speed (fsync off): it holds nothing but test databases.
initdb refuses to run as root, so as root the cluster belongs to the `postgres` user that Debian's package creates.
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN_DIRS = [Path(os.environ.get("PREPLAB_PG_BIN", "/usr/lib/postgresql/15/bin")),
            *sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]
USER = "preplab"
# Test databases only: nothing here must survive a crash, and every test's CREATE DATABASE should be quick.
SETTINGS = {"listen_addresses": "127.0.0.1", "fsync": "off", "synchronous_commit": "off",
            "full_page_writes": "off", "max_connections": "300", "shared_buffers": "128MB",
            "max_locks_per_transaction": "128"}


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, or None when PostgreSQL is not installed."""
    return next((folder for folder in BIN_DIRS if (folder / "initdb").exists() and (folder / "pg_ctl").exists()),
                None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_owner(command: list[str]) -> list[str]:
    """Run as the `postgres` user when we are root (initdb and postgres refuse root)."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def _chown(path: Path) -> None:
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(path, owner.pw_uid, owner.pw_gid)


def url(port: int) -> str:
    return f"postgresql+psycopg://{USER}@127.0.0.1:{port}/postgres"


def start(folder: Path) -> str:
    """Create and start a cluster in `folder` (a new, empty folder); returns its URL."""
    bin_dir = binaries()
    if bin_dir is None:
        raise SystemExit("PostgreSQL's binaries are not installed (apt-get install postgresql postgresql-contrib)")
    folder.mkdir(parents=True, exist_ok=True)
    _chown(folder)
    if os.geteuid() == 0 and subprocess.call(_as_owner(["test", "-w", str(folder)])) != 0:
        raise SystemExit(f"{folder}: the postgres user cannot reach it (a folder above it is private); "
                         "pick one under /tmp")
    data = folder / "data"
    subprocess.run(_as_owner([str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--auth=trust",
                              "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]),
                   check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    options = " ".join([f"-p {port}", f"-k {folder}", *(f"-c {key}={value}" for key, value in SETTINGS.items())])
    subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"),
                              "-o", options, "-w", "-t", "60", "start"]), check=True, stdout=subprocess.DEVNULL)
    (folder / "port").write_text(str(port))
    _wait(port)
    return url(port)


def _wait(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"PostgreSQL did not listen on 127.0.0.1:{port} within {timeout}s")


def stop(folder: Path) -> None:
    bin_dir = binaries()
    if bin_dir is not None and (folder / "data" / "postmaster.pid").exists():
        subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "-w",
                                  "stop"]), check=False, stdout=subprocess.DEVNULL)


def run(command: list[str]) -> int:
    """Start a cluster, run `command` with PREPLAB_TEST_POSTGRES_URL naming it, stop and remove the cluster."""
    folder = Path(tempfile.mkdtemp(prefix="preplab-pg-"))
    try:
        server = start(folder)
        print(f"PostgreSQL for the tests: {server}", flush=True)
        return subprocess.call(command, env={**os.environ, "PREPLAB_TEST_POSTGRES_URL": server})
    finally:
        stop(folder)
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.pg_server", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="action", required=True)
    commands.add_parser("available", help="exit 0 when Debian's PostgreSQL binaries are installed")
    for name in ("start", "stop"):
        commands.add_parser(name).add_argument("--dir", type=Path, required=True)
    commands.add_parser("run").add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.action == "available":
        return 0 if binaries() is not None else 1
    if args.action == "start":
        print(start(args.dir))
        return 0
    if args.action == "stop":
        stop(args.dir)
        return 0
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("run needs a command, e.g. run -- pytest -q")
    return run(command)


if __name__ == "__main__":
    sys.exit(main())
