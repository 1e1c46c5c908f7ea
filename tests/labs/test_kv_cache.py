"""The KV-cache lab: cache bytes per token are exactly 2·L·n_kv·d·bytes for MHA, GQA and MQA (CPU size)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from labs import kv_cache  # noqa: E402
from labs.core.schema import LabResult  # noqa: E402
from tests.labs.runs import run_lab  # noqa: E402


def _run(device: str) -> LabResult:
    return run_lab(kv_cache, device)


@pytest.fixture(scope="module")
def cpu_result() -> LabResult:
    return _run("cpu")


def test_cpu_run_validates_and_all_checks_pass(cpu_result: LabResult) -> None:
    assert len(cpu_result.checks) >= 4
    assert cpu_result.all_passed, [check for check in cpu_result.checks if not check.passed]


def test_fewer_kv_heads_mean_a_proportionally_smaller_cache(cpu_result: LabResult) -> None:
    table = cpu_result.tables[0]
    assert [row[0] for row in table.rows] == ["MHA", "GQA", "MQA"]
    per_token = [row[table.columns.index("bytes_per_token")] for row in table.rows]
    assert per_token[0] == 2 * per_token[1] == 4 * per_token[2]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_run_reaches_the_bandwidth_floor() -> None:
    result = _run("cuda")
    assert result.all_passed, [check for check in result.checks if not check.passed]
    assert any("显存带宽" in check.claim for check in result.checks)
