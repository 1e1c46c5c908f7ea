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


def test_deepspeed_rows_are_checked_against_the_paper():
    """The DeepSpeed table and checks (GPU-only measurement) judge numbers by the paper's per-device formulas."""
    from labs import zero_memory_deepspeed
    from labs.zero_memory import PAPER_FORMULAS

    psi, n = 1_000_000, 2
    paper = zero_model_state_bytes(psi, n)
    code = zero_memory_deepspeed.predictions(psi, n)

    def row(stage: int, total: float) -> dict:
        return {"stage": stage, "total_bytes": int(total), "adam_state_bytes": 8 * psi // n, "after_init_bytes": 0,
                "backward_peak_bytes": int(total), "after_step_bytes": int(total), "peak_bytes": int(total)}

    rows = {1: row(1, code[1]), 2: row(2, paper[2] * 1.02), 3: row(3, paper[3])}
    table, checks, notes = zero_memory_deepspeed.report(rows, psi, n, paper, PAPER_FORMULAS)
    assert [r[0] for r in table.rows] == ["ZeRO-1", "ZeRO-2", "ZeRO-3"] and all(c.passed for c in checks)
    assert table.rows[1][4] == 2.0 and notes  # 2% above the paper's 2Ψ + 14Ψ/N
    rows[2] = row(2, 2 * psi + 16 * psi / n)  # FSDP2's fp32 gradient shards: 11% above the formula at N = 2
    assert not zero_memory_deepspeed.report(rows, psi, n, paper, PAPER_FORMULAS)[1][0].passed
