"""Each lab's `estimate_bytes` (labs/specs/*.py over labs/formulas.py): near what the reference runs measured at
full size on a GPU, small at the CPU size, and growing with the sizes that drive it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labs import formulas
from labs.registry import LABS, load_spec

RESULTS = Path(__file__).resolve().parents[2] / "labs" / "results"
# The measured peak of each reference result: the largest value of this column of its tables.
MEASURED_PEAK = {
    "lora_1xH200_20261123.json": "peak_mem_bytes",
    "mixed-precision_1xH200_20261123.json": "peak_mem_bytes",
    "attention_1xH200_20261201.json": "peak_mem_bytes",
    "zero-memory_2xH200_20261123.json": "CUDA 峰值 Δ bytes",
    "activation-memory_1xH200_20261201.json": "bytes_measured",
}


def _largest(result: dict, column: str) -> float:  # type: ignore[type-arg]
    values = [row[table["columns"].index(column)] for table in result["tables"] if column in table["columns"]
              for row in table["rows"]]
    return max(value for value in values if isinstance(value, int | float))


@pytest.mark.parametrize("name", sorted(MEASURED_PEAK))
def test_the_estimate_is_near_the_peak_a_reference_run_measured(name: str) -> None:
    result = json.loads((RESULTS / name).read_text(encoding="utf-8"))
    spec = load_spec(result["lab"])
    assert spec.estimate_bytes is not None
    estimate = spec.estimate_bytes(spec.resolve("cuda", result["params"]), "cuda")
    measured = _largest(result, MEASURED_PEAK[name])
    assert 0.9 * measured <= estimate <= 1.3 * measured, (name, estimate / 2**30, measured / 2**30)


def test_every_lab_has_an_estimate_and_its_cpu_size_is_small() -> None:
    for lab in LABS:
        spec = load_spec(lab)
        assert spec.estimate_bytes is not None, lab
        assert spec.estimate_bytes(spec.resolve("cpu", {}), "cpu") < 2 * 2**30, lab
        full = spec.estimate_bytes(spec.resolve("cuda", {}), "cuda")
        assert formulas.RUNTIME_BYTES < full < 141e9, lab  # the default GPU size fits the reference H200


def test_a_billion_parameter_lora_run_needs_more_than_a_24_gb_machine() -> None:
    spec = load_spec("lora")
    big = spec.resolve("cpu", {"n_layer": 24, "d_model": 2560, "n_head": 20, "d_ff": 6912})
    shape = formulas.ModelShape("lora", hidden=2560, layers=24, heads=20, kv_heads=20, intermediate=6912,
                                vocab=big["vocab_size"])
    assert 1.8e9 < formulas.param_count(shape) < 2.1e9
    assert spec.estimate_bytes is not None
    assert spec.estimate_bytes(big, "cpu") > 20 * formulas.param_count(shape) > 24e9  # fp32 AdamW + the base copy
    assert spec.estimate_bytes(big, "cuda") > 16 * formulas.param_count(shape)


def test_the_math_attention_estimate_grows_with_the_square_of_the_sequence() -> None:
    spec = load_spec("attention")
    assert spec.estimate_bytes is not None
    short = spec.estimate_bytes(spec.resolve("cuda", {"seq_lens": "1024,2048"}), "cuda") - formulas.RUNTIME_BYTES
    long = spec.estimate_bytes(spec.resolve("cuda", {"seq_lens": "2048,4096"}), "cuda") - formulas.RUNTIME_BYTES
    assert 3.5 < long / short <= 4


def test_zero_memory_on_cpu_counts_every_spawned_rank() -> None:
    spec = load_spec("zero-memory")
    assert spec.estimate_bytes is not None
    two = spec.estimate_bytes(spec.resolve("cpu", {"ranks": 2}), "cpu")
    four = spec.estimate_bytes(spec.resolve("cpu", {"ranks": 4}), "cpu")
    per_rank = (four - two) / 2
    assert per_rank > formulas.RUNTIME_BYTES and two == pytest.approx(2 * per_rank + formulas.RUNTIME_BYTES)
