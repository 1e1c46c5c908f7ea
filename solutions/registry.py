"""Finds the solution modules: every `solutions/*.py` that assigns a string to QUESTION_ID at top level.

Read with `ast`, not imported: the modules import torch and transformers, which `list` and the app do not need.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
RESULTS_DIR = PACKAGE_DIR / "results"


class SolutionNotFound(LookupError):
    pass


@dataclass(frozen=True)
class Solution:
    module: str  # file stem, e.g. "text_classification"
    question_id: str
    path: Path
    defects: tuple[str, ...]  # ORIGINAL_DEFECTS: what the document's snippet gets wrong, for the question page

    @property
    def dotted(self) -> str:
        return f"solutions.{self.module}"

    @property
    def result_path(self) -> Path:
        return RESULTS_DIR / f"{self.question_id}.json"


def _constants(path: Path) -> dict[str, object]:
    """Top-level `NAME = <literal>` assignments of a module."""
    values: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8"), filename=str(path)).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return values


def discover(package_dir: Path = PACKAGE_DIR) -> list[Solution]:
    """Every solution module, sorted by question id."""
    found = []
    for path in sorted(package_dir.glob("*.py")):
        constants = _constants(path)
        question_id = constants.get("QUESTION_ID")
        if not isinstance(question_id, str):
            continue
        defects = constants.get("ORIGINAL_DEFECTS", ())
        if not isinstance(defects, tuple | list) or not all(isinstance(item, str) for item in defects):
            raise ValueError(f"{path.name}: ORIGINAL_DEFECTS must be a tuple of strings")
        found.append(Solution(module=path.stem, question_id=question_id, path=path, defects=tuple(defects)))
    return sorted(found, key=lambda solution: solution.question_id)


def find(name: str) -> Solution:
    """A solution by question id or module name."""
    for solution in discover():
        if name in (solution.question_id, solution.module, solution.dotted):
            return solution
    known = ", ".join(f"{s.question_id} ({s.module})" for s in discover())
    raise SolutionNotFound(f"no solution for {name!r}; known: {known}")
