"""`preplab db copy --from URL --to URL [--replace]`: a whole PrepLab database into another (app/db_copy.py), e.g. a
study group's SQLite file onto PostgreSQL when it moves to a team deployment, or back."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from app.settings import Settings


def _say(line: str) -> None:
    print(line)  # noqa: T201


def _fail(message: str) -> int:
    print(f"错误 / error: {message}", file=sys.stderr)  # noqa: T201
    return 2


def add_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    database = commands.add_parser("db", help="数据库之间搬迁 / move between databases")
    actions = database.add_subparsers(required=True, metavar="ACTION")
    copy = actions.add_parser(
        "copy", help="把整个数据库复制到另一个（SQLite ↔ PostgreSQL）/ copy a whole database into another",
        description="复制每张表（按依赖顺序，目标库一个事务内完成），之后核对每张表的行数。/ Copies every table in "
                    "dependency order in one transaction on the target, then checks each table's row count.")
    copy.add_argument("--from", dest="source", metavar="URL",
                      help="源数据库（默认 PREPLAB_DATABASE_URL）/ the source (default: PREPLAB_DATABASE_URL)")
    copy.add_argument("--to", dest="target", metavar="URL", required=True,
                      help="目标数据库，如 postgresql+psycopg://user@host/db 或 sqlite:///preplab.db / the target")
    copy.add_argument("--replace", action="store_true",
                      help="目标库已有数据时先清空（同一事务内）/ empty a target that holds rows first (same "
                           "transaction)")
    copy.set_defaults(handler=_copy)


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _copy(args: argparse.Namespace, settings: Settings) -> int:
    from app.db import make_engine
    from app.db_copy import CopyError, copy_database

    source_url = args.source or settings.database_url
    for url in (source_url, args.target):
        if not url.startswith(("sqlite", "postgres")):
            return _fail(f"{_shown(url) if '://' in url else url}: 需要 sqlite:// 或 postgresql:// 地址 / "
                         "a sqlite:// or postgresql:// URL is needed")
    try:
        source, target = make_engine(source_url), make_engine(args.target)
    except ArgumentError as error:
        return _fail(str(error))
    try:
        report = copy_database(source, target, replace=args.replace)
    except CopyError as error:
        return _fail(f"{error}（目标数据库未改动 / the target is unchanged）")
    except DBAPIError as error:  # the server went away, a permission, a full disk: nothing was committed
        return _fail(f"{str(error.orig).strip()}（已回滚 / rolled back）")
    finally:
        source.dispose()
        target.dispose()
    for name, count in report.emptied.items():
        _say(f"清空 / emptied {name}: {count}")
    for name, count in report.rows.items():
        if count:
            _say(f"{name}: {count}")
    _say(f"已复制 {report.total} 行（{len(report.rows)} 张表，结构版本 {report.revision}，{report.seconds:.1f}s），"
         f"行数已核对 / copied {report.total} rows of {len(report.rows)} tables (schema {report.revision}), row "
         f"counts checked: {_shown(source_url)} → {_shown(args.target)}")
    return 0
