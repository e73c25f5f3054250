"""Workflow definitions as data: parsing and validation of a programme's states and events."""

from __future__ import annotations

import re
import tomllib
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Who may fire an event: a global role, or `team` (the project's own team members).
ACTOR_ROLES = frozenset({"agent", "coach", "staff", "jury", "admin", "team"})
LOCALES = ("fr", "en")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Names the per-operation wrapper model and transitions already use.
RESERVED_EVENT_NAMES = frozenset({"state", "trigger", "machine", "project", "refusal", "create"})


class DefinitionError(ValueError):
    """A workflow definition that cannot be used; the message names the definition and entry."""


@dataclass(frozen=True)
class State:
    name: str
    labels: dict[str, str]
    final: bool = False
    editable: bool = False  # the team may edit the project's answers and team
    visible_to: frozenset[str] = frozenset()  # global roles that see projects in this state
    phase: str | None = None
    tone: str = "info"  # how the state's badge looks; its label always says it in words

    def label(self, locale: str) -> str:
        return self.labels.get(locale) or self.labels["fr"]


STATE_TONES = ("draft", "info", "active", "warning", "success", "closed")


@dataclass(frozen=True)
class Event:
    name: str
    labels: dict[str, str]
    source: tuple[str, ...]
    dest: str | None  # None for an event that returns to the state `hold` left, or stays
    roles: frozenset[str]
    conditions: tuple[str, ...] = ()
    comment_required: bool = False
    hold: bool = False  # remember the state left, stop the phase clock
    release: bool = False  # go back to the remembered state, restart the clock
    starts_phase: str | None = None
    submission: bool = False  # the first time it fires is the project's submission date
    jury_decision: bool = False  # a decision the jury takes at a pitch session
    stay: bool = False  # the project stays in the state it is in (a review that continues the phase)
    review: bool = False  # a phase review's decision: recorded as a review with its evidence
    takeover: bool = False  # an outcome that must say who takes the project over
    tone: str = "primary"  # how the action button looks: primary, secondary, danger

    def label(self, locale: str) -> str:
        return self.labels.get(locale) or self.labels["fr"]


@dataclass(frozen=True)
class Phase:
    name: str
    labels: dict[str, str]
    months: int

    def label(self, locale: str) -> str:
        return self.labels.get(locale) or self.labels["fr"]


@dataclass(frozen=True)
class FunnelStage:
    """A step of the programme's funnel: projects that ever reached one of `states`."""

    name: str
    labels: dict[str, str]
    states: tuple[str, ...]

    def label(self, locale: str) -> str:
        return self.labels.get(locale) or self.labels["fr"]


@dataclass(frozen=True)
class Definition:
    name: str
    labels: dict[str, str]
    initial: str
    states: dict[str, State]
    events: dict[str, Event]
    phases: dict[str, Phase] = field(default_factory=dict)
    funnel: tuple[FunnelStage, ...] = ()

    def label(self, locale: str) -> str:
        return self.labels.get(locale) or self.labels["fr"]

    def events_from(self, state: str) -> list[Event]:
        return [e for e in self.events.values() if state in e.source]

    def jury_decisions(self) -> list[Event]:
        return [e for e in self.events.values() if e.jury_decision]

    def pitch_states(self) -> list[str]:
        """States a project is in when the jury hears it: the sources of the jury's decisions."""
        return sorted({s for e in self.jury_decisions() for s in e.source})

    def states_visible_to(self, role: str) -> list[str]:
        return [s.name for s in self.states.values() if role in s.visible_to]

    def review_events(self) -> list[Event]:
        return [e for e in self.events.values() if e.review]

    def phase_states(self) -> list[str]:
        """States in which a phase clock runs (weekly logs, reviews)."""
        return [s.name for s in self.states.values() if s.phase]

    def editable_states(self) -> list[str]:
        return [s.name for s in self.states.values() if s.editable]

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "initial": self.initial,
            "states": [
                {"name": s.name, "label": s.labels["fr"], "labels": s.labels, "final": s.final}
                for s in self.states.values()
            ],
            "transitions": [
                {
                    "event": e.name,
                    "source": list(e.source),
                    "dest": e.dest,
                    "returns_to_previous": e.release,
                    "stays": e.stay,
                    "review": e.review,
                    "takeover_required": e.takeover,
                    "roles": sorted(e.roles),
                    "conditions": list(e.conditions),
                    "comment_required": e.comment_required,
                }
                for e in self.events.values()
            ],
            "phases": [{"name": p.name, "months": p.months} for p in self.phases.values()],
            "funnel": [{"name": f.name, "labels": f.labels, "states": list(f.states)}
                       for f in self.funnel],
        }


def load_file(path: Path, known_conditions: frozenset[str]) -> Definition:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(f"workflow file {path.name}: not valid TOML: {exc}") from exc
    return parse(data, known_conditions, origin=path.name)


def parse(data: dict[str, Any], known_conditions: frozenset[str], origin: str = "<data>") -> Definition:
    """Build a definition from plain data, refusing anything inconsistent."""
    name = data.get("name")
    where = f"workflow {name!r} ({origin})" if name else f"workflow in {origin}"

    def fail(entry: str, message: str):
        raise DefinitionError(f"{where}: {entry}: {message}")

    if not isinstance(name, str) or not NAME_RE.match(name):
        fail("name", "a lower-case identifier is required")
    labels = _labels(data.get("label"), lambda m: fail("label", m))

    phases: dict[str, Phase] = {}
    for raw in _tables(data, "phases", fail):
        pname = raw.get("name")
        entry = f"phase {pname!r}"
        if not isinstance(pname, str) or not NAME_RE.match(pname):
            fail(entry, "a lower-case identifier is required")
        if pname in phases:
            fail(entry, "declared twice")
        months = raw.get("months")
        if not isinstance(months, int) or isinstance(months, bool) or months <= 0:
            fail(entry, "'months' must be a positive integer")
        phases[pname] = Phase(pname, _labels(raw.get("label"), lambda m, e=entry: fail(e, m)), months)

    states: dict[str, State] = {}
    for raw in _tables(data, "states", fail):
        sname = raw.get("name")
        entry = f"state {sname!r}"
        if not isinstance(sname, str) or not NAME_RE.match(sname):
            fail(entry, "a lower-case identifier is required")
        if sname in states:
            fail(entry, "declared twice")
        _only_keys(raw, {"name", "label", "final", "editable", "visible_to", "phase", "tone"},
                   lambda m, e=entry: fail(e, m))
        visible_to = frozenset(_strings(raw, "visible_to", lambda m, e=entry: fail(e, m)))
        bad_roles = visible_to - (ACTOR_ROLES - {"team"})
        if bad_roles:
            fail(entry, f"unknown role(s) in visible_to: {', '.join(sorted(bad_roles))}")
        phase = raw.get("phase")
        if phase is not None and phase not in phases:
            fail(entry, f"unknown phase {phase!r}")
        final = bool(raw.get("final", False))
        tone = raw.get("tone") or ("closed" if final else "active" if phase else "info")
        if tone not in STATE_TONES:
            fail(entry, f"unknown tone {tone!r}")
        states[sname] = State(
            name=sname,
            labels=_labels(raw.get("label"), lambda m, e=entry: fail(e, m)),
            final=final,
            editable=bool(raw.get("editable", False)),
            visible_to=visible_to,
            phase=phase,
            tone=tone,
        )
    if not states:
        fail("states", "at least one state is required")

    initial = data.get("initial")
    if initial not in states:
        fail("initial", f"unknown state {initial!r}")

    events: dict[str, Event] = {}
    for raw in _tables(data, "events", fail):
        ename = raw.get("name")
        entry = f"event {ename!r}"
        if not isinstance(ename, str) or not NAME_RE.match(ename):
            fail(entry, "a lower-case identifier is required")
        if ename in RESERVED_EVENT_NAMES or ename.startswith(("to_", "may_", "is_")):
            fail(entry, "this name is reserved")
        if ename in events:
            fail(entry, "declared twice")
        _only_keys(raw, {"name", "label", "source", "dest", "roles", "conditions", "comment_required",
                         "hold", "release", "starts_phase", "submission", "jury_decision", "tone",
                         "stay", "review", "takeover"},
                   lambda m, e=entry: fail(e, m))
        source = raw.get("source")
        if isinstance(source, str):
            source = [source]
        source = _strings({"source": source}, "source", lambda m, e=entry: fail(e, m))
        if not source:
            fail(entry, "'source' must name at least one state")
        for s in source:
            if s not in states:
                fail(entry, f"unknown source state {s!r}")
            if states[s].final:
                fail(entry, f"leaves the final state {s!r}")
        release = bool(raw.get("release", False))
        stay = bool(raw.get("stay", False))
        dest = raw.get("dest")
        if release and stay:
            fail(entry, "'release' and 'stay' exclude each other")
        if release or stay:
            if dest is not None:
                fail(entry, "an event with 'release' or 'stay' takes no 'dest'")
        elif not isinstance(dest, str) or dest not in states:
            fail(entry, f"unknown destination state {dest!r}")
        roles = frozenset(_strings(raw, "roles", lambda m, e=entry: fail(e, m)))
        if not roles:
            fail(entry, "'roles' must name who may fire it")
        if roles - ACTOR_ROLES:
            fail(entry, f"unknown role(s): {', '.join(sorted(roles - ACTOR_ROLES))}")
        conditions = tuple(_strings(raw, "conditions", lambda m, e=entry: fail(e, m)))
        for c in conditions:
            if c not in known_conditions:
                fail(entry, f"unknown condition {c!r}")
        starts_phase = raw.get("starts_phase")
        if starts_phase is not None and starts_phase not in phases:
            fail(entry, f"unknown phase {starts_phase!r}")
        tone = raw.get("tone", "primary")
        if tone not in ("primary", "secondary", "danger"):
            fail(entry, f"unknown tone {tone!r}")
        events[ename] = Event(
            name=ename,
            labels=_labels(raw.get("label"), lambda m, e=entry: fail(e, m)),
            source=tuple(source),
            dest=dest,
            roles=roles,
            conditions=conditions,
            comment_required=bool(raw.get("comment_required", False)),
            hold=bool(raw.get("hold", False)),
            release=release,
            starts_phase=starts_phase,
            submission=bool(raw.get("submission", False)),
            jury_decision=bool(raw.get("jury_decision", False)),
            tone=tone,
            stay=stay,
            review=bool(raw.get("review", False)),
            takeover=bool(raw.get("takeover", False)),
        )

    holds = [e for e in events.values() if e.hold]
    for e in events.values():
        if e.release:
            held_in = {h.dest for h in holds}
            if not holds:
                fail(f"event {e.name!r}", "'release' needs an event with 'hold'")
            if set(e.source) - held_in:
                fail(f"event {e.name!r}", "'release' must leave only states a 'hold' event leads to")

    # Every state must be reachable from the initial state, and every non-final state must
    # have a way out: otherwise projects get stuck where nobody can move them.
    seen = {initial}
    todo = deque([initial])
    while todo:
        current = todo.popleft()
        for e in events.values():
            if current not in e.source:
                continue
            if e.release:
                targets = {s for h in holds if h.dest == current for s in h.source}
            elif e.stay:
                targets = set()
            else:
                targets = {e.dest}
            for t in targets - seen:
                seen.add(t)
                todo.append(t)
    for s in states:
        if s not in seen:
            fail(f"state {s!r}", f"unreachable from the initial state {initial!r}")
        if not states[s].final and not any(s in e.source for e in events.values()):
            fail(f"state {s!r}", "not final, yet no event leaves it")

    funnel: list[FunnelStage] = []
    for raw in _tables(data, "funnel", fail):
        fname = raw.get("name")
        entry = f"funnel stage {fname!r}"
        if not isinstance(fname, str) or not NAME_RE.match(fname):
            fail(entry, "a lower-case identifier is required")
        if any(f.name == fname for f in funnel):
            fail(entry, "declared twice")
        _only_keys(raw, {"name", "label", "states"}, lambda m, e=entry: fail(e, m))
        reached = _strings(raw, "states", lambda m, e=entry: fail(e, m))
        if not reached:
            fail(entry, "'states' must name at least one state")
        for s in reached:
            if s not in states:
                fail(entry, f"unknown state {s!r}")
        funnel.append(FunnelStage(fname, _labels(raw.get("label"), lambda m, e=entry: fail(e, m)),
                                  tuple(reached)))

    return Definition(name=name, labels=labels, initial=initial, states=states, events=events,
                      phases=phases, funnel=tuple(funnel))


def _labels(raw: Any, fail) -> dict[str, str]:
    if not isinstance(raw, dict):
        fail("'label' must give a text for each of: " + ", ".join(LOCALES))
    for loc in LOCALES:
        if not isinstance(raw.get(loc), str) or not raw[loc].strip():
            fail(f"'label' lacks its {loc!r} text")
    return {loc: raw[loc] for loc in LOCALES}


def _tables(data: dict, key: str, fail) -> list[dict]:
    """The `[[key]]` entries; anything but a list of tables is refused, not crashed on."""
    raw = data.get(key, [])
    if not isinstance(raw, list):
        fail(key, "a list of tables is expected")
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            fail(f"{key} entry {index + 1} ({item!r})", "a table with a 'name' is expected")
    return raw


def _strings(raw: dict, key: str, fail) -> list[str]:
    """A list of names: a bare string would otherwise be read letter by letter."""
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        fail(f"'{key}' must be a list of names")
    return value


def _only_keys(raw: dict, allowed: set[str], fail) -> None:
    unknown = set(raw) - allowed
    if unknown:
        fail(f"unknown key(s): {', '.join(sorted(unknown))}")
