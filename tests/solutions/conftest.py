"""Solution fixtures: every reference solution and every original snippet, each run once per test session.

They run as subprocesses, two at a time (CI has two cores; each solution keeps to one thread per process).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from solutions.originals import original_snippet
from solutions.registry import Solution, discover
from solutions.runner import Outcome, run_original, run_solution

SOLUTIONS = discover()
PARALLEL_RUNS = 2


@pytest.fixture(scope="session")
def solution_runs() -> dict[str, Outcome]:
    """Module name -> what `python -m solutions.<module>` did."""
    with ThreadPoolExecutor(max_workers=PARALLEL_RUNS) as pool:
        outcomes = pool.map(run_solution, SOLUTIONS)
        return {solution.module: outcome for solution, outcome in zip(SOLUTIONS, outcomes, strict=True)}


@pytest.fixture(scope="session")
def original_runs() -> dict[str, Outcome]:
    """Question id -> what the bank's original snippet did, run offline in an empty folder."""
    def run(solution: Solution) -> Outcome:
        return run_original(original_snippet(solution.question_id))

    with ThreadPoolExecutor(max_workers=PARALLEL_RUNS) as pool:
        outcomes = pool.map(run, SOLUTIONS)
        return {solution.question_id: outcome for solution, outcome in zip(SOLUTIONS, outcomes, strict=True)}
