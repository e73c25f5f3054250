"""A project's whole trajectory: phases planned and actual, stand-bys, reviews, iterations, evidence, outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..clock import utcnow
from ..extensions import db
from ..models import Project, ProjectEvent
from ..workflows import Definition, get_definition
from .models import Iteration, PhaseReview, Validation
from .periods import PARIS, paris_date, periods

# Keys of the timeline's groups besides the phases' names.
APPLICATION = "application"
OUTCOME = "outcome"


def duration_words(start: date | datetime, end: date | datetime) -> str:
    """'1 year and 2 months', '1 month and 3 days', '3 weeks', '5 days': calendar units when there are any."""
    if isinstance(start, datetime):
        start = paris_date(start)
    if isinstance(end, datetime):
        end = paris_date(end)
    if end < start:
        start, end = end, start
    span = relativedelta(end, start)
    months = span.months
    days = span.days
    if span.years:
        text = ngettext("%(num)d year", "%(num)d years", span.years)
        if months:
            text = _("%(years)s and %(months)s", years=text,
                     months=ngettext("%(num)d month", "%(num)d months", months))
        return text
    if months:
        text = ngettext("%(num)d month", "%(num)d months", months)
        if days:
            text = _("%(months)s and %(days)s", months=text, days=ngettext("%(num)d day", "%(num)d days", days))
        return text
    if days >= 14 and days % 7 == 0:
        return ngettext("%(num)d week", "%(num)d weeks", days // 7)
    return ngettext("%(num)d day", "%(num)d days", days)


@dataclass
class StandBy:
    """A stretch on hold: the event that paused the project, the one that ended the stand-by."""

    start: datetime
    reason: str
    phase: str | None  # the phase whose clock stopped
    paused_by: ProjectEvent
    end: datetime | None = None
    ended_by: ProjectEvent | None = None

    def length(self, now: datetime) -> timedelta:
        return (self.end or now) - self.start

    def words(self, now: datetime) -> str:
        return duration_words(self.start, self.end or now)


@dataclass
class PhaseRow:
    name: str
    label: str
    months: int
    planned_start: datetime | None
    planned_end: datetime | None
    actual_start: datetime | None
    actual_end: datetime | None
    stood_by: timedelta
    standbys: int
    status: str  # not_started, not_reached, running, on_hold, done
    stood_by_words: str = ""
    start_words: str = ""  # how the actual start compares with the plan
    end_words: str = ""  # how the actual (or expected) end compares with the plan


@dataclass
class Entry:
    """One dated line of the trajectory; `kind` says what it is, the other fields carry its details."""

    kind: str  # created, submission, jury, phase_start, review, hold, resume, outcome, event,
    #            iteration, iteration_decision, pivot, validation
    moment: datetime  # for ordering; day-only facts are placed at noon in Paris
    day: date
    label: str = ""
    event: ProjectEvent | None = None
    review: PhaseReview | None = None
    standby: StandBy | None = None
    standby_words: str = ""
    phase_label: str = ""  # the phase an event starts
    taken_over_by: str = ""
    iteration: Iteration | None = None
    validation: Validation | None = None
    group: str = APPLICATION


@dataclass
class Group:
    key: str
    label: str
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Timeline:
    groups: list[Group]
    phases: list[PhaseRow]
    standbys: list[StandBy]
    now: datetime

    @property
    def entries(self) -> list[Entry]:
        return [e for g in self.groups for e in g.entries]


def load_timeline(project: Project, now: datetime | None = None, locale: str = "fr") -> Timeline:
    """The timeline of a project whose history is loaded: three queries, however long the ledger."""
    iterations = db.session.scalars(select(Iteration).where(Iteration.project_id == project.id)
                                    .order_by(Iteration.number)).all()
    validations = db.session.scalars(select(Validation).where(Validation.project_id == project.id)
                                     .order_by(Validation.held_on, Validation.id)).all()
    reviews = db.session.scalars(select(PhaseReview).where(PhaseReview.project_id == project.id)
                                 .options(selectinload(PhaseReview.decided_by))
                                 .order_by(PhaseReview.decided_at, PhaseReview.id)).all()
    return build_timeline(project, get_definition(project.workflow), project.history, iterations,
                          validations, reviews, now=now or utcnow(), locale=locale)


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=PARIS)


def find_standbys(rows: list[ProjectEvent], definition: Definition) -> list[StandBy]:
    standbys: list[StandBy] = []
    current: StandBy | None = None
    held_in = ""
    for row in rows:
        event = definition.events.get(row.event)
        if event is not None and event.hold:
            source = definition.states.get(row.from_state or "")
            current = StandBy(start=row.at, reason=row.comment, phase=source.phase if source else None,
                              paused_by=row)
            held_in = row.to_state
            standbys.append(current)
        elif current is not None and row.from_state == held_in:
            current.end, current.ended_by = row.at, row
            current = None
    return standbys


def phase_rows(definition: Definition, project: Project, rows: list[ProjectEvent],
                standbys: list[StandBy], now: datetime, locale: str) -> list[PhaseRow]:
    all_periods = periods(rows, definition)
    final = definition.states[project.state].final
    result: list[PhaseRow] = []
    previous_planned_end: datetime | None = None
    for phase in definition.phases.values():
        spans = [i for i, p in enumerate(all_periods) if p.phase == phase.name]
        stops = [s for s in standbys if s.phase == phase.name]
        stood_by = sum((s.length(now) for s in stops), timedelta(0))
        actual_start = all_periods[spans[0]].start if spans else None
        actual_end = None
        status = "not_started"
        if spans:
            status = "running"
            last = all_periods[spans[-1]]
            if last.end is not None:
                status = "on_hold"  # unless something other than a stand-by followed
                for later in all_periods[spans[-1] + 1:]:
                    event = definition.events.get(later.event)
                    if event is not None and event.hold:
                        continue
                    actual_end, status = later.start, "done"
                    break
        elif final:
            status = "not_reached"
        # The plan: the first phase from its actual start, each next one from the previous planned end.
        if status == "not_reached":
            planned_start = None
        elif previous_planned_end is None:
            planned_start = actual_start
        else:
            planned_start = previous_planned_end
        planned_end = (planned_start + relativedelta(months=phase.months) + stood_by) if planned_start else None
        row = PhaseRow(phase.name, phase.label(locale), phase.months, planned_start, planned_end,
                       actual_start, actual_end, stood_by, len(stops), status)
        if stops:
            row.stood_by_words = duration_words(stops[0].start, stops[0].start + stood_by)
        _describe(row, now)
        result.append(row)
        previous_planned_end = planned_end
    return result


def _describe(row: PhaseRow, now: datetime) -> None:
    """The gaps between plan and reality, in words."""
    def compare(actual: datetime, planned: datetime, late: str, early: str, on_time: str) -> str:
        a, p = paris_date(actual), paris_date(planned)
        if a == p:
            return on_time
        return (late if a > p else early) % {"duration": duration_words(p, a)}

    if row.actual_start and row.planned_start:
        row.start_words = compare(row.actual_start, row.planned_start,
                                  _("Started %(duration)s later than planned."),
                                  _("Started %(duration)s earlier than planned."), _("Started as planned."))
    if row.status == "done" and row.planned_end:
        row.end_words = compare(row.actual_end, row.planned_end,
                                _("Ended %(duration)s later than planned."),
                                _("Ended %(duration)s earlier than planned."), _("Ended as planned."))
    elif row.status == "running" and row.planned_end:
        if paris_date(now) > paris_date(row.planned_end):
            row.end_words = _("Running %(duration)s past the planned end.",
                              duration=duration_words(row.planned_end, now))
        else:
            row.end_words = _("Planned to end in %(duration)s.", duration=duration_words(now, row.planned_end))
    elif row.status == "on_hold":
        row.end_words = _("On hold: the planned end moves later by every day on hold.")
    elif row.status == "not_reached":
        row.end_words = _("The project did not reach this phase.")
    elif row.status == "not_started":
        row.end_words = _("Not started yet.")


def build_timeline(project: Project, definition: Definition, history, iterations, validations, reviews,
                   *, now: datetime, locale: str = "fr") -> Timeline:
    """Pure: from rows already loaded, the dated entries grouped by stage, and the phases table."""
    rows = sorted(history, key=lambda e: (e.at, e.id or 0))
    standbys = find_standbys(rows, definition)
    paused = {s.paused_by.id: s for s in standbys}
    resumed = {s.ended_by.id: s for s in standbys if s.ended_by is not None}
    by_event = {r.event_id: r for r in reviews}

    entries: list[Entry] = []
    # Where each stage begins: a phase starts, or the project reaches a final state after incubation.
    boundaries: list[tuple[datetime, str]] = []
    in_incubation = False
    for row in rows:
        event = definition.events.get(row.event)
        dest = definition.states.get(row.to_state)
        entry = Entry(kind="event", moment=row.at, day=paris_date(row.at), event=row,
                      label=event.label(locale) if event else _("Draft created") if row.event == "create"
                      else row.event, review=by_event.get(row.id))
        if event is not None and event.starts_phase:
            in_incubation = True
            boundaries.append((row.at, event.starts_phase))
            entry.phase_label = definition.phases[event.starts_phase].label(locale)
        if row.event == "create":
            entry.kind = "created"
        elif event is not None and event.submission:
            entry.kind = "submission"
        elif event is not None and event.jury_decision:
            entry.kind = "jury"
        elif row.id in paused:
            entry.kind, entry.standby = "hold", paused[row.id]
            entry.standby_words = entry.standby.words(now)
        elif row.id in resumed:
            entry.kind, entry.standby = "resume", resumed[row.id]
            entry.standby_words = entry.standby.words(now)
        elif dest is not None and dest.final and in_incubation:
            entry.kind = "outcome"
            boundaries.append((row.at, OUTCOME))
            if event is not None and event.takeover:
                entry.taken_over_by = project.taken_over_by
        elif event is not None and event.starts_phase:
            entry.kind = "phase_start"
        elif entry.review is not None:
            entry.kind = "review"
        entries.append(entry)

    for iteration in iterations:
        entries.append(Entry(kind="iteration", moment=_noon(iteration.started_on), day=iteration.started_on,
                             iteration=iteration))
        if iteration.decision:
            moment = iteration.decided_at or _noon(iteration.ended_on or iteration.started_on)
            entries.append(Entry(kind="pivot" if iteration.decision == "pivot" else "iteration_decision",
                                 moment=moment, day=paris_date(moment), iteration=iteration))
    for validation in validations:
        entries.append(Entry(kind="validation", moment=_noon(validation.held_on), day=validation.held_on,
                             validation=validation))

    # Same instant: history rows in the order they were written, then the ledger's facts.
    position = {id(row): index for index, row in enumerate(rows)}
    entries.sort(key=lambda e: (e.moment, 0, position[id(e.event)]) if e.event is not None
                 else (e.moment, 1, 0))

    labels = {APPLICATION: _("Application and selection"), OUTCOME: _("Outcome")}
    labels.update({name: phase.label(locale) for name, phase in definition.phases.items()})
    groups: list[Group] = []
    for entry in entries:
        key = APPLICATION
        for moment, name in boundaries:
            if moment <= entry.moment:
                key = name
        entry.group = key
        if not groups or groups[-1].key != key:
            groups.append(Group(key, labels.get(key, key)))
        groups[-1].entries.append(entry)
    return Timeline(groups=groups, phases=phase_rows(definition, project, rows, standbys, now, locale),
                    standbys=standbys, now=now)


__all__ = ["Entry", "Group", "PhaseRow", "StandBy", "Timeline", "build_timeline", "duration_words",
           "find_standbys", "load_timeline"]
