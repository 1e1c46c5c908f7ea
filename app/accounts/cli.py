"""`preplab users add|list|disable|enable|reset-password|role`: accounts for team mode. A password is read from a
prompt (asked twice) or, with --password-stdin, from the first line of standard input; never from the command line,
where other users of the machine could read it in the process list."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from app.accounts.passwords import MIN_LENGTH
from app.accounts.service import AccountError, Role, add_user, list_users, set_disabled, set_password, set_role
from app.clock import utcnow
from app.settings import Settings

EngineFor = Callable[[Settings], Engine]


def add_commands(commands: Any, engine_for: EngineFor) -> None:
    users = commands.add_parser("users", help="团队模式的账号 / accounts (team mode, PREPLAB_ACCOUNTS=1)")
    actions = users.add_subparsers(required=True, metavar="ACTION")

    add = actions.add_parser("add", help="新建账号 / add an account")
    add.add_argument("name")
    add.add_argument("--admin", action="store_true", help="管理员 / an admin (default: learner)")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读密码 / read the password from stdin")
    add.set_defaults(handler=lambda args, settings: _add(args, engine_for(settings)))

    listing = actions.add_parser("list", help="列出账号 / list accounts")
    listing.set_defaults(handler=lambda args, settings: _list(engine_for(settings)))

    for action, disabled, text in (("disable", True, "停用账号并结束其登录 / disable and sign out everywhere"),
                                   ("enable", False, "重新启用账号 / enable again")):
        command = actions.add_parser(action, help=text)
        command.add_argument("name")
        command.set_defaults(handler=lambda args, settings, disabled=disabled: _disable(
            args, engine_for(settings), disabled))

    reset = actions.add_parser("reset-password", help="重设密码并结束其登录 / set a new password, sign out everywhere")
    reset.add_argument("name")
    reset.add_argument("--password-stdin", action="store_true", help="从标准输入读密码 / read the password from stdin")
    reset.set_defaults(handler=lambda args, settings: _reset(args, engine_for(settings)))

    role = actions.add_parser("role", help="设置角色 / set the role")
    role.add_argument("name")
    role.add_argument("role", choices=["admin", "learner"])
    role.set_defaults(handler=lambda args, settings: _role(args, engine_for(settings)))


def _fail(message: str) -> int:
    print(f"错误 / error: {message}", file=sys.stderr)  # noqa: T201
    return 2


def _account_error(error: AccountError) -> int:
    return _fail(f"{error.message('zh')} / {error.message('en')}")


def read_password(from_stdin: bool) -> str | None:
    """The new password, or None when none could be read (no terminal to prompt on and no --password-stdin)."""
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    if not sys.stdin.isatty():
        return None
    first = getpass.getpass(f"密码（至少 {MIN_LENGTH} 个字符）/ password (at least {MIN_LENGTH} characters): ")
    second = getpass.getpass("再输一次 / again: ")
    return first if first == second else ""


def _password(args: argparse.Namespace) -> str | None:
    password = read_password(args.password_stdin)
    if password is None:
        _fail("没有终端可以输入密码：请用 --password-stdin / no terminal to prompt on: use --password-stdin")
    elif password == "" and not args.password_stdin:
        _fail("两次输入的密码不一致 / the two passwords differ")
        return None
    return password


def _add(args: argparse.Namespace, engine: Engine) -> int:
    password = _password(args)
    if password is None:
        return 2
    role: Role = "admin" if args.admin else "learner"
    with Session(engine) as session:
        try:
            user = add_user(session=session, name=args.name, password=password, role=role, now=utcnow())
        except AccountError as error:
            return _account_error(error)
    print(f"已添加 {user.role} 账号 {user.name} / added {user.role} {user.name}")  # noqa: T201
    return 0


def _list(engine: Engine) -> int:
    with Session(engine) as session:
        users = list_users(session=session)
    print(f"{'name':<24} {'role':<8} {'status':<9} {'password':<8} created")  # noqa: T201
    for user in users:
        status = "disabled" if user.disabled else "active"
        password = "set" if user.password_hash else "none"
        created = user.created_at.strftime("%Y-%m-%d") if user.created_at else ""
        print(f"{user.name:<24} {user.role:<8} {status:<9} {password:<8} {created}")  # noqa: T201
    return 0


def _disable(args: argparse.Namespace, engine: Engine, disabled: bool) -> int:
    with Session(engine) as session:
        try:
            user = set_disabled(session=session, name=args.name, disabled=disabled, now=utcnow())
        except AccountError as error:
            return _account_error(error)
    done = "已停用，并结束了其所有登录 / disabled and signed out everywhere" if disabled else "已启用 / enabled"
    print(f"{user.name}: {done}")  # noqa: T201
    return 0


def _reset(args: argparse.Namespace, engine: Engine) -> int:
    password = _password(args)
    if password is None:
        return 2
    with Session(engine) as session:
        try:
            user = set_password(session=session, name=args.name, password=password, now=utcnow())
        except AccountError as error:
            return _account_error(error)
    print(f"{user.name}: 密码已重设，所有登录已结束 / password reset, signed out everywhere")  # noqa: T201
    return 0


def _role(args: argparse.Namespace, engine: Engine) -> int:
    with Session(engine) as session:
        try:
            user = set_role(session=session, name=args.name, role=args.role)
        except AccountError as error:
            return _account_error(error)
    print(f"{user.name}: {user.role}")  # noqa: T201
    return 0
