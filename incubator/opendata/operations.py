"""Publishing projects in the open-data catalogue, and members' consent to be named there.

Which projects may be published is read from the workflow definitions (`publishable_states`).
Each action checks its input, flushes and never commits: the request (or the demo loader) does.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, false, or_

from ..clock import utcnow
from ..errors import Conflict, DomainError, InvalidData
from ..extensions import db
from ..models import Call, Project, ProjectMember, User
from ..policy import can_publish
from ..themes import THEMES
from ..workflows import Definition, all_definitions, get_definition
from .privacy import findings, known_names

SUMMARY_MAX = 5000
KEEP = object()  # publish_project(theme=KEEP): leave the project's theme as it is


class NotAllowed(DomainError):
    code = "forbidden"
    status = 403


def _moves(definition: Definition) -> dict[str, set[str]]:
    """Every state a project may go to from each state, in one event."""
    moves: dict[str, set[str]] = {name: set() for name in definition.states}
    held_from: dict[str, set[str]] = {}  # a hold state -> the states whose events lead into it
    for event in definition.events.values():
        if event.hold and event.dest:
            held_from.setdefault(event.dest, set()).update(event.source)
    for event in definition.events.values():
        for source in event.source:
            if event.dest:
                moves[source].add(event.dest)
            elif event.release:
                moves[source].update(held_from.get(source, ()))
    return moves


def publishable_states(definition: Definition) -> frozenset[str]:
    """The states in which a project may be published: past a positive jury decision for good.

    A positive decision is a jury decision that is not a refusal (its tone is not "danger"); from its
    destination, every state the project can still reach counts, except those from which it can go
    back to the draft (rework). For `pau`: selected, pre-incubation, startup, on hold and every outcome
    after incubation (abandoned included: what did not work is worth publishing too); never a draft,
    a submission, a declined or rejected proposal. For `idea_forum`: launched.
    """
    moves = _moves(definition)
    back = _reaching(moves, {definition.initial})  # never published: they may go back to the draft
    seeds = [e.dest for e in definition.jury_decisions() if e.dest and e.tone != "danger" and e.dest not in back]
    reached = set(seeds)
    todo = deque(seeds)
    while todo:
        for target in moves[todo.popleft()]:
            if target not in reached and target not in back:
                reached.add(target)
                todo.append(target)
    return frozenset(reached)


def _reaching(moves: dict[str, set[str]], goals: set[str]) -> set[str]:
    """The goals, and every state from which one of them can be reached."""
    found = set(goals)
    changed = True
    while changed:
        changed = False
        for state, targets in moves.items():
            if state not in found and targets & found:
                found.add(state)
                changed = True
    return found


def may_be_published(definition: Definition, state: str) -> bool:
    """Whether a project in `state` is, or may still become, publishable (a draft may; a declined one not)."""
    return state in _reaching(_moves(definition), set(publishable_states(definition)))


def is_publishable(project: Project) -> bool:
    return project.state in publishable_states(get_definition(project.workflow))


def is_published(project: Project) -> bool:
    return project.published_at is not None and is_publishable(project)


def publishable_clause():
    """A SQL condition on Project joined to Call: the project's state allows a publication."""
    clauses = [and_(Call.workflow == d.name, Project.state.in_(sorted(states)))
               for d in all_definitions() if (states := publishable_states(d))]
    return or_(*clauses) if clauses else false()


def published_clause():
    """A SQL condition on Project joined to Call: the project is in the public catalogue."""
    return and_(Project.published_at.is_not(None), publishable_clause())


def _clean_theme(theme) -> str | None:
    if not theme:
        return None
    if theme not in THEMES:
        raise InvalidData({"theme": _("Choose a theme from the list.")})
    return theme


def publish_project(project: Project, by: User, summary: str, at: datetime | None = None, *,
                    theme=KEEP) -> Project:
    """Put the project in the public catalogue with `summary`, or update what it publishes.

    The first publication records who and when; an update changes only the summary and the theme.
    """
    if not can_publish(by):
        raise NotAllowed(_("Only the programme team publishes projects."))
    if not is_publishable(project):
        raise Conflict(_("Only a project the jury selected can be published, and this one is not (or no "
                         "longer) past that stage."), state=project.state)
    summary = (summary or "").strip()
    if not summary:
        raise InvalidData({"summary": _("Write the summary the public will read.")})
    if len(summary) > SUMMARY_MAX:
        raise InvalidData({"summary": _("At most %(n)d characters.", n=SUMMARY_MAX)})
    found = findings(summary, known_names(), markdown=True)
    if found:
        raise InvalidData({"summary": _(
            "The summary names a person or gives contact details (%(found)s). Remove them: the catalogue "
            "names only the team members who agreed, in a list of its own.", found=", ".join(found))})
    if theme is not KEEP:
        project.theme = _clean_theme(theme)
    at = at or utcnow()
    project.public_summary = summary
    project.updated_at = at  # the publication's date, not the moment a demo or import ran
    if project.published_at is None:
        project.published_at = at
        project.published_by_id = by.id
    db.session.flush()
    return project


def unpublish_project(project: Project, by: User) -> Project:
    """Take the project out of the public catalogue; its summary is kept for a later publication."""
    if not can_publish(by):
        raise NotAllowed(_("Only the programme team publishes projects."))
    project.published_at = None
    project.published_by_id = None
    db.session.flush()
    return project


def set_name_consent(member: ProjectMember, user: User, agreed: bool) -> ProjectMember:
    """The member gives or withdraws their consent to be named with the project in the catalogue.

    Nobody may decide it for them, not even the programme team.
    """
    if user is None or member.user_id != user.id:
        raise NotAllowed(_("Only the person concerned may decide whether their name is published."))
    member.name_public = bool(agreed)
    db.session.flush()
    return member
