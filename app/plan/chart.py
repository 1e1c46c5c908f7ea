"""The forecast as an SVG bar chart drawn on the server: one stacked bar a day (reviews, learning steps, new
questions), geometry in SVG attributes (the Content-Security-Policy allows no style attributes)."""

from __future__ import annotations

from dataclasses import dataclass

from app.plan.simulate import ForecastDay

WIDTH, HEIGHT = 720, 200
TOP, BOTTOM, LEFT = 12, 22, 34  # room for the axis labels
PARTS = ("reviews", "learning", "new")


@dataclass(frozen=True)
class Bar:
    part: str  # reviews | learning | new
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class DayColumn:
    day: ForecastDay
    x: float
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    columns: list[DayColumn]
    peak: int  # the busiest day's total: the top of the scale
    cap: int  # the daily review cap
    cap_y: float | None  # where the cap's line is drawn (None when off the scale)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: float = HEIGHT - BOTTOM

    @property
    def label_every(self) -> int:
        """Label one day in this many, so dates never overlap."""
        return max(1, round(len(self.columns) / 8))


def forecast_chart(days: list[ForecastDay], cap: int) -> Chart:
    peak = max((day.total for day in days), default=0)
    scale_top = max(peak, 1)
    plot_height = HEIGHT - TOP - BOTTOM
    step = (WIDTH - LEFT) / max(len(days), 1)
    width = max(step * 0.8, 1.0)
    columns = []
    for index, day in enumerate(days):
        x = LEFT + index * step + (step - width) / 2
        y = HEIGHT - BOTTOM
        bars = []
        for part in PARTS:
            value = getattr(day, part)
            if value <= 0:
                continue
            height = plot_height * value / scale_top
            y -= height
            bars.append(Bar(part=part, x=round(x, 2), y=round(y, 2), width=round(width, 2), height=round(height, 2)))
        columns.append(DayColumn(day=day, x=round(x + width / 2, 2), bars=bars))
    cap_y = round(HEIGHT - BOTTOM - plot_height * cap / scale_top, 2) if 0 < cap <= scale_top else None
    return Chart(columns=columns, peak=peak, cap=cap, cap_y=cap_y)
