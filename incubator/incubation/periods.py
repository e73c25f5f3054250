"""When a project was active: its phases from the history, ISO weeks in Paris time, time budgets."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ..workflows import Definition
from .models import week_start

PARIS = ZoneInfo("Europe/Paris")


def paris_date(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


def monday_at(monday: date, hour: int, minute: int = 0) -> datetime:
    """That Monday at hour:minute in Paris, as an aware datetime (summer time handled)."""
    return datetime(monday.year, monday.month, monday.day, hour, minute, tzinfo=PARIS)


@dataclass(frozen=True)
class Period:
    """A stretch of time the project spent in one state."""

    state: str
    phase: str | None  # the phase whose clock ran, None on hold or outside incubation
    start: datetime
    end: datetime | None  # None: still in it
    event: str  # the event that began it

    @property
    def active(self) -> bool:
        return self.phase is not None

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and (self.end is None or self.end > start)


def periods(history: Iterable, definition: Definition) -> list[Period]:
    """The project's states one after another, from its history rows (ordered by time)."""
    rows = sorted(history, key=lambda e: (e.at, e.id or 0))
    result: list[Period] = []
    for index, row in enumerate(rows):
        end = rows[index + 1].at if index + 1 < len(rows) else None
        state = definition.states.get(row.to_state)
        if end is not None and end == row.at and result and row.to_state == result[-1].state:
            continue
        result.append(Period(row.to_state, state.phase if state else None, row.at, end, row.event))
    # Events that keep the state (a review that continues the phase) do not split a period.
    merged: list[Period] = []
    for period in result:
        if merged and merged[-1].state == period.state and merged[-1].end == period.start:
            last = merged.pop()
            period = Period(last.state, last.phase, last.start, period.end, last.event)
        merged.append(period)
    return merged


def active_periods(all_periods: list[Period]) -> list[Period]:
    return [p for p in all_periods if p.active]


MIN_ACTIVE_IN_WEEK = timedelta(days=3)


def week_was_expected(monday: date, active: list[Period]) -> bool:
    """A weekly log is expected for a week in which the project was active three days or more
    (a project paused on a Monday morning, or started on a Friday, owes no log for that week)."""
    start = monday_at(monday, 0)
    end = monday_at(monday + timedelta(days=7), 0)
    total = timedelta(0)
    for p in active:
        if p.overlaps(start, end):
            total += min(p.end or end, end) - max(p.start, start)
    return total >= MIN_ACTIVE_IN_WEEK


def expected_weeks(active: list[Period], until: date) -> list[date]:
    """Mondays of the weeks (up to `until`'s week, included) in which a log is expected."""
    if not active:
        return []
    monday = week_start(paris_date(active[0].start))
    last = week_start(until)
    weeks = []
    while monday <= last:
        if week_was_expected(monday, active):
            weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def weeks_owed(active: list[Period], today: date) -> list[date]:
    """The weeks that are over in which a log was expected: the current week is not owed yet."""
    current = week_start(today)
    return [monday for monday in expected_weeks(active, today) if monday < current]


@dataclass(frozen=True)
class Budget:
    phase: str
    days_per_week: float  # per team member
    weeks: float  # active weeks in the phase so far
    members: int
    planned_days: float
    declared_days: float


def time_budget(active: list[Period], budget: dict[str, float], members: int,
                logs: Iterable, now: datetime) -> list[Budget]:
    """For each phase with a budget: days planned (weeks × members × days a week) against days declared."""
    logs = list(logs)
    result = []
    for phase, per_week in budget.items():
        spans = [p for p in active if p.phase == phase]
        if not spans:
            continue
        seconds = sum(((p.end or now) - p.start).total_seconds() for p in spans)
        weeks = max(seconds, 0) / (7 * 86400)
        declared = sum(log.days_spent or 0 for log in logs
                       if any(p.overlaps(monday_at(log.week_start, 0),
                                         monday_at(log.week_start + timedelta(days=7), 0))
                              for p in spans))
        result.append(Budget(phase, float(per_week), round(weeks, 1), members,
                             round(weeks * members * float(per_week), 1), round(declared, 1)))
    return result
