"""The LoRA lab: PEFT's real adapters on a config-built model; the trainable-parameter counts are exact."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

from labs import lora  # noqa: E402
from labs.core.schema import LabResult  # noqa: E402
from tests.labs.runs import run_lab  # noqa: E402


def _run(device: str) -> LabResult:
    return run_lab(lora, device)


@pytest.fixture(scope="module")
def cpu_result() -> LabResult:
    return _run("cpu")


def test_cpu_run_validates_and_all_checks_pass(cpu_result: LabResult) -> None:
    assert len(cpu_result.checks) >= 3
    assert cpu_result.all_passed, [check for check in cpu_result.checks if not check.passed]


def test_trainable_counts_are_exact_for_every_rank(cpu_result: LabResult) -> None:
    table = cpu_result.tables[0]
    column = table.columns.index
    ranks = [row[column("rank")] for row in table.rows]
    assert ranks == [0, 1, 2, 4, 8, 16, 32, 64]
    for row in table.rows[1:]:
        assert row[column("trainable_params")] == row[column("trainable_params_predicted")]
        assert row[column("adam_state_bytes")] == 8 * row[column("trainable_params")]
    counts = [row[column("trainable_params")] for row in table.rows[1:]]
    assert all(b == 2 * a for a, b in zip(counts, counts[1:], strict=False))  # linear in r


def test_adapter_is_much_smaller_than_the_full_checkpoint(cpu_result: LabResult) -> None:
    table = cpu_result.tables[0]
    files = {row[0]: row[table.columns.index("file_bytes")] for row in table.rows}
    assert files["lora r=1"] < files["full"] / 10


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_run_reports_peak_memory() -> None:
    result = _run("cuda")
    assert result.all_passed
    table = result.tables[0]
    memory = {row[0]: row[table.columns.index("peak_mem_bytes")] for row in table.rows}
    assert memory["lora r=1"] < memory["full"]
