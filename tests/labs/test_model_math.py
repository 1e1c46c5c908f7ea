"""The model-math lab: exact parameter counts of real configs, FlopCounterMode against 6N + 12Lsd (CPU size)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from labs import model_math  # noqa: E402
from labs.core.schema import LabResult  # noqa: E402
from tests.labs.runs import run_lab  # noqa: E402


def _run(device: str) -> LabResult:
    return run_lab(model_math, device)


@pytest.fixture(scope="module")
def cpu_result() -> LabResult:
    return _run("cpu")


def test_cpu_run_validates_and_all_checks_pass(cpu_result: LabResult) -> None:
    assert len(cpu_result.checks) >= 4
    assert cpu_result.all_passed, [check for check in cpu_result.checks if not check.passed]


def test_published_parameter_counts(cpu_result: LabResult) -> None:
    table = cpu_result.tables[0]
    counts = {row[0]: row[table.columns.index("params_measured")] for row in table.rows}
    assert counts["gpt2"] == 124_439_808
    assert counts["llama-2-7b"] == 6_738_415_616
    assert counts["llama-3-8b"] == 8_030_261_248
    assert counts["qwen2.5-7b"] == 7_615_616_512


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_run_measures_mfu() -> None:
    result = _run("cuda")
    assert result.all_passed, [check for check in result.checks if not check.passed]
    mfu = result.tables[2].columns.index("mfu")
    assert all(0 < row[mfu] < 1 for row in result.tables[2].rows)
