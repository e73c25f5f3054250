"""The funnel drawn as an SVG picture: pure layout and markup, every text escaped, no style attribute.

One horizontal bar per stage, its length proportional to the number of projects; the number is
written on or beside the bar, and the share of the previous stage that reached this one is written
at the right of the stage's name (the caller's caption says what the percentages are), so nothing
depends on colour or on reading lengths. Narrow enough to stay legible on a phone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from ..workflows.diagram import wrap

WIDTH = 400
MARGIN = 4
LINE_H = 19
BAR_H = 28
STAGE_GAP = 14
LABEL_W = 320  # room for the stage's name; the rate takes the right of the line
OUTSIDE = 52  # room right of the longest bar for a number written outside it
INSIDE_MIN = 52  # a bar at least this long carries its number inside


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


@dataclass
class FunnelTexts:
    """The words the picture needs, translated by the caller (English defaults for tests)."""

    title: str = "Funnel"
    description: str = ""
    number: Callable[[int], str] = str
    rate: Callable[[int, int], str] = (
        lambda count, previous: f"{round(100 * count / previous)} %" if previous else "")
    bar_title: Callable[[str, int], str] = lambda label, count: f"{label}: {count}"


def funnel_svg(steps: Sequence[tuple[str, int]], *, svg_id: str, texts: FunnelTexts | None = None) -> Markup:
    """`steps` are (label, count) pairs in funnel order. Returns an inline <svg role="img"> whose
    <title> and <desc> name and describe it; empty markup when there is no stage."""
    texts = texts or FunnelTexts()
    if not steps:
        return Markup("")
    top = max(count for _label, count in steps) or 1
    bar_room = WIDTH - 2 * MARGIN - OUTSIDE
    body: list[str] = []
    y = MARGIN
    previous: int | None = None
    for index, (label, count) in enumerate(steps):
        lines = wrap(label, LABEL_W, 8.4, 2)
        body.append(f'<g class="funnel__stage" data-stage="{index}">')
        for k, line in enumerate(lines):
            body.append(f'<text class="funnel__label" x="{MARGIN}" y="{_n(y + 15 + k * LINE_H)}">'
                        f'{escape(line)}</text>')
        if previous is not None:
            rate = texts.rate(count, previous)
            if rate:
                body.append(f'<text class="funnel__rate" x="{WIDTH - MARGIN}" y="{_n(y + 15)}" '
                            f'text-anchor="end">{escape(rate)}</text>')
        bar_y = y + len(lines) * LINE_H + 4
        width = bar_room * count / top
        tip = escape(texts.bar_title(label, count))
        if count:
            body.append(f'<rect class="funnel__bar" x="{MARGIN}" y="{_n(bar_y)}" width="{_n(max(width, 3))}" '
                        f'height="{BAR_H}" rx="3"><title>{tip}</title></rect>')
        else:
            body.append(f'<rect class="funnel__bar funnel__bar--empty" x="{MARGIN}" y="{_n(bar_y)}" width="3" '
                        f'height="{BAR_H}"><title>{tip}</title></rect>')
        number = escape(texts.number(count))
        if count and width >= INSIDE_MIN:
            body.append(f'<text class="funnel__count funnel__count--inside" x="{_n(MARGIN + width - 10)}" '
                        f'y="{_n(bar_y + BAR_H / 2 + 5)}" text-anchor="end">{number}</text>')
        else:
            body.append(f'<text class="funnel__count" x="{_n(MARGIN + max(width, 3) + 8)}" '
                        f'y="{_n(bar_y + BAR_H / 2 + 5)}">{number}</text>')
        body.append("</g>")
        y = bar_y + BAR_H + STAGE_GAP
        previous = count
    height = y - STAGE_GAP + MARGIN
    title_id, desc_id = f"{svg_id}-title", f"{svg_id}-desc"
    head = (f'<svg class="funnel" id="{escape(svg_id)}" viewBox="0 0 {WIDTH} {_n(height)}" role="img" '
            f'aria-labelledby="{escape(title_id)}" aria-describedby="{escape(desc_id)}" '
            f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{escape(title_id)}">{escape(texts.title)}</title>'
            f'<desc id="{escape(desc_id)}">{escape(texts.description)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


__all__ = ["FunnelTexts", "funnel_svg"]
