"""`preplab plan MODEL [options] [--json]`: the memory planner on the command line (app/cli.py registers it).

Its options are the planner's fields (app/planner/inputs.py), `--micro-batch` for `micro_batch`, read by the same
parser as the page's form, so the command and the page give the same plan."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata

from app.planner.inputs import FIELDS, parse_input
from app.planner.schemas import plan_json
from app.planner.service import Plan, PlanError, plan
from app.settings import Settings


def _say(line: str = "") -> None:
    print(line)  # noqa: T201


def _fail(messages: list[str]) -> int:
    for message in messages:
        print(f"错误 / error: {message}", file=sys.stderr)  # noqa: T201
    return 2


def add_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser(
        "plan", help="显存规划：训练或推理每卡要多少显存 / memory planner: bytes per GPU to train or serve a model",
        description="每卡显存，逐项给出，公式来自 labs/formulas.py / per-GPU memory, term by term, by labs/formulas.py")
    command.add_argument("model", nargs="?", default="llama-2-7b", metavar="MODEL",
                         help=f"{', '.join(FIELDS[0].choices)} (default llama-2-7b)")
    for item in FIELDS[1:]:
        flag = "--" + item.name.replace("_", "-")
        words = f"default {item.default}" if item.default is not None else "default: the model's"
        if item.kind == "bool":
            command.add_argument(flag, dest=item.name, action=argparse.BooleanOptionalAction, default=None)
        elif item.kind == "choice":
            command.add_argument(flag, dest=item.name, metavar="|".join(item.choices), help=words)
        else:
            command.add_argument(flag, dest=item.name, metavar=item.kind.upper(), help=words)
    command.add_argument("--json", action="store_true", help="JSON：参数量与每一项的字节数 / parameter count and bytes")
    command.add_argument("--lang", choices=("zh", "en"), default="zh", help="文字的语言 / language of the text")
    command.set_defaults(handler=_plan)


def _plan(args: argparse.Namespace, _settings: Settings) -> int:
    raw = {item.name: _option(getattr(args, item.name, None)) for item in FIELDS}
    parsed = parse_input(raw, args.lang)
    if parsed.errors:
        return _fail(parsed.errors)
    try:
        result = plan(parsed.values, args.lang)
    except PlanError as error:
        return _fail(error.messages)
    if args.json:
        _say(json.dumps(plan_json(result), ensure_ascii=False, indent=2))
    else:
        _print(result, args.lang)
    return 0


def _option(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    return str(value)


def _pad(text: str, width: int) -> str:
    """`text` padded to `width` columns, a Chinese character taking two (so the table lines up in a terminal)."""
    columns = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(width - columns, 0)


def _print(result: Plan, lang: str) -> None:
    from app.labs.format import format_value
    from app.messages import translate

    def shown(value: float) -> str:
        text = format_value(value, "bytes")
        return f"{text.text} ({round(value):,} B)"

    _say(translate("planner.cli.heading", lang, model=result.shape.name, params=f"{result.params:,}",
                   mode=translate(f"planner.choice.mode.{result.input.mode}", lang), gpus=f"{result.gpus:,}",
                   count=result.gpus))
    for term in result.terms:
        _say(f"  {_pad(translate(f'planner.term.{term.key}', lang), 24)} {shown(term.bytes):>34}   {term.formula}")
    _say(f"  {_pad(translate('planner.total', lang), 24)} {shown(result.total_bytes):>34}")
    for term in result.cpu_terms:
        name = translate("planner.cli.cpu", lang, term=translate(f"planner.term.{term.key}", lang))
        _say(f"  {_pad(name, 24)} {shown(term.bytes):>34}")
    _say()
    for fit in result.fits:
        verdict = "planner.cli.fits" if fit.fits else "planner.cli.too_big"
        _say("  " + translate(verdict, lang, gpu=fit.label, headroom=format_value(abs(fit.headroom_bytes),
                                                                                  "bytes").text))
