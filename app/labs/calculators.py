"""Calculators that redraw as the learner types, over a lab's own torch-free formulas (one source: the lab's module).

The ZeRO calculator draws labs/formulas.py's `zero_model_state_bytes` (the ZeRO paper's Figure 1, the formula the
zero-memory lab checks its measurements against and the memory planner answers with) for any model size, GPU count
and GPU memory; the lab page's form asks
/labs/zero-memory/calculator for this fragment on every keystroke (HTMX), and /api/labs/zero-memory/calculator
is its JSON twin.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.labs.charts import ChartView, chart_view
from app.labs.format import Shown, format_value
from app.labs.labels import label
from app.messages import translate
from labs.core.schema import Chart, Series
from labs.core.spec import LabSpec, Param, ParamError
from labs.formulas import zero_model_state_bytes

GIB = 2**30
MAX_GPUS = 1_048_576
STAGES = (0, 1, 2, 3)
# How the paper writes each stage's per-GPU bytes (a label for the formula the numbers come from, not a second copy).
PAPER_FORMULAS = {0: "(2+2+K)Ψ", 1: "4Ψ + KΨ/N", 2: "2Ψ + (2+K)Ψ/N", 3: "(2+2+K)Ψ/N"}


@dataclass(frozen=True)
class CalculatorInput:
    name: str
    label: str
    unit: str
    value: str
    minimum: float | None
    maximum: float | None
    step: str


@dataclass
class CalculatorView:
    lab: str
    inputs: list[CalculatorInput]
    headers: list[str] = field(default_factory=list)
    rows: list[list[Shown]] = field(default_factory=list)
    fits: list[bool | None] = field(default_factory=list)
    chart: ChartView | None = None
    error: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    data: list[dict[str, Any]] = field(default_factory=list)  # the JSON twin's rows, in bytes


# The calculator's own input beside the lab's parameters: how much memory one GPU has.
GPU_MEMORY = Param("gpu_gib", "float", 80.0, "每卡显存", "memory per GPU", 1.0, 4096.0)


def _inputs(spec: LabSpec, names: tuple[str, ...], raw: Mapping[str, str], lang: str
            ) -> tuple[list[CalculatorInput], dict[str, Any], str]:
    params = {param.name: param for param in (*spec.params, GPU_MEMORY)}
    inputs, values, errors = [], {}, []
    for name in names:
        param = params[name]
        text = str(raw.get(name, "")).strip()
        try:
            values[name] = param.parse(text) if text else param.default
        except ParamError as error:
            errors.append(str(error))
            values[name] = param.default
        inputs.append(CalculatorInput(name=name, label=translate(f"labs.calc.input.{name}", lang),
                                      unit=translate(f"labs.calc.unit.{name}", lang), value=text or str(param.default),
                                      minimum=param.minimum, maximum=param.maximum,
                                      step="1" if param.type == "int" else "any"))
    return inputs, values, "; ".join(errors)


def _fewest_gpus(psi: float, stage: int, capacity: float) -> int | None:
    """The smallest N whose per-GPU model states fit in `capacity` bytes, by the paper's formula (it falls with N)."""
    if zero_model_state_bytes(psi, MAX_GPUS)[stage] > capacity:
        return None
    low, high = 1, MAX_GPUS
    while low < high:
        middle = (low + high) // 2
        if zero_model_state_bytes(psi, middle)[stage] <= capacity:
            high = middle
        else:
            low = middle + 1
    return low


def zero_calculator(spec: LabSpec, raw: Mapping[str, str], lang: str) -> CalculatorView:
    inputs, values, error = _inputs(spec, ("calc_params_b", "calc_gpus", "gpu_gib"), raw, lang)
    psi, n, capacity = values["calc_params_b"] * 1e9, values["calc_gpus"], values["gpu_gib"] * GIB
    per_gpu = zero_model_state_bytes(psi, n)
    view = CalculatorView(lab=spec.id, inputs=inputs, error=error, values=values)
    view.headers = [label(key, lang).text for key in ("calc.stage", "calc.formula", "calc.per_gpu_bytes", "calc.fits")]
    view.headers.append(translate("labs.calc.fewest", lang, gib=format_value(values["gpu_gib"]).text))
    for stage in STAGES:
        fewest = _fewest_gpus(psi, stage, capacity)
        fits = per_gpu[stage] <= capacity
        view.fits.append(fits)
        view.rows.append([Shown(f"ZeRO-{stage}"), Shown(PAPER_FORMULAS[stage]), format_value(per_gpu[stage], "bytes"),
                          Shown(translate("labs.calc.yes" if fits else "labs.calc.no", lang)),
                          Shown(f"{fewest:,}" if fewest is not None else translate("labs.calc.never", lang))])
        view.data.append({"stage": stage, "formula": PAPER_FORMULAS[stage], "per_gpu_bytes": per_gpu[stage],
                          "fits": fits, "fewest_gpus": fewest})
    view.chart = chart_view(_sweep(psi, n, capacity, values["gpu_gib"], lang), lang)
    return view


def _sweep(psi: float, n: int, capacity: float, gib: float, lang: str) -> Chart:
    """Per-GPU model states against N, doubling from 1 past the chosen N, and the GPU's memory as a line."""
    counts, count = [], 1
    while count <= max(1024, 4 * n) and count <= MAX_GPUS:
        counts.append(count)
        count *= 2
    counts = sorted({*counts, n})
    series = [Series(name=f"ZeRO-{stage}", unit="bytes",
                     values=[zero_model_state_bytes(psi, count)[stage] for count in counts]) for stage in STAGES]
    series.append(Series(name=translate("labs.calc.capacity", lang, gib=format_value(gib).text), unit="bytes",
                         values=[capacity] * len(counts)))
    x: list[float | int | str] = list(counts)
    return Chart(title=translate("labs.calc.chart", lang, psi=format_value(psi / 1e9).text), kind="line", x=x,
                 x_label="calc.gpus", y_label="calc.per_gpu_bytes", series=series)


CALCULATORS: dict[str, Callable[[LabSpec, Mapping[str, str], str], CalculatorView]] = {
    "zero-memory": zero_calculator,
}


def calculator(spec: LabSpec, raw: Mapping[str, str], lang: str) -> CalculatorView | None:
    """The calculator of `spec`'s lab over the form's values (defaults where empty), or None if it has none."""
    make = CALCULATORS.get(spec.id)
    return make(spec, raw, lang) if make else None
