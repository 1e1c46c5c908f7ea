"""A learner's run beside the reference: one table of metric / reference / mine, matched across different sizes."""

from __future__ import annotations

import json
from pathlib import Path

from app.labs.compare import _pairs, compare
from app.labs.display import present
from app.labs.service import REFERENCE_DIR
from labs.core.schema import LabResult
from labs.registry import load_spec

CPU_RUNS = Path(__file__).resolve().parent.parent / "data" / "labs"


def _result(path: Path) -> LabResult:
    return LabResult.model_validate(json.loads(path.read_text(encoding="utf-8")))


def _mixed_precision(lang: str):  # type: ignore[no-untyped-def]
    reference = _result(REFERENCE_DIR / "mixed-precision_1xH100_20261123.json")
    mine = _result(CPU_RUNS / "cpu-mixed-precision.json")
    return compare(reference=reference, mine=mine, reference_display=present(reference, lang),
                   mine_display=present(mine, lang), spec=load_spec("mixed-precision"), lang=lang)


def test_names_meet_by_name_then_by_kind_in_order() -> None:
    assert _pairs(["a", "b", "x"], ["b", "a", "y"]) == [(0, 1), (1, 0), (2, 2)]
    assert _pairs(["a"], ["a", "z"]) == [(0, 0), (None, 1)]
    assert _pairs(["x1"], ["y1", "x2"], (["x"], ["y", "x"])) == [(0, 1), (None, 0)]


def test_checks_first_matched_across_sizes_then_each_table() -> None:
    comparison = _mixed_precision("en")
    checks = comparison.groups[0]
    assert checks.title == "Checks: predicted vs measured"
    underflow = [row for row in checks.rows if row.metric.startswith("fp16 underflow")]
    # the GPU run shifted by 2^-8, the CPU run by 2^-11: the same check, met by its catalogue key
    assert len(underflow) == 1 and underflow[0].reference is not None and underflow[0].mine is not None
    tensor_cores = next(row for row in checks.rows if "Tensor Cores" in row.metric)
    assert tensor_cores.reference is not None and tensor_cores.mine is None  # only a GPU measures it
    titles = [group.title for group in comparison.groups[1:]]
    assert titles[0] == "The same GPT trained in each precision mode (AdamW)"
    step = next(row for row in comparison.groups[1].rows if row.metric == "fp32 · Step time")
    assert step.reference is not None and step.reference.text == "277 ms" and step.mine is not None
    memory = next(row for row in comparison.groups[1].rows if row.metric == "fp32 · Peak memory")
    assert memory.reference is not None and memory.reference.text.endswith("GiB") and memory.mine is None
    assert any(row.metric.startswith("tf32 ·") and row.mine is None for row in comparison.groups[1].rows)


def test_the_sizes_that_differ_are_listed() -> None:
    comparison = _mixed_precision("en")
    params = {row.metric: (row.reference.text if row.reference else "", row.mine.text if row.mine else "")
              for row in comparison.params}
    assert params["Model width (d_model)"] == ("768", "64")
    assert [row.metric for row in comparison.machine] == ["torch", "Duration"]
    assert comparison.machine[0].reference is not None and comparison.machine[0].reference.text == "2.11.0+cu130"
