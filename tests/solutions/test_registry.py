"""Every coding question of the banks has a solution module of the expected shape; the CLI and the output
comparison behave."""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import replace

import pytest

from solutions.cli import _check, main
from solutions.originals import code_questions, first_python_block, original_snippet
from solutions.registry import PACKAGE_DIR, Solution, SolutionNotFound, discover, find
from solutions.runner import Outcome, outputs_match, read_record

CODE_QUESTIONS = code_questions()


def test_the_banks_have_coding_questions() -> None:
    assert len(CODE_QUESTIONS) >= 4


def test_every_coding_question_has_a_solution_and_a_stored_result() -> None:
    by_question = {solution.question_id: solution for solution in discover()}
    missing = [f"{q.question_id} ({q.bank}: {q.title})" for q in CODE_QUESTIONS if q.question_id not in by_question]
    assert not missing, f"coding questions without a solution module: {missing}"
    assert all(by_question[q.question_id].result_path.is_file() for q in CODE_QUESTIONS)
    assert set(by_question) <= {q.question_id for q in CODE_QUESTIONS}, "a solution answers no coding question"


def test_every_coding_question_shows_an_original_snippet() -> None:
    assert all(first_python_block(question.answer) for question in CODE_QUESTIONS)


@pytest.mark.parametrize("solution", discover(), ids=lambda solution: solution.module)
def test_solution_module_shape(solution: Solution) -> None:
    tree = ast.parse(solution.path.read_text(encoding="utf-8"))
    docstring = ast.get_docstring(tree) or ""
    assert solution.question_id in docstring and "wrong" in docstring
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert "main" in functions and not functions["main"].args.args
    assert solution.defects
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                 and node.module}
    assert not imported & {"app", "deepspeed", "requests", "urllib", "huggingface_hub"}
    downloads = [node for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "from_pretrained"]
    assert not downloads, "a solution builds its models from configs; it never downloads weights"


def test_reading_the_banks_does_not_import_the_web_stack() -> None:
    code = "import sys, solutions.originals, solutions.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in "
    code += "{'fastapi', 'starlette', 'sqlmodel', 'sqlalchemy', 'torch', 'transformers'}))"
    result = subprocess.run([sys.executable, "-c", code], cwd=PACKAGE_DIR.parent, capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_find_by_question_id_or_module() -> None:
    first = discover()[0]
    assert find(first.question_id) == find(first.module) == first
    with pytest.raises(SolutionNotFound):
        find("q-does-not-exist")


def test_cli_list_and_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == [solution.question_id for solution in discover()]
    assert all(" ok in " in line for line in listed)
    assert main(["run"]) == 2 and main(["run", "q-x", "--all"]) == 2 and main(["run", "q-does-not-exist"]) == 2


def test_outputs_match_allows_float_noise_only() -> None:
    stored = "epoch 5  loss 0.6985\nparams 112,258\n✓ 真好看 -> 正面\nchecks: True"
    assert outputs_match(stored, "epoch 5  loss 0.6987\nparams 112,258\n✓ 真好看 -> 正面\nchecks: True")
    assert outputs_match("loss 0.0010", "loss 0.0012")  # two units of the last printed digit
    assert not outputs_match(stored, stored.replace("0.6985", "0.7600"))  # beyond 5 %
    assert not outputs_match(stored, stored.replace("112,258", "112,259"))  # integers are exact
    assert not outputs_match(stored, stored.replace("✓", "✗"))
    assert not outputs_match(stored, stored.replace("True", "False"))
    assert not outputs_match(stored, stored + "\nextra line")


def test_run_without_write_reports_every_difference_from_the_stored_result() -> None:
    solution = find("q-be91b9261a")
    record = read_record(solution)
    assert record is not None
    code = original_snippet(solution.question_id)
    same = Outcome(output=record["output"], stderr="", returncode=0, duration_s=1.0, ran_at="2026-01-01T00:00:00+00:00")
    original = replace(same, output="", returncode=1, error_type=record["original"]["error_type"],
                       error_message=record["original"]["error_message"])
    assert _check(solution, same, code, original, record) == []
    assert _check(solution, replace(same, output=same.output.replace("✓", "✗")), code, original, record) == [
        "output differs from the stored result"]
    assert "original raised AttributeError" in _check(solution, same, code,
                                                      replace(original, error_type="AttributeError"), record)[0]
    assert "snippet changed" in _check(solution, same, code + "\nprint()\n", original, record)[0]
    assert "module changed" in _check(solution, same, code, original, {**record, "source_sha256": "0" * 64})[0]
    assert _check(solution, same, code, original, None) == ["no stored result: run with --write"]
