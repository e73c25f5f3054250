"""A workflow definition drawn as an SVG state diagram: pure layout and markup, no request.

Layout: the states that are not final are placed in ranks, top to bottom, by their distance
(breadth-first) from the initial state; the final states are grouped in a column at the right,
each as near as it can be to the states that lead to it. Edges:

- to the next rank: a curve from the bottom of the source to the top of the target;
- within a rank (a hold and its release): straight arrows between the two boxes;
- back to an earlier rank (a rework, a release): along lanes at the left;
- to a final state: a curve into the left side of the final box, labelled next to the box.

An event that keeps the project where it is (`stay`) is written inside its box ("↻ Continue").
A release (`resume`) goes back to the state the hold left: it is drawn from the held state to
each state a hold event leaves. Every text is escaped; nothing relies on colour alone: final
states have a double border and the highlighted state a thick outline and the words "You are
here". No `style` attribute: classes (static/css/workflow-diagram.css) and presentation
attributes only.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from .definition import Definition

BOX_W = 176
PAD_X = 10
PAD_Y = 9
LINE_H = 17
RANK_GAP = 66
H_GAP = 136
LANE_W = 22
GUTTER = 210
FINAL_GAP = 16
MARGIN = 16
START_H = 30  # room above the initial state for the start dot
CHAR_W = 7.0  # average width of a 13 px character, for wrapping
SMALL_CHAR_W = 6.4
MAX_LABEL_LINES = 3


@dataclass
class Texts:
    """The words the picture needs, translated by the caller (English defaults for tests)."""

    title: str = "Workflow"
    description: str = ""
    you_are_here: str = "You are here"
    count: Callable[[int], str] = lambda n: f"{n} project" if n == 1 else f"{n} projects"


@dataclass
class Box:
    name: str
    label_lines: list[str]
    final: bool
    tone: str
    x: float = 0
    y: float = 0
    h: float = 0
    rank: int = 0
    notes: list[str] = field(default_factory=list)
    count: int | None = None
    here: bool = False

    @property
    def cx(self) -> float:
        return self.x + BOX_W / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def right(self) -> float:
        return self.x + BOX_W

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass
class Edge:
    event: str
    label: str
    source: str
    dest: str
    release: bool = False


def wrap(text: str, width: float, char_w: float = CHAR_W, max_lines: int = MAX_LABEL_LINES) -> list[str]:
    """Split `text` into lines about `width` pixels wide; the last line ends with … if cut."""
    per_line = max(4, int(width // char_w))
    words, lines, current = text.split(), [], ""
    for word in words:
        while len(word) > per_line:  # a word longer than the line: cut it
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:per_line - 1] + "-")
            word = word[per_line - 1:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= per_line:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current or not lines:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        lines = lines[:max_lines - 1] + [last[:per_line - 1].rstrip() + "…"]
    return lines


def edges_of(definition: Definition, locale: str) -> tuple[list[Edge], dict[str, list[str]]]:
    """The arrows to draw, and for each state the labels of the events that keep it there."""
    holds = [e for e in definition.events.values() if e.hold]
    edges: list[Edge] = []
    stays: dict[str, list[str]] = {}
    for event in definition.events.values():
        label = event.label(locale)
        for source in event.source:
            if event.stay:
                stays.setdefault(source, []).append(label)
            elif event.release:
                for hold in holds:
                    if hold.dest == source:
                        for back_to in hold.source:
                            edges.append(Edge(event.name, label, source, back_to, release=True))
            else:
                edges.append(Edge(event.name, label, source, event.dest))
    # One arrow per (source, destination, event): a release listed by two holds is drawn once.
    unique: dict[tuple[str, str, str], Edge] = {}
    for edge in edges:
        unique.setdefault((edge.source, edge.dest, edge.event), edge)
    return list(unique.values()), stays


def ranks_of(definition: Definition, edges: list[Edge]) -> dict[str, int]:
    """Breadth-first distance from the initial state, over the states that are not final."""
    rank = {definition.initial: 0}
    todo = deque([definition.initial])
    while todo:
        current = todo.popleft()
        for edge in edges:
            if edge.source == current and edge.dest not in rank and not definition.states[edge.dest].final:
                rank[edge.dest] = rank[current] + 1
                todo.append(edge.dest)
    # A state the search did not reach (the definition refuses those) still gets a place.
    deepest = max(rank.values())
    for name, state in definition.states.items():
        if not state.final and name not in rank:
            deepest += 1
            rank[name] = deepest
    return rank


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _id(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", value)


def render(definition: Definition, locale: str = "fr", *, counts: dict[str, int] | None = None,
           highlight: str | None = None, compact: bool = False, texts: Texts | None = None,
           svg_id: str | None = None) -> Markup:
    """The definition as an inline <svg> (role="img", with <title> and <desc>).

    `counts` maps a state to its number of projects (a state missing from it counts 0; no
    count is written when `counts` is None); `highlight` is the state to mark "You are here";
    `compact` leaves the edge labels out (the picture on a project page).
    """
    texts = texts or Texts()
    svg_id = _id(svg_id or f"workflow-{definition.name}")
    edges, stays = edges_of(definition, locale)
    rank = ranks_of(definition, edges)
    rank_gap = RANK_GAP if not compact else 44
    h_gap = H_GAP if not compact else 48
    gutter = GUTTER if not compact else 64

    boxes: dict[str, Box] = {}
    for name, state in definition.states.items():
        box = Box(name, wrap(state.label(locale), BOX_W - 2 * PAD_X), state.final, state.tone)
        if not compact and name in stays:
            box.notes = wrap("↻ " + ", ".join(stays[name]), BOX_W - 2 * PAD_X, SMALL_CHAR_W, 2)
        if counts is not None:
            box.count = counts.get(name, 0)
        box.here = name == highlight
        lines = len(box.label_lines) + len(box.notes) + (box.count is not None) + box.here
        box.h = max(2 * PAD_Y + lines * LINE_H, 44)
        box.rank = rank.get(name, -1)
        boxes[name] = box

    # Back edges (to an earlier rank) run along lanes at the left: put their sources first in
    # their rank so the lane is reached without crossing a neighbour.
    back = [e for e in edges if not boxes[e.dest].final and boxes[e.dest].rank < boxes[e.source].rank]
    back_sources = {e.source for e in back}
    rows: dict[int, list[Box]] = {}
    for box in boxes.values():
        if not box.final:
            rows.setdefault(box.rank, []).append(box)
    order = list(definition.states)
    for row in rows.values():
        row.sort(key=lambda b: (b.name not in back_sources, order.index(b.name)))

    lanes = {id(e): i for i, e in enumerate(back)}
    main_left = MARGIN + len(back) * LANE_W + (8 if back else 0)
    widest = max(len(row) for row in rows.values())
    main_w = widest * BOX_W + (widest - 1) * h_gap
    y = MARGIN + START_H
    for r in sorted(rows):
        row = rows[r]
        row_w = len(row) * BOX_W + (len(row) - 1) * h_gap
        x = main_left + (main_w - row_w) / 2
        row_h = max(b.h for b in row)
        for box in row:
            box.x, box.y = x, y + (row_h - box.h) / 2
            x += BOX_W + h_gap
        y += row_h + rank_gap
    main_bottom = y - rank_gap

    # Final states: in the order of where the arrows into them come from, never overlapping.
    finals = [b for b in boxes.values() if b.final]
    wanted = {}
    for box in finals:
        ys = [boxes[e.source].cy for e in edges if e.dest == box.name]
        wanted[box.name] = sum(ys) / len(ys) if ys else MARGIN
    finals.sort(key=lambda b: (wanted[b.name], order.index(b.name)))
    final_x = main_left + main_w + gutter
    next_top = MARGIN + START_H
    for box in finals:
        box.x = final_x
        box.y = max(next_top, wanted[box.name] - box.h / 2)
        next_top = box.y + box.h + FINAL_GAP
    width = (final_x + BOX_W if finals else main_left + main_w) + MARGIN
    height = max(main_bottom, next_top - FINAL_GAP) + MARGIN

    title_id, desc_id = f"{svg_id}-title", f"{svg_id}-desc"
    marker = f"{svg_id}-arrow"
    classes = "wfd" + (" wfd--compact" if compact else "")
    out = [
        f'<svg class="{classes}" id="{svg_id}" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'width="{_n(width)}" height="{_n(height)}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(texts.title)}</title>',
        f'<desc id="{desc_id}">{escape(texts.description)}</desc>',
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'class="wfd__arrowhead"/></marker></defs>',
    ]

    # The start: a dot with an arrow into the initial state.
    first = boxes[definition.initial]
    out.append(f'<g class="wfd__start" aria-hidden="true"><circle cx="{_n(first.cx)}" '
               f'cy="{_n(first.y - START_H + 6)}" r="6"/><path d="M{_n(first.cx)},'
               f'{_n(first.y - START_H + 12)} V{_n(first.y - 1)}" marker-end="url(#{marker})"/></g>')

    paths, labels = [], []

    def label(x: float, y: float, text: str, anchor: str = "middle", rotate: bool = False) -> None:
        if compact:
            return
        transform = f' transform="rotate(-90 {_n(x)} {_n(y)})"' if rotate else ""
        labels.append(f'<text class="wfd__edge-label" x="{_n(x)}" y="{_n(y)}" '
                      f'text-anchor="{anchor}"{transform}>{escape(text)}</text>')

    def path(d: str, edge: Edge) -> None:
        css = "wfd__edge wfd__edge--release" if edge.release else "wfd__edge"
        paths.append(f'<path class="{css}" d="{d}" fill="none" marker-end="url(#{marker})"/>')

    def spread(count: int, start: float, length: float, index: int) -> float:
        return start + length * (index + 1) / (count + 1)

    # Arrows leaving each box downwards, entering each box from above: spread along the side.
    down = [e for e in edges if not boxes[e.dest].final and boxes[e.dest].rank == boxes[e.source].rank + 1]
    outs = {name: [e for e in down if e.source == name] for name in boxes}
    ins = {name: [e for e in down if e.dest == name] for name in boxes}
    for name in outs:
        outs[name].sort(key=lambda e: boxes[e.dest].cx)
        ins[name].sort(key=lambda e: boxes[e.source].cx)
    for edge in down:
        s, t = boxes[edge.source], boxes[edge.dest]
        x0 = spread(len(outs[s.name]), s.x + 30, BOX_W - 60, outs[s.name].index(edge))
        x1 = spread(len(ins[t.name]), t.x + 30, BOX_W - 60, ins[t.name].index(edge))
        y0, y1 = s.bottom, t.y - 1
        bend = (y1 - y0) / 2
        path(f"M{_n(x0)},{_n(y0)} C{_n(x0)},{_n(y0 + bend)} {_n(x1)},{_n(y1 - bend)} {_n(x1)},{_n(y1)}", edge)
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2 + 4
        if x1 < x0 - 1:
            label(mx - 10, my, edge.label, "end")
        else:
            label(mx + 10, my, edge.label, "start")

    # Arrows within a rank: straight, one above the other when they go both ways.
    same = [e for e in edges if not boxes[e.dest].final and boxes[e.dest].rank == boxes[e.source].rank
            and e.source != e.dest]
    for edge in same:
        s, t = boxes[edge.source], boxes[edge.dest]
        both = any(o.source == edge.dest and o.dest == edge.source for o in same)
        rightwards = t.x > s.x
        dy = (-9 if rightwards else 9) if both else 0
        y0 = (s.cy if abs(s.cy - t.cy) < 1 else max(s.y, t.y) + 14) + dy
        x0, x1 = (s.right, t.x - 1) if rightwards else (s.x, t.right + 1)
        if abs(t.x - s.x) <= BOX_W + h_gap + 1:
            path(f"M{_n(x0)},{_n(y0)} H{_n(x1)}", edge)
            label((x0 + x1) / 2, y0 - 6 if dy <= 0 else y0 + 16, edge.label)
        else:  # not neighbours: an arc over the rank
            top = min(s.y, t.y) - rank_gap / 2
            path(f"M{_n(s.cx)},{_n(s.y)} C{_n(s.cx)},{_n(top)} {_n(t.cx)},{_n(top)} {_n(t.cx)},{_n(t.y - 1)}",
                 edge)
            label((s.cx + t.cx) / 2, top + 10, edge.label)

    # Back edges: left along the lane, up, and into the left side of the target.
    back_in: dict[str, list[Edge]] = {}
    for edge in back:
        back_in.setdefault(edge.dest, []).append(edge)
    for edge in back:
        s, t = boxes[edge.source], boxes[edge.dest]
        lane_x = main_left - 8 - lanes[id(edge)] * LANE_W - LANE_W / 2
        entries = back_in[t.name]
        y1 = spread(len(entries), t.y, t.h, entries.index(edge))
        y0 = s.cy
        path(f"M{_n(s.x)},{_n(y0)} H{_n(lane_x + 6)} Q{_n(lane_x)},{_n(y0)} {_n(lane_x)},{_n(y0 - 6)} "
             f"V{_n(y1 + 6)} Q{_n(lane_x)},{_n(y1)} {_n(lane_x + 6)},{_n(y1)} H{_n(t.x - 1)}", edge)
        label(lane_x - 5, (y0 + y1) / 2, edge.label, rotate=True)

    # Arrows into the final states: into their left side, the event's label written above the
    # straight last stretch of the arrow; a source that is not the rightmost of its rank first
    # runs along a lane under its rank.
    under: dict[int, int] = {}
    for box in finals:
        into = [e for e in edges if e.dest == box.name]
        names = list(dict.fromkeys(e.event for e in into))
        for edge in into:
            s = boxes[edge.source]
            slot = names.index(edge.event)
            y1 = spread(len(names), box.y, box.h, slot)
            x1 = box.x - 1
            straight = 12 if compact else min(gutter - 40, len(edge.label) * SMALL_CHAR_W + 22)
            xs = x1 - straight
            row = rows.get(s.rank, [s])
            if s is row[-1]:  # the rightmost box of its rank: leave by its right side
                x0, y0 = s.right, s.cy
                start = f"M{_n(x0)},{_n(y0)}"
            else:  # leave by the bottom and pass under the neighbours
                k = under.get(s.rank, 0)
                under[s.rank] = k + 1
                x0 = s.right - 18 - 10 * k
                yb = max(b.bottom for b in row) + 12 + 8 * k
                x0, y0 = row[-1].right + 12, yb
                start = (f"M{_n(s.right - 18 - 10 * k)},{_n(s.bottom)} V{_n(yb - 6)} "
                         f"Q{_n(s.right - 18 - 10 * k)},{_n(yb)} {_n(s.right - 12 - 10 * k)},{_n(yb)} "
                         f"H{_n(x0)}")
            bend = max(24.0, (xs - x0) / 2)
            path(f"{start} C{_n(x0 + bend)},{_n(y0)} {_n(xs - bend)},{_n(y1)} {_n(xs)},{_n(y1)} "
                 f"H{_n(x1)}", edge)
        for slot, event in enumerate(names):
            y1 = spread(len(names), box.y, box.h, slot)
            text = next(e.label for e in into if e.event == event)
            label(box.x - 10, y1 - 6, text, "end")

    out.append('<g class="wfd__edges" aria-hidden="true">' + "".join(paths) + "</g>")

    # The boxes, drawn over the arrows.
    out.append('<g class="wfd__states">')
    for name in order:
        box = boxes[name]
        css = f"wfd__state wfd__state--{_id(box.tone)}"
        if box.final:
            css += " wfd__state--final"
        if box.here:
            css += " wfd__state--here"
        out.append(f'<g class="{css}" data-state="{escape(name)}">')
        out.append(f'<rect class="wfd__box" x="{_n(box.x)}" y="{_n(box.y)}" width="{BOX_W}" '
                   f'height="{_n(box.h)}" rx="6"/>')
        if box.final:
            out.append(f'<rect class="wfd__inner" x="{_n(box.x + 4)}" y="{_n(box.y + 4)}" '
                       f'width="{BOX_W - 8}" height="{_n(box.h - 8)}" rx="3" fill="none"/>')
        lines = len(box.label_lines) + len(box.notes) + (box.count is not None) + box.here
        ty = box.y + (box.h - lines * LINE_H) / 2 + 13
        if box.here:
            out.append(f'<text class="wfd__here" x="{_n(box.cx)}" y="{_n(ty)}" text-anchor="middle">'
                       f'▶ {escape(texts.you_are_here)}</text>')
            ty += LINE_H
        for line in box.label_lines:
            out.append(f'<text class="wfd__label" x="{_n(box.cx)}" y="{_n(ty)}" text-anchor="middle">'
                       f'{escape(line)}</text>')
            ty += LINE_H
        for line in box.notes:
            out.append(f'<text class="wfd__note" x="{_n(box.cx)}" y="{_n(ty)}" text-anchor="middle">'
                       f'{escape(line)}</text>')
            ty += LINE_H
        if box.count is not None:
            out.append(f'<text class="wfd__count" x="{_n(box.cx)}" y="{_n(ty)}" text-anchor="middle">'
                       f'{escape(texts.count(box.count))}</text>')
        out.append("</g>")
    out.append("</g>")
    out.append('<g class="wfd__edge-labels" aria-hidden="true">' + "".join(labels) + "</g>")
    out.append("</svg>")
    return Markup("".join(out))


__all__ = ["Texts", "edges_of", "ranks_of", "render", "wrap"]
