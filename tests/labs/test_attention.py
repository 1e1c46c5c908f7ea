"""The attention lab: the math path keeps an s×s matrix, the fused kernel does not (CPU: MATH and FLASH)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from labs import attention  # noqa: E402
from labs.core.schema import LabResult  # noqa: E402
from labs.core.spec import ParamError  # noqa: E402
from tests.labs.runs import run_lab  # noqa: E402


def _run(device: str) -> LabResult:
    return run_lab(attention, device)


@pytest.fixture(scope="module")
def cpu_result() -> LabResult:
    return _run("cpu")


def test_cpu_run_validates_and_all_checks_pass(cpu_result: LabResult) -> None:
    assert len(cpu_result.checks) >= 4
    assert cpu_result.all_passed, [check for check in cpu_result.checks if not check.passed]


def test_cpu_measures_both_of_its_backends(cpu_result: LabResult) -> None:
    table = cpu_result.tables[0]
    assert {row[0] for row in table.rows} == {"MATH", "FLASH_ATTENTION"}
    saved, predicted = table.columns.index("saved_bytes"), table.columns.index("saved_bytes_predicted")
    assert all(row[saved] == row[predicted] for row in table.rows)


def test_lengths_must_end_with_a_doubling() -> None:
    with pytest.raises(ParamError, match="seq_lens"):
        attention.SPEC.resolve("cpu", {"seq_lens": "128,320"})


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_run_measures_every_backend() -> None:
    result = _run("cuda")
    assert result.all_passed, [check for check in result.checks if not check.passed]
    assert "FLASH_ATTENTION" in {row[0] for row in result.tables[0].rows}
