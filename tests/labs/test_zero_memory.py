"""The ZeRO memory lab: the paper's calculator and a real 2-rank gloo run on CPU."""

from __future__ import annotations

import pytest

from labs import cli
from labs.core.schema import LabResult
from labs.zero_memory import SPEC, deepspeed_estimates, zero_model_state_bytes


def test_calculator_reproduces_the_paper_example():
    per_device = zero_model_state_bytes(7.5e9, 64)
    assert [round(per_device[stage] / 1e9, 1) for stage in (0, 1, 2, 3)] == [120.0, 31.4, 16.6, 1.9]


def test_deepspeed_estimators_as_coded():
    estimates = deepspeed_estimates(1_000_000, 10_000, 8)
    assert estimates["zero2"] == 2_000_000 + 18_000_000 // 8
    assert estimates["zero2_pre2024"] == 4_000_000 + 16_000_000 // 8
    assert estimates["zero3"] == 40_000 + 18_000_000 // 8


def test_bad_hidden_for_ranks_is_a_param_error():
    with pytest.raises(Exception, match="ranks"):
        SPEC.resolve("cpu", {"ranks": "1"})


def test_cpu_run_with_two_gloo_ranks(tmp_path):
    out = tmp_path / "zero.json"
    assert cli.main(["run", "zero-memory", "--device", "cpu", "--out", str(out)]) == 0
    result = LabResult.model_validate_json(out.read_text(encoding="utf-8"))
    assert result.status == "ok" and result.env.world_size == 2 and result.env.backend == "gloo"
    assert len(result.checks) >= 4 and result.all_passed, [c for c in result.checks if not c.passed]
    assert result.charts[0].kind == "bar" and len(result.charts[0].x) == 4
