"""Lab charts for static/js/lab-charts.js (uPlot): series in canonical units, axes labelled, log axes over decades.

The page carries each chart twice: as JSON for the module to draw (`payload`, in a <script type=application/json>)
and as an HTML table of the same numbers (`headers`, `rows`) for readers without JavaScript or a screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from app.labs.format import Shown, canonical, format_value
from app.labs.labels import lab_text, label
from labs.core.schema import Chart

# A log axis once the largest value is this many times the smallest (powers of two: doubling is the story).
LOG_SPAN = 100.0
LOG2_SPAN = 8.0


@dataclass
class ChartView:
    title: str
    payload: dict[str, Any]
    headers: list[str] = field(default_factory=list)
    rows: list[list[Shown]] = field(default_factory=list)


def _power_of_two(value: float) -> bool:
    return value > 0 and math.log2(value).is_integer()


def log_base(values: list[float | None]) -> int:
    """2 or 10 when these values are better read on a log axis, else 0 (linear)."""
    present = [value for value in values if value is not None]
    if len(present) < 2 or any(value <= 0 or not math.isfinite(value) for value in present):
        return 0
    span = max(present) / min(present)
    powers = all(_power_of_two(value) for value in present)
    if powers and span >= LOG2_SPAN:
        return 2
    return 10 if span >= LOG_SPAN else 0


def _series_unit(chart: Chart) -> str:
    """The unit of the y values: the series' own, else the one the y label's key has in the label table."""
    units = {series.unit for series in chart.series if series.unit}
    return units.pop() if len(units) == 1 else label(chart.y_label, "zh").unit


def chart_view(chart: Chart, lang: str, *, lab: str = "") -> ChartView:
    """`chart` ready to draw: values scaled to the canonical unit (MB → bytes), names in `lang`."""
    kind, factor = canonical(_series_unit(chart))
    names = [lab_text(item.name, lang) for item in chart.series]
    columns: list[list[float | None]] = [
        [None if value is None or not math.isfinite(value) else value * factor for value in item.values]
        for item in chart.series]
    numeric_x = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in chart.x)
    xs = [float(x) for x in chart.x] if numeric_x else [float(index) for index in range(len(chart.x))]
    categories = None if numeric_x else [lab_text(str(x), lang) for x in chart.x]
    x_label, y_label = label(chart.x_label, lang, lab=lab), label(chart.y_label, lang, lab=lab)
    x_text, y_text = (x_label.text if chart.x_label else ""), (y_label.text if chart.y_label else "")
    x_unit = x_label.unit if numeric_x else ""
    title = lab_text(chart.title, lang)
    line = chart.kind == "line"
    payload: dict[str, Any] = {
        "kind": chart.kind, "title": title, "x": xs, "categories": categories, "xLabel": x_text, "yLabel": y_text,
        "xUnit": x_unit, "yUnit": kind, "xLog": log_base(list(xs)) if numeric_x and line else 0,
        "yLog": log_base([value for values in columns for value in values]) if line else 0,
        "series": [{"name": name, "values": values} for name, values in zip(names, columns, strict=True)],
    }
    rows = []
    for index, x in enumerate(xs):
        first = format_value(x, x_unit) if categories is None else Shown(categories[index])
        rows.append([first, *(format_value(values[index], kind) for values in columns)])
    return ChartView(title=title, payload=payload, headers=[x_text or "x", *names], rows=rows)
