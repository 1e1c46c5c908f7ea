"""Backups of the SQLite database through SQLite's online backup API (a consistent copy while the app keeps
writing): on demand (`preplab backup`), on a schedule while the server runs, before every migration and before a
restore. The newest PREPLAB_BACKUP_KEEP automatic ones are kept. `preplab restore FILE` puts a backup back after
checking that it is a PrepLab database no newer than this code."""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from app.clock import utcnow
from app.page_revision import epoch_statements, epoch_value
from app.settings import Settings

PREFIX = "preplab-"
AUTOMATIC = ("scheduled", "migration", "restore")  # reasons pruned to the newest `keep`; "manual" ones stay
SQLITE_HEADER = b"SQLite format 3\x00"


class BackupError(Exception):
    """A backup or restore that cannot be done, said in both languages."""


@dataclass(frozen=True)
class BackupPolicy:
    folder: Path
    keep: int


def database_file(database_url: str) -> Path | None:
    """The SQLite file behind the URL; None for an in-memory database or another engine."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).resolve()


def policy(settings: Settings) -> BackupPolicy | None:
    database = database_file(settings.database_url)
    if database is None:
        return None
    return BackupPolicy(folder=settings.backup_dir or database.parent / "backups", keep=settings.backup_keep)


def copy_database(source: Path, target: Path) -> Path:
    """A consistent copy of `source` (its WAL included) as one self-contained file, written aside then renamed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    draft = target.with_name(f".{target.name}.{os.getpid()}.partial")
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writer = sqlite3.connect(draft)
    try:
        reader.backup(writer)
        writer.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
    finally:
        writer.close()
        reader.close()
    os.replace(draft, target)
    return target


def backup_name(reason: str, moment: datetime | None = None) -> str:
    stamp = (moment or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{PREFIX}{stamp}-{reason}.db"


def automatic_backup(database: Path, backups: BackupPolicy, reason: str) -> Path | None:
    """A backup into the policy's folder, then only the newest `keep` automatic ones are left."""
    if not database.exists() or database.stat().st_size == 0:
        return None
    made = copy_database(database, backups.folder / backup_name(reason))
    prune(backups)
    return made


def automatic_backups(folder: Path) -> list[Path]:
    found = [path for path in folder.glob(f"{PREFIX}*.db") if path.stem.rsplit("-", 1)[-1] in AUTOMATIC]
    return sorted(found, key=lambda path: path.name)


def prune(backups: BackupPolicy) -> None:
    for old in automatic_backups(backups.folder)[:-backups.keep]:
        old.unlink(missing_ok=True)


FIRST_BACKUP_S = 600.0  # with no scheduled backup yet, the first comes this long after the server starts


def seconds_until_due(backups: BackupPolicy, interval_s: float) -> float:
    """How long until the next scheduled backup: the interval after the newest one on disk, so a restart does not
    skip one (ten minutes from now when there is none yet)."""
    scheduled = [path for path in automatic_backups(backups.folder) if path.stem.endswith("-scheduled")]
    if not scheduled:
        return min(interval_s, FIRST_BACKUP_S)
    age = time.time() - scheduled[-1].stat().st_mtime
    return max(0.0, interval_s - age)


def known_revisions(script: ScriptDirectory) -> set[str]:
    return {revision.revision for revision in script.walk_revisions()}


def backup_revision(path: Path, script: ScriptDirectory) -> str:
    """The Alembic revision of a backup file, after checking that it is a PrepLab database this code can read."""
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError as error:
        raise BackupError(f"无法读取 {path} / cannot read {path}: {error.strerror}") from None
    if header != SQLITE_HEADER:
        raise BackupError(f"{path} 不是 SQLite 数据库 / is not an SQLite database")
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"alembic_version", "question", "review_log"} <= tables:
            raise BackupError(f"{path} 不是 PrepLab 数据库 / is not a PrepLab database (no PrepLab tables)")
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} 已损坏 / is damaged: {error}") from None
    finally:
        connection.close()
    revision = row[0] if row else ""
    if revision not in known_revisions(script):
        raise BackupError(f"{path} 来自更新版本的 PrepLab（数据库版本 {revision}），请先升级 PrepLab / comes from a "
                          f"newer PrepLab (schema revision {revision}, unknown to this code): upgrade PrepLab first")
    return revision


def restore(database: Path, source: Path, backups: BackupPolicy, script: ScriptDirectory) -> Path | None:
    """Put `source` back as the database, after backing the current one up (returned). The copy goes through the
    backup API into the live file, so a WAL left by a crash is recovered, not mixed in."""
    backup_revision(source, script)
    if source.resolve() == database:
        raise BackupError("不能用数据库自身恢复 / the backup is the database itself")
    saved = automatic_backup(database, backups, "restore") if database.exists() else None
    database.parent.mkdir(parents=True, exist_ok=True)
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writer = sqlite3.connect(database, timeout=30)
    try:
        reader.backup(writer)
        _new_epoch(writer)
    finally:
        writer.close()
        reader.close()
    return saved


def _new_epoch(connection: sqlite3.Connection) -> None:
    """A server on this database may hold pages cached under counters the backup holds again (app/page_revision.py):
    a new epoch makes them stale. A backup from before the counters existed has no shared_state to hold one."""
    if connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'shared_state'").fetchone():
        update, insert = epoch_statements()
        values = {"value": epoch_value(), "now": utcnow().replace(tzinfo=None).isoformat(sep=" ")}
        with connection:
            if connection.execute(update, values).rowcount == 0:
                connection.execute(insert, values)
