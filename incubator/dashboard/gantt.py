"""A promotion's timeline: each project's phases planned against actual, drawn as an SVG Gantt chart.

`gantt_rows` turns projects whose history is loaded into rows (the plan comes from the phases'
months shifted by every stand-by, as on a project's own timeline page); `render` draws them: pure
layout and markup, every text escaped, no style attribute. Per project, a thin dashed lane for the
plan and a thicker lane for what happened; stand-bys are hatched, an outcome is a diamond, a review
overdue gets a thick dashed outline and the words "Review overdue", and a vertical line marks today.
Nothing is said by colour alone: the phase is written in its bar when it fits, and a table carries
the same facts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup, escape

from ..incubation.periods import periods
from ..incubation.timeline import PhaseRow, StandBy, find_standbys, phase_rows
from ..models import Project
from ..workflows import get_definition
from ..workflows.diagram import wrap
from .queries import is_overdue

LABEL_W = 250
PLOT_W = 640
STATUS_W = 170
AXIS_H = 48
ROW_H = 60
MARGIN = 8
PLANNED_Y, PLANNED_H = 10, 10
ACTUAL_Y, ACTUAL_H = 26, 20
CHAR_W = 7.0
MONTH_LABEL_W = 72  # room one month label needs on the axis


@dataclass
class Span:
    """A stretch of what happened: a phase running (`phase` set) or a stand-by (`hold`)."""

    kind: str  # phase, hold
    label: str
    start: datetime
    end: datetime | None  # None: still running
    phase_index: int = 0


@dataclass
class GanttRow:
    project: Project
    state_label: str
    phases: list[PhaseRow]
    spans: list[Span]
    standbys: list[StandBy]
    outcome: tuple[datetime, str] | None
    overdue: bool
    due: datetime | None
    on_hold: bool
    status: str = ""  # the words in the right-hand column, written by the caller
    late_words: str = ""  # how long the running phase is past its planned end, written by the caller
    phase_labels: dict[str, str] = field(default_factory=dict)


def gantt_rows(projects: Sequence[Project], now: datetime, locale: str) -> list[GanttRow]:
    """Rows for projects whose `history` and `call` are loaded: no query here."""
    result = []
    for project in projects:
        definition = get_definition(project.workflow)
        history = sorted(project.history, key=lambda e: (e.at, e.id or 0))
        standbys = find_standbys(history, definition)
        phases = phase_rows(definition, project, history, standbys, now, locale)
        order = {name: index for index, name in enumerate(definition.phases)}
        labels = {name: phase.label(locale) for name, phase in definition.phases.items()}
        spans: list[Span] = []
        outcome = None
        started = False
        for period in periods(history, definition):
            state = definition.states.get(period.state)
            if period.phase:
                started = True
                spans.append(Span("phase", labels.get(period.phase, period.phase), period.start, period.end,
                                  order.get(period.phase, 0)))
            elif started and state is not None and state.final and outcome is None:
                outcome = (period.start, state.label(locale))
        for standby in standbys:
            spans.append(Span("hold", "", standby.start, standby.end))
        state = definition.states.get(project.state)
        result.append(GanttRow(
            project=project, state_label=state.label(locale) if state else project.state, phases=phases,
            spans=spans, standbys=standbys, outcome=outcome, overdue=is_overdue(project, now),
            due=project.review_due_at, on_hold=project.clock_stopped_at is not None, phase_labels=labels))
    return result


@dataclass
class GanttTexts:
    """The words the picture needs, translated by the caller (English defaults for tests)."""

    title: str = "Timeline"
    description: str = ""
    today: str = "Today"
    planned: str = "planned"
    on_hold: str = "On hold"
    overdue: str = "Review overdue"
    month: Callable[[datetime], str] = lambda d: d.strftime("%b %Y")
    day: Callable[[datetime], str] = lambda d: d.strftime("%d %b %Y")


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def domain(rows: Sequence[GanttRow], now: datetime) -> tuple[datetime, datetime] | None:
    """Whole months covering every plan, every span and the outcomes; today too while a project of
    the rows is still under way (a promotion long finished is not squeezed against today)."""
    moments: list[datetime] = []
    for row in rows:
        for phase in row.phases:
            moments += [m for m in (phase.planned_start, phase.planned_end, phase.actual_start, phase.actual_end) if m]
        for span in row.spans:
            moments += [span.start, span.end or now]
        if row.outcome:
            moments.append(row.outcome[0])
        if row.due:
            moments.append(row.due)
    if not moments:
        return None
    if any(row.outcome is None for row in rows):
        moments.append(now)
    first = min(moments).astimezone(UTC)
    last = max(moments).astimezone(UTC)
    start = datetime(first.year, first.month, 1, tzinfo=UTC)
    end = datetime(last.year, last.month, 1, tzinfo=UTC) + relativedelta(months=1)
    return start, end


def render(rows: Sequence[GanttRow], now: datetime, *, svg_id: str, texts: GanttTexts | None = None) -> Markup:
    """The rows as an inline <svg role="img">; empty markup when nothing has a date yet."""
    texts = texts or GanttTexts()
    span_of = domain(rows, now)
    if not rows or span_of is None:
        return Markup("")
    start, end = span_of
    total = (end - start).total_seconds()
    left = LABEL_W
    width = LABEL_W + PLOT_W + STATUS_W
    height = AXIS_H + len(rows) * ROW_H + MARGIN
    sid = escape(svg_id)

    def x(moment: datetime) -> float:
        return left + PLOT_W * max(0.0, min(1.0, (moment - start).total_seconds() / total))

    out = [
        f'<svg class="gantt" id="{sid}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="{sid}-title" aria-describedby="{sid}-desc" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{sid}-title">{escape(texts.title)}</title>',
        f'<desc id="{sid}-desc">{escape(texts.description)}</desc>',
        # Stand-bys are hatched; the pattern's colours are attributes so that it reads even unstyled.
        f'<defs><pattern id="{sid}-hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff1dc"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="#7a4100" stroke-width="2"/></pattern></defs>',
    ]
    # Rows' backgrounds first, then the month grid over them, then the bars.
    for index in range(len(rows)):
        if index % 2:
            out.append(f'<rect class="gantt__stripe" x="0" y="{AXIS_H + index * ROW_H}" width="{width}" '
                       f'height="{ROW_H}"/>')
    months = []
    month = start
    while month <= end:
        months.append(month)
        month += relativedelta(months=1)
    step = max(1, math.ceil(len(months) / max(1, PLOT_W // MONTH_LABEL_W)))
    # Labels every `step` months; unlabelled month lines only while they stay apart.
    minor = step <= 3
    out.append('<g class="gantt__grid" aria-hidden="true">')
    for k, month in enumerate(months):
        mx = x(month)
        labelled = k % step == 0 and month < end
        if not labelled and not minor:
            continue
        css = "gantt__grid-major" if labelled else "gantt__grid-minor"
        out.append(f'<line class="{css}" x1="{_n(mx)}" x2="{_n(mx)}" y1="{AXIS_H - (10 if labelled else 4)}" '
                   f'y2="{height - MARGIN}"/>')
        if labelled:
            out.append(f'<text class="gantt__month" x="{_n(mx + 3)}" y="{AXIS_H - 30}">'
                       f'{escape(texts.month(month))}</text>')
    out.append(f'<line class="gantt__axis" x1="{left}" x2="{left + PLOT_W}" y1="{AXIS_H}" y2="{AXIS_H}"/></g>')

    for index, row in enumerate(rows):
        top = AXIS_H + index * ROW_H
        out.append(f'<g class="gantt__row" data-project="{row.project.id}">')
        lines = wrap(row.project.title, LABEL_W - 2 * MARGIN, CHAR_W, 2)
        for k, line in enumerate(lines):
            out.append(f'<text class="gantt__title" x="{MARGIN}" y="{top + 18 + k * 16}">{escape(line)}</text>')
        out.append(f'<text class="gantt__state" x="{MARGIN}" y="{top + 18 + len(lines) * 16}">'
                   f'{escape(wrap(row.state_label, LABEL_W - 2 * MARGIN, 6.4, 1)[0])}</text>')
        # The plan: one dashed box per phase.
        for k, phase in enumerate(row.phases):
            if phase.planned_start and phase.planned_end:
                px, pw = x(phase.planned_start), x(phase.planned_end) - x(phase.planned_start)
                out.append(f'<rect class="gantt__planned gantt__planned--{k % 3}" x="{_n(px)}" '
                           f'y="{top + PLANNED_Y}" width="{_n(max(pw, 1))}" height="{PLANNED_H}">'
                           f'<title>{escape(phase.label)} ({escape(texts.planned)}): '
                           f'{escape(texts.day(phase.planned_start))} – {escape(texts.day(phase.planned_end))}'
                           f'</title></rect>')
        # What happened.
        current = None
        for span in row.spans:
            sx = x(span.start)
            sw = max(x(span.end or now) - sx, 2)
            until = texts.day(span.end) if span.end else texts.today
            if span.kind == "hold":
                out.append(f'<rect class="gantt__hold" x="{_n(sx)}" y="{top + ACTUAL_Y}" width="{_n(sw)}" '
                           f'height="{ACTUAL_H}" fill="url(#{sid}-hatch)"><title>{escape(texts.on_hold)}: '
                           f'{escape(texts.day(span.start))} – {escape(until)}</title></rect>')
                continue
            if span.end is None:
                current = (sx, sw)
            out.append(f'<rect class="gantt__actual gantt__actual--{span.phase_index % 3}" x="{_n(sx)}" '
                       f'y="{top + ACTUAL_Y}" width="{_n(sw)}" height="{ACTUAL_H}"><title>{escape(span.label)}: '
                       f'{escape(texts.day(span.start))} – {escape(until)}</title></rect>')
            if sw >= len(span.label) * 6.6 + 10:
                out.append(f'<text class="gantt__bar-label gantt__bar-label--{span.phase_index % 3}" '
                           f'x="{_n(sx + 5)}" y="{top + ACTUAL_Y + 14}" aria-hidden="true">{escape(span.label)}</text>')
        if row.overdue and current is not None:
            cx, cw = current
            out.append(f'<rect class="gantt__overdue" x="{_n(cx - 3)}" y="{top + ACTUAL_Y - 3}" '
                       f'width="{_n(cw + 6)}" height="{ACTUAL_H + 6}" fill="none" stroke-dasharray="5 3"/>')
        if row.outcome:
            ox, oy = x(row.outcome[0]), top + ACTUAL_Y + ACTUAL_H / 2
            out.append(f'<path class="gantt__outcome" d="M{_n(ox)},{_n(oy - 9)} L{_n(ox + 9)},{_n(oy)} '
                       f'L{_n(ox)},{_n(oy + 9)} L{_n(ox - 9)},{_n(oy)} Z"><title>{escape(row.outcome[1])}: '
                       f'{escape(texts.day(row.outcome[0]))}</title></path>')
        status_lines = wrap(row.status, STATUS_W - 2 * MARGIN, 6.8, 2) if row.status else []
        css = "gantt__status gantt__status--overdue" if row.overdue else "gantt__status"
        for k, line in enumerate(status_lines):
            out.append(f'<text class="{css}" x="{left + PLOT_W + MARGIN + 4}" y="{top + 22 + k * 16}">'
                       f'{escape(line)}</text>')
        out.append("</g>")

    if start <= now <= end:
        tx = x(now)
        out.append(f'<g class="gantt__today"><line x1="{_n(tx)}" x2="{_n(tx)}" y1="{AXIS_H - 14}" '
                   f'y2="{height - MARGIN}" stroke-dasharray="4 3"/><text x="{_n(tx)}" y="{AXIS_H - 16}" '
                   f'text-anchor="middle">{escape(texts.today)}</text></g>')
    out.append("</svg>")
    return Markup("".join(out))


def planned_delay(row: GanttRow, now: datetime) -> timedelta | None:
    """How far the running phase is past its planned end (None when it is not)."""
    for phase in row.phases:
        if phase.status == "running" and phase.planned_end and now > phase.planned_end:
            return now - phase.planned_end
    return None


__all__ = ["GanttRow", "GanttTexts", "Span", "domain", "gantt_rows", "planned_delay", "render"]
