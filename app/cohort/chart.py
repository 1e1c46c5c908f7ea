"""Mock-interview scores over time as one chart of the lab pages' kind (templates/labs/_chart.html, drawn by
static/js/lab-charts.js with uPlot): a line per learner through their rounds in order (first, second, ...), so every
learner's trend reads left to right whatever the dates; the dates are in the table beside it."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from app.cohort.service import RoundPoint
from app.labs.charts import ChartView
from app.labs.format import Shown, format_value
from app.messages import translate


def score_chart(rounds: list[RoundPoint], lang: str) -> ChartView | None:
    """None without a round to show."""
    by_learner: dict[str, list[int]] = defaultdict(list)
    for point in rounds:  # oldest first
        by_learner[point.name].append(point.percent)
    if not by_learner:
        return None
    length = max(len(scores) for scores in by_learner.values())
    # Rounds as categories (1, 2, 3, ...): ticks fall on whole rounds, never on 1.5.
    categories = [str(number) for number in range(1, length + 1)]
    xs = [float(index) for index in range(length)]
    columns: list[list[float | None]] = [[float(s) for s in scores] + [None] * (length - len(scores))
                                         for scores in by_learner.values()]
    title, x_label, y_label = (translate(f"cohort.chart.{key}", lang) for key in ("title", "round", "score"))
    payload: dict[str, Any] = {
        "kind": "line", "title": title, "x": xs, "categories": categories, "xLabel": x_label, "yLabel": y_label,
        "xUnit": "", "yUnit": "percent", "xLog": 0, "yLog": 0,
        "series": [{"name": name, "values": values} for name, values in zip(by_learner, columns, strict=True)],
    }
    rows = [[Shown(category), *(format_value(values[index], "percent") for values in columns)]
            for index, category in enumerate(categories)]
    return ChartView(title=title, payload=payload, headers=[x_label, *by_learner], rows=rows)
