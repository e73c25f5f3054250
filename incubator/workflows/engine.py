"""Firing workflow events: the one way a project's state changes.

`fire()` checks the actor's role, the state, the comment and the named conditions, moves
the state through a `transitions` machine built for this one operation, and appends the
history row in the same database transaction. It flushes; the caller commits. When any
step refuses, it raises before anything is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _
from transitions import Machine, MachineError

from ..clock import utcnow
from ..errors import DomainError
from ..extensions import db
from .conditions import CONDITIONS, Context
from .definition import Definition, Event
from .registry import get_definition

if TYPE_CHECKING:
    from ..models import Project, ProjectEvent, User


class WorkflowError(DomainError):
    code = "workflow_error"
    status = 400


class InvalidTransition(WorkflowError):
    code = "invalid_transition"
    status = 409


class NotPermitted(WorkflowError):
    code = "forbidden"
    status = 403


class GuardFailed(WorkflowError):
    code = "guard_failed"
    status = 422


def actor_roles(actor: User | None, project: Project) -> frozenset[str]:
    """The roles an actor holds towards one project: their global roles, plus `team`."""
    if actor is None:
        return frozenset()
    roles = set(actor.roles)
    if project.has_member(actor):
        roles.add("team")
    return frozenset(roles)


def permitted_events(definition: Definition, state: str, roles: frozenset[str]) -> list[Event]:
    """Events the roles may fire from this state, from the definition data alone (no machine)."""
    return [e for e in definition.events_from(state) if not e.roles.isdisjoint(roles)]


def check_conditions(event: Event, ctx: Context) -> str | None:
    for name in event.conditions:
        reason = CONDITIONS[name](ctx)
        if reason:
            return reason
    return None


class _Operation:
    """The model the machine drives: one project, one event; `state` writes through."""

    def __init__(self, project: Project):
        self.project = project
        self.refusal: str | None = None

    @property
    def state(self) -> str:
        return self.project.state

    @state.setter
    def state(self, value: str) -> None:
        self.project.state = value


def fire(project: Project, event_name: str, actor: User | None, comment: str = "",
         *, at: datetime | None = None, extra_roles: frozenset[str] = frozenset(),
         taken_over_by: str = "") -> ProjectEvent:
    """Fire `event_name` on `project` as `actor`; returns the history row written.

    `extra_roles` are roles the actor holds for this one action (a drawn agent sitting on a
    jury acts as `jury`); the caller vouches for them. `taken_over_by` names who carries the
    project on, for the outcomes that require it.
    """
    from ..models import ProjectEvent

    definition = get_definition(project.workflow)
    at = at or utcnow()
    comment = (comment or "").strip()
    roles = actor_roles(actor, project) | extra_roles
    event = definition.events.get(event_name)
    allowed = [e.name for e in permitted_events(definition, project.state, roles)]

    if event is not None and event.roles.isdisjoint(roles):
        raise NotPermitted(
            _("You may not do this: “%(event)s” is reserved for other roles.",
              event=event.label(_locale())),
            event=event_name,
        )
    if event is None or project.state not in event.source:
        raise InvalidTransition(
            _("“%(event)s” is not possible while the project is “%(state)s”.",
              event=event.label(_locale()) if event else event_name,
              state=definition.states[project.state].label(_locale())),
            event=event_name, state=project.state, allowed_events=allowed,
        )
    if event.comment_required and not comment:
        raise GuardFailed(_("A comment giving the reason is required."), condition="comment_required")
    taken_over_by = (taken_over_by or "").strip()
    if event.takeover and not taken_over_by:
        raise GuardFailed(_("Say who takes the project over: the service that integrates it, the "
                            "association or organisation that runs it."), condition="taken_over_by")
    if len(taken_over_by) > 200:
        raise GuardFailed(_("Who takes the project over: 200 characters at most."),
                          condition="taken_over_by")

    source = project.state
    due_before = project.review_due_at
    phase_before = project.phase
    dest = project.state_before_hold if event.release else source if event.stay else event.dest
    if dest is None:
        raise InvalidTransition(_("This project has no state to return to."), event=event_name,
                                state=source, allowed_events=allowed)

    operation = _Operation(project)
    ctx = Context(project=project, actor=actor, at=at, comment=comment)

    def conditions_hold() -> bool:
        operation.refusal = check_conditions(event, ctx)
        return operation.refusal is None

    machine = Machine(
        model=operation,
        states=list(definition.states),
        initial=source,
        transitions=[{"trigger": event.name, "source": source, "dest": dest,
                      "conditions": [conditions_hold]}],
        auto_transitions=False,
    )
    try:
        moved = machine.events[event.name].trigger(operation)
    except MachineError as exc:  # pragma: no cover - checked above, kept as a safety net
        raise InvalidTransition(str(exc), event=event_name, state=source, allowed_events=allowed) from exc
    if not moved:
        raise GuardFailed(operation.refusal or _("A condition is not met."),
                          condition=event.conditions[0] if event.conditions else None)

    _apply_clock(project, definition, event, source, dest, at)
    if event.submission and project.submitted_at is None:
        project.submitted_at = at
    if event.takeover:
        project.taken_over_by = taken_over_by
    entry = ProjectEvent(project=project, event=event.name, from_state=source, to_state=dest,
                         actor=actor, at=at, comment=comment)
    db.session.add(entry)
    db.session.flush()
    for hook in AFTER_FIRE:
        hook(project, definition, event, entry, due_before=due_before, phase_before=phase_before)
    return entry


# Called after every fired event, in the same transaction: phase reviews and notifications
# register here (incubator.incubation, incubator.notifications) so the engine knows neither.
AFTER_FIRE: list = []


def record_creation(project: Project, actor: User | None, *, at: datetime | None = None) -> ProjectEvent:
    """The first history row of a new project, in its workflow's initial state."""
    from ..models import ProjectEvent

    definition = get_definition(project.call.workflow)
    at = at or utcnow()
    project.state = definition.initial
    entry = ProjectEvent(project=project, event="create", from_state=None, to_state=definition.initial,
                         actor=actor, at=at, comment="")
    db.session.add(entry)
    return entry


def _apply_clock(project: Project, definition: Definition, event: Event, source: str, dest: str,
                 at: datetime):
    """Phase clocks: a phase start sets the review date; a review that continues sets the next
    one a phase later; a hold stops the clock; a release shifts the date by the time on hold;
    a final state has no review to come."""
    if event.starts_phase:
        phase = definition.phases[event.starts_phase]
        project.phase = phase.name
        project.phase_started_at = at
        project.review_due_at = at + relativedelta(months=phase.months)
    if event.stay and event.review and project.phase in definition.phases:
        project.review_due_at = at + relativedelta(months=definition.phases[project.phase].months)
    if event.hold:
        project.state_before_hold = source
        project.clock_stopped_at = at
    if event.release:
        if project.clock_stopped_at is not None and project.review_due_at is not None:
            project.review_due_at += at - project.clock_stopped_at
        project.state_before_hold = None
        project.clock_stopped_at = None
    if definition.states[dest].final:
        project.review_due_at = None
        project.clock_stopped_at = None


def _locale() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale else "fr"
