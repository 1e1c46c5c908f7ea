"""The mixed-precision lab: the CPU size runs, validates, and its number-format checks pass."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from labs import mixed_precision  # noqa: E402
from labs.core.schema import LabResult  # noqa: E402
from tests.labs.runs import run_lab  # noqa: E402


def _run(device: str) -> LabResult:
    return run_lab(mixed_precision, device)


@pytest.fixture(scope="module")
def cpu_result() -> LabResult:
    return _run("cpu")


def test_cpu_run_validates_and_all_checks_pass(cpu_result: LabResult) -> None:
    assert len(cpu_result.checks) >= 3
    assert cpu_result.all_passed, [check for check in cpu_result.checks if not check.passed]


def test_cpu_skips_tf32_and_reports_no_memory(cpu_result: LabResult) -> None:
    modes = cpu_result.tables[0]
    assert [row[0] for row in modes.rows] == ["fp32", "fp16", "bf16"]
    memory = modes.columns.index("peak_mem_bytes")
    assert all(row[memory] is None for row in modes.rows)
    assert any("tf32" in note for note in cpu_result.notes)


def test_loss_falls_in_every_mode(cpu_result: LabResult) -> None:
    losses = next(chart for chart in cpu_result.charts if chart.x_label == "step" and chart.y_label == "loss")
    for series in losses.series:
        assert series.values[-1] < 0.5 * series.values[0], series.name


def test_underflow_is_partial_so_the_check_is_not_trivial(cpu_result: LabResult) -> None:
    underflow = cpu_result.checks[0]
    assert 0.05 < underflow.measured < 0.95
    assert cpu_result.checks[1].measured > 0  # some overflow happened at the too-large scale


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_run_measures_memory_and_mfu() -> None:
    result = _run("cuda")
    assert result.all_passed
    modes = result.tables[0]
    assert [row[0] for row in modes.rows] == ["fp32", "tf32", "fp16", "bf16"]
    for row in modes.rows:
        assert row[modes.columns.index("peak_mem_bytes")] > 0
        assert 0 < row[modes.columns.index("fraction_of_peak")] < 1


def test_grad_scaler_scale_is_recorded_per_step(cpu_result: LabResult) -> None:
    scale = next(chart for chart in cpu_result.charts if chart.y_label == "scale").series[0].values
    assert len(scale) == mixed_precision.SPEC.resolve("cpu", {})["steps"]
    assert scale[0] == 65536.0 and all(value > 0 for value in scale)
