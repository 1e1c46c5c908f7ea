"""The `preplab` commands that move a learner's data: backup, restore, `export --progress` and `import --progress`.

app/cli.py registers them (`add_commands`, and one flag each on `export` and `import`); the work is in app/backup.py
and app/progress.py."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from app.backup import BackupError, backup_name, copy_database, database_file, policy, restore
from app.models import User
from app.settings import Settings

EngineFactory = Callable[[Settings], Engine]


def _say(line: str) -> None:
    print(line)  # noqa: T201


def _fail(message: str) -> int:
    print(f"错误 / error: {message}", file=sys.stderr)  # noqa: T201
    return 2


def add_commands(commands: argparse._SubParsersAction, engine: EngineFactory) -> None:  # type: ignore[type-arg]
    backup = commands.add_parser("backup", help="备份数据库 / back the database up (SQLite online backup)")
    backup.add_argument("file", nargs="?", type=Path, metavar="FILE",
                        help="写到这里（默认：备份目录）/ where to write it (default: the backup folder)")
    backup.set_defaults(handler=lambda args, settings: _backup(args, settings, engine))
    put_back = commands.add_parser("restore", help="从备份恢复数据库 / restore the database from a backup")
    put_back.add_argument("file", type=Path, metavar="FILE")
    put_back.set_defaults(handler=lambda args, settings: _restore(args, settings, engine))


def _backup(args: argparse.Namespace, settings: Settings, engine: EngineFactory) -> int:
    database, backups = database_file(settings.database_url), policy(settings)
    if database is None or backups is None:
        return _fail("只能备份 SQLite 数据库文件（PostgreSQL 请用 pg_dump）/ only a SQLite database file can be backed "
                     "up here (use pg_dump for PostgreSQL)")
    engine(settings).dispose()  # an up-to-date schema, and a database file that exists
    target = args.file or backups.folder / backup_name("manual")
    if target.exists() and target.resolve() == database:
        return _fail("备份不能覆盖数据库本身 / the backup cannot overwrite the database itself")
    copy_database(database, target)
    _say(f"已备份到 / backed up to {target}")
    return 0


def _restore(args: argparse.Namespace, settings: Settings, engine: EngineFactory) -> int:
    from alembic.script import ScriptDirectory

    from app.db import alembic_config

    database, backups = database_file(settings.database_url), policy(settings)
    if database is None or backups is None:
        return _fail("只能恢复到 SQLite 数据库文件 / only a SQLite database file can be restored here")
    script = ScriptDirectory.from_config(alembic_config(settings.database_url))
    try:
        saved = restore(database, args.file, backups, script)
    except BackupError as error:
        return _fail(str(error))
    if saved is not None:
        _say(f"原数据库已先备份到 / the database as it was is backed up to {saved}")
    engine(settings).dispose()  # a backup from an older PrepLab is migrated now
    _say(f"已从 {args.file} 恢复 / restored from {args.file}")
    return 0


def export_progress(args: argparse.Namespace, settings: Settings, engine: EngineFactory) -> int:
    from alembic.runtime.migration import MigrationContext

    from app.progress import export_progress as export_document
    from app.users import ensure_local_user

    connected = engine(settings)
    name = getattr(args, "user", None) or settings.default_user
    with Session(connected) as session:
        if name == settings.default_user:
            user_id = ensure_local_user(session=session, name=name).id
            session.commit()
        else:  # a team learner is exported, never made up
            found = session.exec(select(User).where(User.name == name)).first()
            if found is None:
                return _fail(f"没有名为 {name} 的学习者 / no learner named {name}")
            user_id = found.id
    assert user_id is not None
    with connected.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
    document = export_document(connected, user_id=user_id, user_name=name, revision=revision)
    body = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    if args.output:
        args.output.write_text(body, encoding="utf-8")
        _say(f"学习进度已写入 / progress written to {args.output}")
    else:
        sys.stdout.write(body)
    return 0


def import_progress(args: argparse.Namespace, settings: Settings, engine: EngineFactory) -> int:
    from app.progress import ProgressError, import_progress, read_document
    from app.users import ensure_local_user

    if len(args.paths) != 1:
        return _fail("--progress 需要且只需要一个文件 / --progress takes exactly one FILE")
    try:
        document = read_document(args.paths[0].read_bytes())
    except OSError as error:
        return _fail(f"{args.paths[0]}: {error.strerror}")
    except ProgressError as error:
        return _fail(f"{args.paths[0]}: {error}")
    connected = engine(settings)
    name = getattr(args, "user", None) or settings.default_user
    with Session(connected) as session:
        created = session.exec(select(User).where(User.name == name)).first() is None
        user_id = ensure_local_user(session=session, name=name).id
        session.commit()
    assert user_id is not None
    if created and name != settings.default_user:
        _say(f"已新建学习者 {name}（无密码：用 preplab users reset-password {name} 设置）/ created learner {name} (no "
             f"password yet: set one with `preplab users reset-password {name}`)")
    try:
        report = import_progress(connected, document, user_id=user_id)
    except (ProgressError, ValueError, TypeError) as error:
        return _fail(f"{args.paths[0]}: {error}（数据库未改动 / the database is unchanged）")
    for section in sorted(set(report.added) | set(report.updated) | set(report.unchanged) | set(report.skipped)):
        _say(f"{section}: 新增 {report.added[section]}，更新 {report.updated[section]}，未变 "
             f"{report.unchanged[section]}，跳过 {report.skipped[section]} / added, updated, unchanged, skipped")
    if sum(report.skipped.values()):
        _say("跳过的条目所属题目不在本数据库中，请先导入题库 / skipped items belong to questions this database does "
             "not hold: import the banks first")
    _say(f"完成 / done ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")
    return 0
