"""Command line for the reference solutions.

    python -m solutions list                      # question id, module and last recorded run of each solution
    python -m solutions run q-be91b9261a          # run one (by question id or module name); compare with the record
    python -m solutions run --all                 # run every solution and every original snippet
    python -m solutions run --all --write         # ... and store solutions/results/<question-id>.json

Without --write, `run` checks each solution's output against its stored result and each original snippet's
error against the recorded one, and exits 1 on any difference, so it doubles as a regression check.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from solutions import registry
from solutions.registry import Solution, SolutionNotFound
from solutions.runner import (
    Outcome,
    outputs_match,
    read_record,
    result_record,
    run_original,
    run_solution,
    sha256,
    write_record,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m solutions", description="PrepLab's runnable reference solutions")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the solutions and their last recorded runs")
    running = commands.add_parser("run", help="run solutions and the documents' original snippets")
    running.add_argument("name", nargs="?", help="a question id or module name")
    running.add_argument("--all", action="store_true", help="every solution")
    running.add_argument("--write", action="store_true", help="store the results in solutions/results/")
    running.add_argument("--timeout", type=float, default=120.0, help="seconds per solution (default 120)")
    return parser


def _list() -> int:
    for solution in registry.discover():
        record = read_record(solution)
        last = "never run" if record is None else (
            f"{'ok' if record['ok'] else 'FAILED'} in {record['duration_s']:.1f} s at {record['ran_at']}; original: "
            + (record["original"]["error_type"] or "runs"))
        print(f"{solution.question_id}  {solution.module:<24} {last}")
    return 0


def _describe_original(outcome: Outcome) -> str:
    if outcome.error_type:
        first_line = (outcome.error_message or "").partition("\n")[0]
        return f"{outcome.error_type}: {first_line}"
    if outcome.ok:
        return "runs without error"
    return f"exit status {outcome.returncode} ({outcome.stderr.strip()[-200:]})"


def _check(solution: Solution, outcome: Outcome, original_code: str, original: Outcome,
           record: dict[str, Any] | None) -> list[str]:
    """Differences from the stored result (empty when everything matches)."""
    if record is None:
        return ["no stored result: run with --write"]
    problems = []
    if record["source_sha256"] != sha256(solution.path.read_text(encoding="utf-8")):
        problems.append("the module changed since its result was stored: run with --write")
    if not outputs_match(record["output"], outcome.output):
        problems.append("output differs from the stored result")
    stored = record["original"]
    if stored["code_sha256"] != sha256(original_code):
        problems.append("the bank's original snippet changed since the result was stored: run with --write")
    if (stored["error_type"], stored["ok"]) != (original.error_type, original.ok):
        problems.append(f"original raised {original.error_type}, stored {stored['error_type']}")
    return problems


def _run_one(solution: Solution, *, write: bool, timeout: float) -> bool:
    from solutions.originals import original_snippet  # reads the banks through app.content (no FastAPI)

    print(f"== {solution.question_id} ({solution.dotted})", flush=True)
    outcome = run_solution(solution, timeout=timeout)
    print(outcome.output.rstrip())
    if not outcome.ok:
        print(outcome.stderr.rstrip()[-2000:], file=sys.stderr)
    original_code = original_snippet(solution.question_id)
    original = run_original(original_code)
    print(f"-- solution {'ok' if outcome.ok else 'FAILED'} in {outcome.duration_s:.1f} s; "
          f"original snippet: {_describe_original(original)}")
    if write:
        path = write_record(solution, result_record(solution, outcome, original_code, original))
        print(f"-- wrote {path.relative_to(registry.PACKAGE_DIR.parent)}")
        return outcome.ok
    problems = _check(solution, outcome, original_code, original, read_record(solution))
    for problem in problems:
        print(f"-- MISMATCH: {problem}")
    return outcome.ok and not problems


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        return _list()
    if args.all == bool(args.name):
        print("run: give a question id or module name, or --all", file=sys.stderr)
        return 2
    try:
        chosen = registry.discover() if args.all else [registry.find(args.name)]
    except SolutionNotFound as error:
        print(error, file=sys.stderr)
        return 2
    results = [_run_one(solution, write=args.write, timeout=args.timeout) for solution in chosen]
    return 0 if all(results) else 1
