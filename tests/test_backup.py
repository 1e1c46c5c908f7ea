"""Backups through SQLite's online backup API and restores, on real database files: `preplab backup [FILE]`,
`preplab restore FILE` (refusing what is not a PrepLab database or is newer than the code, backing the current one
up first), a backup before every migration, the newest N automatic ones kept, and a restore after a SIGKILL."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from alembic import command

from app.backup import BackupPolicy, automatic_backup, automatic_backups, seconds_until_due
from app.cli import main
from app.db import alembic_config, make_engine, upgrade_database
from tests.backends import sqlite_only
from tests.csrf import page_headers
from tests.server import imported_database, new_server

# PostgreSQL is backed up by its own tools (pg_dump, base backups); these are SQLite's file and online backup API.
pytestmark = sqlite_only("backups are of the SQLite file (its online backup API)")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return imported_database(tmp_path_factory.mktemp("backup-template") / "content.db")


@pytest.fixture
def database(tmp_path: Path, template: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "preplab.db"
    shutil.copyfile(template, path)
    monkeypatch.setenv("PREPLAB_DATABASE_URL", f"sqlite:///{path}")
    return path


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def add_note(path: Path, body: str) -> None:
    """A note on the next question that has none."""
    connection = sqlite3.connect(path)
    with connection:
        question = connection.execute("SELECT id FROM question WHERE id NOT IN (SELECT question_id FROM note) "
                                      "ORDER BY id LIMIT 1").fetchone()[0]
        connection.execute("INSERT OR IGNORE INTO user (id, name, created_at) VALUES (1, 'local', '2026-01-01')")
        connection.execute("INSERT INTO note (user_id, question_id, body, updated_at) VALUES (1, ?, ?, '2026-01-01')",
                           (question, body))
    connection.close()


def test_backup_then_restore_brings_the_data_back(database: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    add_note(database, "备份之前")
    assert main(["backup", str(tmp_path / "copy.db")]) == 0
    add_note(database, "备份之后")
    assert rows(tmp_path / "copy.db", "PRAGMA integrity_check") == [("ok",)]
    assert not (tmp_path / "copy.db-wal").exists()  # one self-contained file
    assert main(["restore", str(tmp_path / "copy.db")]) == 0
    assert [body for (body,) in rows(database, "SELECT body FROM note")] == ["备份之前"]
    saved = automatic_backups(tmp_path / "backups")
    assert [path.name.endswith("-restore.db") for path in saved] == [True]  # the current one went first
    assert sorted(body for (body,) in rows(saved[0], "SELECT body FROM note")) == ["备份之前", "备份之后"]
    assert "backed up to" in capsys.readouterr().out


def test_backup_without_a_file_goes_to_the_backup_folder(database: Path, tmp_path: Path) -> None:
    assert main(["backup"]) == 0
    made = list((tmp_path / "backups").glob("preplab-*-manual.db"))
    assert len(made) == 1 and rows(made[0], "SELECT count(*) FROM question")[0][0] > 0


def test_restore_refuses_what_is_not_a_preplab_database(database: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a database")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    newer = tmp_path / "newer.db"
    shutil.copyfile(database, newer)
    with sqlite3.connect(newer) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    before = database.read_bytes()
    for path, said in ((text, "not an SQLite database"), (other, "not a PrepLab database"),
                       (newer, "newer PrepLab"), (tmp_path / "missing.db", "cannot read")):
        assert main(["restore", str(path)]) == 2
        assert said in capsys.readouterr().err, path
    assert database.read_bytes() == before and not (tmp_path / "backups").exists()


def test_the_newest_automatic_backups_are_kept(database: Path, tmp_path: Path) -> None:
    policy = BackupPolicy(folder=tmp_path / "kept", keep=3)
    made = [automatic_backup(database, policy, "scheduled") for _ in range(5)]
    assert [path.name for path in automatic_backups(policy.folder)] == [path.name for path in made[-3:] if path]
    assert seconds_until_due(policy, 3600) > 3500  # the newest is fresh: the next one in an hour
    assert seconds_until_due(BackupPolicy(folder=tmp_path / "none", keep=3), 24 * 3600) == 600


def test_a_database_is_backed_up_before_it_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    command.upgrade(alembic_config(f"sqlite:///{path}"), "0005")
    with sqlite3.connect(path) as connection:  # a database that holds a learner
        connection.execute("INSERT INTO user (id, name, created_at) VALUES (1, 'local', '2026-01-01')")
    engine = make_engine(f"sqlite:///{path}")
    policy = BackupPolicy(folder=tmp_path / "backups", keep=5)
    upgrade_database(engine, backups=policy)
    upgrade_database(engine, backups=policy)  # already at head: no second backup
    engine.dispose()
    saved = automatic_backups(policy.folder)
    assert len(saved) == 1 and saved[0].name.endswith("-migration.db")
    assert rows(saved[0], "SELECT version_num FROM alembic_version") == [("0005",)]


def _grade_until_stopped(url: str, stop: threading.Event, done: list[int]) -> None:
    headers = {"Content-Type": "application/json", **page_headers(url)}
    with urllib.request.urlopen(f"{url}/api/search?q=ZeRO&limit=50", timeout=10) as response:
        ids = [hit["id"] for hit in json.load(response)["results"]]
    index = 0
    while not stop.is_set():
        request = urllib.request.Request(f"{url}/api/review/{ids[index % len(ids)]}", method="POST",
                                         data=json.dumps({"rating": 3}).encode(), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10):
                done.append(index)
        except (urllib.error.URLError, ConnectionError, OSError):
            return  # the server is gone
        index += 1


def test_restore_after_a_sigkill_during_writes(tmp_path: Path, template: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    server = new_server(tmp_path, template)
    monkeypatch.setenv("PREPLAB_DATABASE_URL", f"sqlite:///{server.database}")
    stop, done = threading.Event(), []
    writer = threading.Thread(target=_grade_until_stopped, args=(server.url, stop, done))
    writer.start()
    try:
        while len(done) < 20:
            writer.join(0.05)
        assert main(["backup", str(tmp_path / "mid.db")]) == 0  # while grades keep coming
        while len(done) < 40:
            writer.join(0.05)
        server.kill()  # SIGKILL in the middle of the writes: a -wal is left behind
    finally:
        stop.set()
        writer.join(30)
        server.stop()
    in_backup = rows(tmp_path / "mid.db", "SELECT count(*) FROM review_log")[0][0]
    assert 20 <= in_backup <= len(done)
    assert rows(server.database, "SELECT count(*) FROM review_log")[0][0] >= len(done)  # every acknowledged grade
    assert main(["restore", str(tmp_path / "mid.db")]) == 0
    assert rows(server.database, "PRAGMA integrity_check") == [("ok",)]
    assert rows(server.database, "SELECT count(*) FROM review_log")[0][0] == in_backup
    (tmp_path / "again").mkdir()
    again = new_server(tmp_path / "again", server.database)
    try:
        with urllib.request.urlopen(f"{again.url}/api/dashboard", timeout=10) as response:
            assert response.status == 200
    finally:
        again.stop()
