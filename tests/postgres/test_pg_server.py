"""The throwaway cluster `make test` starts for the PostgreSQL half (tests/pg_server.py): on loopback only, with
pg_trgm at hand, gone after stop. Runs wherever Debian's PostgreSQL binaries are installed."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import make_url

from tests import pg_server

pytestmark = pytest.mark.skipif(pg_server.binaries() is None, reason="PostgreSQL's binaries are not installed")


def test_a_cluster_starts_on_loopback_with_pg_trgm_and_stops() -> None:
    folder = Path(tempfile.mkdtemp(prefix="preplab-pg-test-"))  # not under pytest's folders: root-only, as root
    url = make_url(pg_server.start(folder))
    try:
        assert url.host == "127.0.0.1" and url.drivername == "postgresql+psycopg"
        with psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False),
                             autocommit=True) as connection:
            assert connection.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
            assert connection.execute("SHOW server_encoding").fetchone() == ("UTF8",)
            connection.execute("CREATE EXTENSION pg_trgm")
            assert connection.execute("SELECT similarity('混合精度训练', '混合精度')").fetchone()[0] > 0.3
    finally:
        pg_server.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False), connect_timeout=2)
