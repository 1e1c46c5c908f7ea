"""The activation-memory lab: bytes saved per layer match Korthikanti et al.'s sbh(34 + 5as/h) at CPU size."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from labs import activation_memory, formulas  # noqa: E402
from labs.core.schema import LabResult  # noqa: E402
from tests.labs.runs import run_lab  # noqa: E402


def _run(device: str) -> LabResult:
    return run_lab(activation_memory, device)


@pytest.fixture(scope="module")
def cpu_result() -> LabResult:
    return _run("cpu")


def test_cpu_run_validates_and_all_checks_pass(cpu_result: LabResult) -> None:
    assert len(cpu_result.checks) >= 4
    assert cpu_result.all_passed, [check for check in cpu_result.checks if not check.passed]


def test_every_sweep_point_is_within_a_percent(cpu_result: LabResult) -> None:
    sweep = cpu_result.tables[0]
    error = sweep.columns.index("error_pct")
    assert {row[0] for row in sweep.rows} == {"seq_len", "batch", "hidden", "heads"}
    assert all(0 <= row[error] < 1 for row in sweep.rows), sweep.rows  # above by LayerNorm's mean and rstd only


def test_checkpointing_keeps_less_and_costs_more(cpu_result: LabResult) -> None:
    table = next(t for t in cpu_result.tables if "kept_bytes" in t.columns)
    kept = [row[table.columns.index("kept_bytes")] for row in table.rows]
    assert kept == sorted(kept, reverse=True) and kept[-1] * 10 < kept[0]  # none > selective > SAC > full


def test_the_block_is_the_papers_variant() -> None:
    """Saved bytes of one small layer, by hand: the formula's variant the lab states (math, dropout, 16-bit)."""
    layer = activation_memory.Layer(64, 4, 0.1).to(torch.bfloat16)
    x = torch.randn(2, 32, 64, dtype=torch.bfloat16, requires_grad=True)
    measured = activation_memory.saved_bytes(layer, x)
    assert measured == pytest.approx(formulas.activation_bytes_per_layer(32, 2, 64, 4), rel=0.01)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_run_checks_the_allocator_and_the_recompute_time() -> None:
    result = _run("cuda")
    assert result.all_passed, [check for check in result.checks if not check.passed]
    assert any("CUDA" in check.claim for check in result.checks)
