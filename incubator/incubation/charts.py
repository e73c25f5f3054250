"""Small server-side SVG charts: no script, no style attribute, every text escaped."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date

from markupsafe import Markup, escape

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 20, 44


def plain_number(value: float) -> str:
    """115.0 -> "115", 2.5 -> "2.5": what an axis label needs, without a locale."""
    if math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """About `count` round values covering [low, high] (1, 2, 2.5, 3 or 5 times a power of ten)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 3, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = [round(first, 10)]
    while ticks[-1] < high:
        ticks.append(round(first + len(ticks) * step, 10))
    return ticks


def line_chart(points: Sequence[tuple[date, float]], *, title: str, description: str = "",
               target: float | None = None, chart_id: str = "chart", unit: str = "",
               format_date: Callable[[date], str] = date.isoformat,
               format_number: Callable[[float], str] = plain_number,
               target_label: str = "Target", date_axis_label: str = "Date",
               value_axis_label: str = "Value") -> Markup:
    """A line chart of values over time, with its target as a dashed line.

    `points` are (day, value) pairs; `title` and `description` become the SVG's <title> and <desc>
    (the accessible name and description); every label passed in is escaped here.
    Returns empty markup when there is nothing to draw.
    """
    points = sorted((day, float(value)) for day, value in points)
    if not points:
        return Markup("")
    values = [v for _, v in points] + ([float(target)] if target is not None else [])
    low, high = min(0.0, *values), max(values)
    ticks = nice_ticks(low, high if high > low else low + 1)
    low, high = ticks[0], ticks[-1]

    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    first, last = points[0][0], points[-1][0]
    span = (last - first).days

    def x(day: date) -> float:
        if span == 0:
            return LEFT + plot_w / 2
        return LEFT + plot_w * (day - first).days / span

    def y(value: float) -> float:
        return TOP + plot_h * (1 - (value - low) / (high - low))

    def n(value: float) -> str:
        return f"{value:.1f}"

    suffix = f" {unit}" if unit else ""
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(title_id)}" aria-describedby="{escape(desc_id)}" '
        f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
        '<g class="chart__grid" aria-hidden="true">',
    ]
    for tick in ticks:
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{n(y(tick))}" y2="{n(y(tick))}"/>')
        parts.append(f'<text class="chart__tick" x="{LEFT - 8}" y="{n(y(tick) + 4)}" text-anchor="end">'
                     f'{escape(format_number(tick))}</text>')
    parts.append("</g>")
    # Axes and their names.
    parts.append(f'<g class="chart__axes" aria-hidden="true">'
                 f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}"/>'
                 f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}"/>'
                 f'<text class="chart__axis-label" x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 4}" '
                 f'text-anchor="middle">{escape(date_axis_label)}</text>'
                 f'<text class="chart__axis-label" transform="rotate(-90)" x="{-(TOP + plot_h / 2):.1f}" y="14" '
                 f'text-anchor="middle">{escape(value_axis_label)}</text></g>')
    # Dates under the axis: the first and the last (the middle one when there is room).
    shown_days = [first] if span == 0 else [first, last]
    if span >= 60 and len(points) > 2:
        middle = min(points[1:-1], key=lambda p: abs((p[0] - first).days - span / 2))[0]
        shown_days.insert(1, middle)
    parts.append('<g class="chart__dates" aria-hidden="true">')
    for index, day in enumerate(shown_days):
        anchor = "middle" if span == 0 or 0 < index < len(shown_days) - 1 else ("start" if index == 0 else "end")
        parts.append(f'<text class="chart__tick" x="{n(x(day))}" y="{TOP + plot_h + 18}" '
                     f'text-anchor="{anchor}">{escape(format_date(day))}</text>')
    parts.append("</g>")
    if target is not None:
        ty = y(float(target))
        parts.append(f'<g class="chart__target"><line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{n(ty)}" '
                     f'y2="{n(ty)}" stroke-dasharray="6 4"/>'
                     f'<text x="{WIDTH - RIGHT}" y="{n(ty - 6)}" text-anchor="end">'
                     f'{escape(target_label)}: {escape(format_number(float(target)) + suffix)}</text></g>')
    if len(points) > 1:
        path = " ".join(f"{n(x(day))},{n(y(value))}" for day, value in points)
        parts.append(f'<polyline class="chart__line" points="{path}" fill="none"/>')
    parts.append('<g class="chart__points">')
    for day, value in points:
        parts.append(f'<circle cx="{n(x(day))}" cy="{n(y(value))}" r="4">'
                     f'<title>{escape(format_date(day))}: {escape(format_number(value) + suffix)}</title></circle>')
    parts.append("</g></svg>")
    return Markup("".join(parts))


__all__ = ["line_chart", "nice_ticks", "plain_number"]
