"""`preplab users …` end to end in a subprocess, and `preplab serve`'s refusal to listen openly with accounts off."""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from app.accounts.listen import is_loopback, open_listen_refusal
from app.accounts.service import BadCredentials, sign_in
from app.clock import utcnow
from app.db import make_engine
from app.settings import Settings
from tests import forkserver
from tests.backends import copy_database, database_url, query
from tests.conftest import CONTENT


def preplab(*args: str, db: Path, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PREPLAB_DATABASE_URL": database_url(db), "PREPLAB_CONTENT_DIR": str(CONTENT),
                   **env}
    return forkserver.preplab(*args, cwd=db.parent, env=environment, input=stdin)


@pytest.fixture
def db(tmp_path: Path, migrated_database: Path) -> Path:
    return copy_database(migrated_database, tmp_path / "users.db")


def _can_sign_in(db: Path, name: str, password: str) -> bool:
    engine = make_engine(database_url(db))
    try:
        with Session(engine) as session:
            sign_in(session=session, name=name, password=password, client="cli-test", now=utcnow(),
                    lifetime=timedelta(days=1))
        return True
    except BadCredentials:
        return False
    finally:
        engine.dispose()


def test_add_list_disable_reset_and_role(db: Path) -> None:
    added = preplab("users", "add", "boss", "--admin", "--password-stdin", db=db, stdin="first password\n")
    assert added.returncode == 0, added.stderr
    assert "boss" in added.stdout
    assert preplab("users", "add", "ana", "--password-stdin", db=db, stdin="ana's password\n").returncode == 0
    listing = preplab("users", "list", db=db)
    rows = {line.split()[0]: line.split()[1:4] for line in listing.stdout.splitlines()[1:]}
    assert rows == {"ana": ["learner", "active", "set"], "boss": ["admin", "active", "set"]}
    stored = query(db, 'SELECT password_hash FROM "user" WHERE name = \'boss\'')[0][0]
    assert stored.startswith("$argon2id$") and "first password" not in stored
    assert _can_sign_in(db, "boss", "first password")

    assert preplab("users", "disable", "ana", db=db).returncode == 0
    assert "disabled" in preplab("users", "list", db=db).stdout
    assert not _can_sign_in(db, "ana", "ana's password")
    assert preplab("users", "enable", "ana", db=db).returncode == 0
    assert _can_sign_in(db, "ana", "ana's password")

    reset = preplab("users", "reset-password", "ana", "--password-stdin", db=db, stdin="a brand new one\n")
    assert reset.returncode == 0, reset.stderr
    assert not _can_sign_in(db, "ana", "ana's password") and _can_sign_in(db, "ana", "a brand new one")
    assert preplab("users", "role", "ana", "admin", db=db).returncode == 0
    assert query(db, 'SELECT role FROM "user" WHERE name = \'ana\'') == [("admin",)]


def test_refusals_are_in_words(db: Path) -> None:
    assert preplab("users", "add", "ana", "--password-stdin", db=db, stdin="long enough\n").returncode == 0
    taken = preplab("users", "add", "ANA", "--password-stdin", db=db, stdin="long enough\n")
    assert taken.returncode == 2 and "已存在" in taken.stderr and "taken" in taken.stderr
    short = preplab("users", "add", "ben", "--password-stdin", db=db, stdin="short\n")
    assert short.returncode == 2 and "8" in short.stderr
    spaced = preplab("users", "add", "a b", "--password-stdin", db=db, stdin="long enough\n")
    assert spaced.returncode == 2 and "not valid" in spaced.stderr
    unknown = preplab("users", "disable", "nobody", db=db)
    assert unknown.returncode == 2 and "nobody" in unknown.stderr
    no_terminal = preplab("users", "add", "carl", db=db, stdin="")  # no tty to prompt on, no --password-stdin
    assert no_terminal.returncode == 2 and "--password-stdin" in no_terminal.stderr
    on_the_line = preplab("users", "add", "carl", "--password", "secret123", db=db)
    assert on_the_line.returncode == 2  # argparse: there is no such option
    assert query(db, 'SELECT name FROM "user" ORDER BY name') == [("ana",)]


def test_serve_refuses_an_open_address_with_accounts_off(db: Path) -> None:
    refused = preplab("serve", "--host", "0.0.0.0", "--port", "9", db=db)
    assert refused.returncode == 2
    assert "PREPLAB_ALLOW_OPEN=1" in refused.stderr and "PREPLAB_ACCOUNTS=1" in refused.stderr
    assert "0.0.0.0" in refused.stderr


@pytest.mark.parametrize("host, accounts, allow_open, refused", [
    ("127.0.0.1", False, False, False), ("localhost", False, False, False), ("::1", False, False, False),
    ("[::1]", False, False, False), ("127.0.0.2", False, False, False),
    ("0.0.0.0", False, False, True), ("::", False, False, True), ("192.168.1.20", False, False, True),
    ("preplab.example.org", False, False, True),
    ("0.0.0.0", True, False, False), ("0.0.0.0", False, True, False),
])
def test_which_addresses_are_open(host: str, accounts: bool, allow_open: bool, refused: bool) -> None:
    settings = Settings(accounts=accounts, allow_open=allow_open)
    assert (open_listen_refusal(host, settings) is not None) is refused
    if not (accounts or allow_open):
        assert is_loopback(host) is not refused


def test_allow_open_and_accounts_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREPLAB_ALLOW_OPEN", raising=False)
    monkeypatch.delenv("PREPLAB_ACCOUNTS", raising=False)
    assert open_listen_refusal("0.0.0.0", Settings()) is not None
    monkeypatch.setenv("PREPLAB_ALLOW_OPEN", "1")
    assert open_listen_refusal("0.0.0.0", Settings()) is None
    monkeypatch.delenv("PREPLAB_ALLOW_OPEN")
    monkeypatch.setenv("PREPLAB_ACCOUNTS", "1")
    assert Settings().accounts is True and open_listen_refusal("0.0.0.0", Settings()) is None
