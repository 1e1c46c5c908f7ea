"""The runnable reference solution of a coding question, as its page shows it: source, last output, original's error.

`python -m solutions run --all --write` stores one JSON per question in solutions/results/; this module reads it
and the solution's source file. It never imports the solutions themselves: they import torch, the app does not.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from app.settings import PROJECT_ROOT

SOLUTIONS_DIR = PROJECT_ROOT / "solutions"

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")  # a question id that is also a file name
_MODULE = re.compile(r"^[a-z_][a-z0-9_]*$")
_BACKTICKS = re.compile(r"`{3,}")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OriginalRun:
    """What the document's own snippet did when it was run (offline, CPU, in an empty folder)."""

    runs: bool
    error_type: str | None
    error_message: str | None
    output: str
    ran_at: datetime
    defects: list[str]  # what is wrong with it, in Chinese, from the solution module

    @property
    def error(self) -> str:
        return f"{self.error_type}: {self.error_message}" if self.error_type else ""


@dataclass(frozen=True)
class ReferenceSolution:
    question_id: str
    module: str
    source: str
    output: str
    ok: bool
    duration_s: float
    ran_at: datetime
    python: str
    torch: str | None
    machine: str
    stale: bool  # the source changed after the stored run
    original: OriginalRun

    @property
    def command(self) -> str:
        return f"python -m solutions.{self.module}"

    @property
    def source_markdown(self) -> str:
        """The source as one fenced Python block, its fence longer than any backtick run inside."""
        fence = "`" * max([3, *(len(run) + 1 for run in _BACKTICKS.findall(self.source))])
        return f"{fence}python\n{self.source.rstrip()}\n{fence}\n"


def reference_solution(question_id: str, *, solutions_dir: Path = SOLUTIONS_DIR) -> ReferenceSolution | None:
    """The stored solution of a question, or None when it has none (or its record cannot be read)."""
    if not _SAFE_ID.match(question_id):
        return None
    path = solutions_dir / "results" / f"{question_id}.json"
    if not path.is_file():
        return None
    try:
        return _read(question_id, path, solutions_dir)
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("cannot read the reference solution %s: %s", path, error)
        return None


def _read(question_id: str, path: Path, solutions_dir: Path) -> ReferenceSolution | None:
    record = json.loads(path.read_text(encoding="utf-8"))
    module = record["module"]
    if record["question_id"] != question_id or not _MODULE.match(module):
        raise ValueError(f"record names question {record['question_id']!r}, module {module!r}")
    source_path = solutions_dir / f"{module}.py"
    source = source_path.read_text(encoding="utf-8")
    original = record["original"]
    return ReferenceSolution(
        question_id=question_id, module=module, source=source, output=record["output"], ok=bool(record["ok"]),
        duration_s=float(record["duration_s"]), ran_at=datetime.fromisoformat(record["ran_at"]),
        python=record["python"], torch=record.get("torch"), machine=record.get("machine", ""),
        stale=hashlib.sha256(source.encode("utf-8")).hexdigest() != record["source_sha256"],
        original=OriginalRun(runs=bool(original["ok"]), error_type=original["error_type"],
                             error_message=original["error_message"], output=original.get("output", ""),
                             ran_at=datetime.fromisoformat(original["ran_at"]),
                             defects=[str(item) for item in original.get("defects", [])]),
    )


def solution_json(solution: ReferenceSolution | None) -> dict[str, Any] | None:
    """The question's JSON twin carries the same facts as the page."""
    if solution is None:
        return None
    original = solution.original
    return {
        "module": solution.module, "command": solution.command, "source": solution.source,
        "output": solution.output, "ok": solution.ok, "duration_s": solution.duration_s,
        "ran_at": solution.ran_at.isoformat(), "python": solution.python, "torch": solution.torch,
        "machine": solution.machine, "stale": solution.stale,
        "original": {"runs": original.runs, "error_type": original.error_type,
                     "error_message": original.error_message, "output": original.output,
                     "ran_at": original.ran_at.isoformat(), "defects": original.defects},
    }
