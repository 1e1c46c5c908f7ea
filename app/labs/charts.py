"""Lab charts as plain SVG geometry (no chart library): the template draws what these functions compute."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from labs.core.schema import Chart

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 48


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass
class SeriesShape:
    name: str
    unit: str
    index: int  # picks the colour class
    paths: list[str] = field(default_factory=list)  # line charts: one "M x y L ..." per unbroken run
    bars: list[tuple[float, float, float, float, float]] = field(default_factory=list)  # x, y, w, h, value


@dataclass
class ChartShape:
    title: str
    kind: str
    x_label: str
    y_label: str
    width: int = WIDTH
    height: int = HEIGHT
    plot: tuple[int, int, int, int] = (LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    series: list[SeriesShape] = field(default_factory=list)


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1e4 or abs(value) < 1e-2:
        return f"{value:.2g}"
    return f"{value:.4g}"


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if raw <= step * m)
    first = math.floor(low / step) * step
    return [first + i * step for i in range(int(math.ceil((high - first) / step)) + 1)]


def chart_shape(chart: Chart) -> ChartShape:
    """Scale a chart's values into the plot box; None values break a line, bars are grouped per x."""
    shape = ChartShape(title=chart.title, kind=chart.kind, x_label=chart.x_label, y_label=chart.y_label)
    left, top, width, height = shape.plot
    values = [v for s in chart.series for v in s.values if v is not None and math.isfinite(v)]
    ticks = _nice_ticks(min([0.0, *values]), max([0.0, *values]) or 1.0)
    low, high = ticks[0], ticks[-1]

    def y_of(value: float) -> float:
        return top + height - (value - low) / (high - low) * height

    shape.y_ticks = [Tick(pos=round(y_of(v), 1), label=_fmt(v)) for v in ticks]
    n = max(len(chart.x), 1)
    numeric = chart.kind == "line" and all(isinstance(x, (int, float)) for x in chart.x) and n > 1
    if numeric:
        xs = [float(x) for x in chart.x]
        span = (max(xs) - min(xs)) or 1.0
        x_pos = [left + (x - min(xs)) / span * width for x in xs]
    else:
        x_pos = [left + (i + 0.5) * width / n for i in range(n)]
    every = max(1, math.ceil(n / 10))  # at most ~10 labels on the x axis
    shape.x_ticks = [Tick(pos=round(p, 1), label=_fmt(x) if isinstance(x, (int, float)) else str(x))
                     for i, (p, x) in enumerate(zip(x_pos, chart.x, strict=True)) if i % every == 0]
    group = width / n * 0.8
    bar_w = group / max(len(chart.series), 1)
    for index, series in enumerate(chart.series):
        item = SeriesShape(name=series.name, unit=series.unit, index=index % 8)
        run: list[str] = []
        for i, value in enumerate(series.values):
            if value is None or not math.isfinite(value):
                if run:
                    item.paths.append(" ".join(run))
                run = []
                continue
            if chart.kind == "bar":
                x = x_pos[i] - group / 2 + index * bar_w
                y0, y1 = y_of(max(value, 0.0)), y_of(min(value, 0.0))
                item.bars.append((round(x, 1), round(y0, 1), round(bar_w * 0.9, 1), round(y1 - y0, 1), value))
            else:
                run.append(f"{'M' if not run else 'L'}{x_pos[i]:.1f} {y_of(value):.1f}")
        if run:
            item.paths.append(" ".join(run))
        shape.series.append(item)
    return shape
