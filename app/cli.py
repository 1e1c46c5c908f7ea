"""The `preplab` command: serve, migrate, import, export, convert, lab, srs (spaced-repetition tools), plan (the
memory planner, app/planner/cli.py), and backup and restore (app/cli_data.py, with `export --progress` and
`import --progress`)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from app.accounts.cli import add_commands as add_user_commands
from app.cli_data import add_commands as add_data_commands
from app.cli_data import export_progress, import_progress
from app.cli_db import add_command as add_db_command
from app.content.bank import ContentError
from app.planner.cli import add_command as add_plan_command
from app.settings import Settings, get_settings

if TYPE_CHECKING:
    from app.content.dry_run import Plan as DryRunPlan


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    settings = get_settings()
    try:
        return int(args.handler(args, settings) or 0)
    except ContentError as error:
        print(f"错误 / error: {error}", file=sys.stderr)  # noqa: T201
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="preplab", description="PrepLab：大模型训练面试备考系统")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="升级数据库并启动网页服务 / migrate and serve the web app")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=_worker_count, metavar="N",
                       help="工作进程数（默认 PREPLAB_WORKERS，1）/ server processes (default: PREPLAB_WORKERS, 1)")
    serve.set_defaults(handler=_serve)

    migrate = commands.add_parser("migrate", help="把数据库升级到最新结构 / upgrade the schema")
    migrate.set_defaults(handler=_migrate)

    load = commands.add_parser("import", help="导入题库（默认 content/）/ import banks (default: content/)")
    load.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    load.add_argument("--dry-run", action="store_true",
                      help="只列出将导入的题目，不改动数据库 / list what would be imported; change nothing")
    load.add_argument("--progress", action="store_true",
                      help="导入 export --progress 写出的学习进度（一个文件）/ import a progress document (one FILE)")
    load.add_argument("--user", metavar="NAME", help="--progress 导入给这位学习者（默认 PREPLAB_DEFAULT_USER）/ the "
                                                     "learner --progress imports for (default: PREPLAB_DEFAULT_USER)")
    load.set_defaults(handler=_import)

    export = commands.add_parser("export", help="导出题目与概念 / export questions and concepts")
    export.add_argument("--json", action="store_true", help="题目与概念（JSON）/ questions and concepts as JSON")
    export.add_argument("--progress", action="store_true",
                        help="学习者的进度（复习记录、笔记、设置……）/ the learner's progress as one JSON document")
    export.add_argument("--user", metavar="NAME", help="--progress 导出这位学习者的（默认 PREPLAB_DEFAULT_USER）/ "
                                                       "whose progress (default: PREPLAB_DEFAULT_USER)")
    export.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    export.set_defaults(handler=_export)

    convert = commands.add_parser("convert", help="把外部文档转换为标准题库 / write canonical banks")
    convert.add_argument("documents", nargs="+", type=Path, metavar="DOC")
    convert.add_argument("-o", "--output", type=Path, metavar="DIR",
                         help="输出目录（--dry-run 时可省略）/ folder for the banks (optional with --dry-run)")
    convert.add_argument("--dry-run", action="store_true",
                         help="只列出将转换的题目，不写文件 / list what would be converted; write nothing")
    convert.set_defaults(handler=_convert)

    lab = commands.add_parser("lab", help="实验结果 / lab results")
    lab_commands = lab.add_subparsers(required=True, metavar="ACTION")
    lab_import = lab_commands.add_parser("import", help="导入在别处运行的实验结果 / import a lab result JSON")
    lab_import.add_argument("files", nargs="+", type=Path, metavar="FILE")
    lab_import.set_defaults(handler=_lab_import)

    srs = commands.add_parser("srs", help="间隔复习（FSRS）/ spaced repetition (FSRS)")
    srs_commands = srs.add_subparsers(required=True, metavar="ACTION")
    optimize = srs_commands.add_parser("optimize", help="用复习记录拟合 FSRS 参数 / fit FSRS parameters")
    optimize.add_argument("--user", help="learner name (default: PREPLAB_DEFAULT_USER)")
    optimize.set_defaults(handler=_srs_optimize)
    add_data_commands(commands, _engine)
    add_user_commands(commands, _engine)
    add_plan_command(commands)
    add_db_command(commands)  # db copy (app/db_copy.py)
    return parser


def _engine(settings: Settings):  # type: ignore[no-untyped-def]
    from app.backup import policy as backup_policy
    from app.db import make_engine, upgrade_database

    engine = make_engine(settings.database_url, echo=settings.echo_sql, synchronous=settings.sqlite_synchronous)
    upgrade_database(engine, backups=backup_policy(settings))
    return engine


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from app.accounts.listen import open_listen_refusal
    from app.serve import serve

    host = args.host or settings.host
    refused = open_listen_refusal(host, settings)
    if refused is not None:
        print(refused, file=sys.stderr)  # noqa: T201
        return 2
    # Migrates once, then 1 or N worker processes (app/serve.py). proxy_headers off there: PREPLAB_TRUSTED_PROXIES
    # decides whose X-Forwarded-* to believe (app/accounts/setup.py).
    serve(settings, host=host, port=args.port or settings.port, workers=args.workers or settings.workers)
    return 0


def _worker_count(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 64:
        raise argparse.ArgumentTypeError(f"须为 1–64 的整数 / must be a whole number 1-64: {value!r}")
    return int(value)


def _migrate(_args: argparse.Namespace, settings: Settings) -> int:
    _engine(settings).dispose()
    print("数据库已是最新结构 / database schema is up to date")  # noqa: T201
    return 0


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from app.content.service import import_paths

    if args.progress:
        return import_progress(args, settings, _engine)
    paths = args.paths or [settings.content_dir]
    if args.dry_run:
        from app.content.dry_run import plan_import

        # Before _engine: opening the database would migrate it, and a dry run leaves it byte for byte.
        plan = plan_import(paths, concepts_path=settings.content_dir / "concepts.yaml")
        return _print_plan(plan, convert=False)
    started = time.perf_counter()
    engine = _engine(settings)
    report = import_paths(engine, paths, settings=settings)
    for warning in report.warnings:
        print(f"警告 / warning: {warning}", file=sys.stderr)  # noqa: T201
    for bank, kinds in report.kinds_by_bank.items():
        counts = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
        print(f"{bank}: {sum(kinds.values())} ({counts})")  # noqa: T201
    print(  # noqa: T201
        f"共 {report.total} 题：新增 {report.added}，更新 {report.updated}，未变 {report.unchanged}，"
        f"恢复 {report.restored}，停用 {report.retired}（{time.perf_counter() - started:.2f}s）"
    )
    return 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from sqlmodel import Session

    from app.content.export import export_document

    if args.progress == args.json:
        print("错误 / error: 需要 --json 或 --progress 之一 / give one of --json and --progress", file=sys.stderr)  # noqa: T201
        return 2
    if args.progress:
        return export_progress(args, settings, _engine)
    with Session(_engine(settings)) as session:
        text = json.dumps(export_document(session), ensure_ascii=False, indent=2)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")
    return 0


def _convert(args: argparse.Namespace, settings: Settings) -> int:
    from app.content.convert import convert_documents

    if args.dry_run:
        from app.content.dry_run import plan_convert

        plan = plan_convert(args.documents, concepts_path=settings.content_dir / "concepts.yaml", out_dir=args.output)
        return _print_plan(plan, convert=True)
    if args.output is None:
        print("错误 / error: 需要 -o DIR 指定输出目录（或用 --dry-run 只列出）/ -o DIR is required unless --dry-run",  # noqa: T201
              file=sys.stderr)
        return 2
    written = convert_documents(args.documents, args.output, concepts_path=settings.content_dir / "concepts.yaml")
    for path in written:
        print(path)  # noqa: T201
    return 0


def _print_plan(plan: DryRunPlan, *, convert: bool) -> int:
    from app.content.dry_run import listing

    for warning in plan.warnings:
        print(f"警告 / warning: {warning}", file=sys.stderr)  # noqa: T201
    for line in listing(plan, convert=convert):
        print(line)  # noqa: T201
    return 0


def _lab_import(args: argparse.Namespace, settings: Settings) -> int:
    from sqlmodel import Session

    from app.labs.service import LabResultError, import_result

    with Session(_engine(settings)) as session:
        for path in args.files:
            try:
                # parse_result: bounded JSON (no NaN, no RecursionError), the size limits, a registered lab id
                run = import_result(session, text=path.read_bytes(), source=str(path))
            except LabResultError as error:  # the message names the file and the field
                print(f"错误 / error: {error}", file=sys.stderr)  # noqa: T201
                return 2
            except OSError as error:
                print(f"错误 / error: {path}: {error.strerror or error}", file=sys.stderr)  # noqa: T201
                return 2
            print(f"{path.name}: 已导入为运行 #{run.id}（{run.lab}，{run.device}）/ imported as run #{run.id}")  # noqa: T201
    return 0


def _srs_optimize(args: argparse.Namespace, settings: Settings) -> int:
    from sqlmodel import Session

    from app.review.optimize import MIN_REVIEWS, optimize_parameters
    from app.users import ensure_local_user

    with Session(_engine(settings)) as session:
        user_id = ensure_local_user(session=session, name=args.user or settings.default_user).id
        assert user_id is not None
        outcome = optimize_parameters(session=session, user_id=user_id)
    if outcome.parameters is None:
        print(  # noqa: T201
            f"复习记录不足：FSRS 优化器需要至少 {MIN_REVIEWS} 次跨天复习，"
            f"现有 {outcome.countable} 次，还差 {outcome.needed} 次。\n"
            f"not enough reviews: the FSRS optimizer needs {MIN_REVIEWS} reviews made on a later day than the card's "
            f"previous one; you have {outcome.countable}, {outcome.needed} more needed."
        )
        return 1
    print(f"已用 {outcome.logs} 条复习记录（{outcome.countable} 次跨天复习）拟合并保存 FSRS 参数 / "  # noqa: T201
          f"fitted and saved FSRS parameters from {outcome.logs} reviews:")
    print(", ".join(f"{value:.4f}" for value in outcome.parameters))  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
