"""The 30-day uptime bar chart of the device page, laid out on the server (inline SVG, no script needed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from source_server.web.fleet.device_view import percent

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 12, 34
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
GOOD, FAIR = 0.95, 0.5


@dataclass(frozen=True)
class Bar:
    """One day's bar: geometry, colour class and the words a screen reader hears."""

    x: float
    y: float
    width: float
    height: float
    css: str
    day: str
    value: str
    label_x: float
    show_label: bool


@dataclass(frozen=True)
class UptimeChart:
    """Bars, the grid lines and the average over the period."""

    bars: list[Bar]
    grid: list[tuple[float, str]]
    average: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    baseline: float = TOP + PLOT_H


def _css(fraction: float) -> str:
    return "good" if fraction >= GOOD else ("fair" if fraction >= FAIR else "poor")


def uptime_chart(days: list[tuple[date, float]], lang: str) -> UptimeChart:
    """Lay out one bar per day (oldest left); every fifth day and the last one get a date under the axis."""
    if not days:
        raise ValueError("no days to chart")
    slot = PLOT_W / len(days)
    width = slot * 0.72
    bars = []
    for i, (day, fraction) in enumerate(days):
        height = max(fraction * PLOT_H, 1.5)
        x = LEFT + i * slot + (slot - width) / 2
        bars.append(
            Bar(
                x=round(x, 2),
                y=round(TOP + PLOT_H - height, 2),
                width=round(width, 2),
                height=round(height, 2),
                css=_css(fraction),
                day=day.strftime("%d/%m/%Y"),
                value=percent(fraction, lang),
                label_x=round(x + width / 2, 2),
                show_label=(len(days) - 1 - i) % 5 == 0,
            )
        )
    grid = [
        (round(TOP + PLOT_H * (1 - f), 2), percent(f, lang).replace(",0", "").replace(".0", "")) for f in (0, 0.5, 1)
    ]
    average = sum(f for _, f in days) / len(days)
    return UptimeChart(bars=bars, grid=grid, average=percent(average, lang))
