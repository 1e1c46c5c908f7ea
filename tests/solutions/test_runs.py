"""Every reference solution runs and prints what its stored result says; every original snippet still fails
(or runs) the way its stored result says, and the snippet stored is the one the bank shows."""

from __future__ import annotations

import pytest

from solutions.originals import original_snippet
from solutions.registry import Solution
from solutions.runner import Outcome, outputs_match, read_record, sha256
from tests.solutions.conftest import SOLUTIONS

MAX_SOLUTION_S = 60.0  # the budget is ~20 s on two cores; the margin absorbs a loaded CI machine


def _ids(solution: Solution) -> str:
    return solution.module


@pytest.mark.parametrize("solution", SOLUTIONS, ids=_ids)
def test_solution_runs_and_prints_its_stored_output(solution: Solution, solution_runs: dict[str, Outcome]) -> None:
    outcome = solution_runs[solution.module]
    assert outcome.ok, f"{solution.dotted} failed:\n{outcome.stderr[-3000:]}"
    assert outcome.duration_s < MAX_SOLUTION_S
    record = read_record(solution)
    assert record is not None, "no stored result: run `python -m solutions run --all --write`"
    assert record["ok"] is True
    assert outputs_match(record["output"], outcome.output), (
        f"output differs from {solution.result_path.name}:\n--- stored\n{record['output']}\n--- now\n{outcome.output}")


@pytest.mark.parametrize("solution", SOLUTIONS, ids=_ids)
def test_stored_result_belongs_to_the_current_source(solution: Solution) -> None:
    record = read_record(solution)
    assert record is not None
    assert (record["question_id"], record["module"]) == (solution.question_id, solution.module)
    assert record["source_sha256"] == sha256(solution.path.read_text(encoding="utf-8")), (
        f"{solution.path.name} changed after its result was stored: run `python -m solutions run "
        f"{solution.question_id} --write`")
    assert record["original"]["defects"] == list(solution.defects)


@pytest.mark.parametrize("solution", SOLUTIONS, ids=_ids)
def test_original_snippet_behaves_as_recorded(solution: Solution, original_runs: dict[str, Outcome]) -> None:
    record = read_record(solution)
    assert record is not None
    stored, outcome = record["original"], original_runs[solution.question_id]
    assert stored["code_sha256"] == sha256(original_snippet(solution.question_id)), (
        "the bank's snippet changed since the result was stored")
    assert outcome.error_type == stored["error_type"], outcome.stderr[-2000:]
    assert outcome.ok == stored["ok"]
    if stored["ok"]:
        assert outcome.output == stored["output"]
    else:
        assert outcome.returncode not in (0, None)  # raised, not hung
        assert stored["error_message"] and outcome.error_message == stored["error_message"]
