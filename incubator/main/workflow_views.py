"""Workflow pictures: every programme's states and events drawn, with the number of projects.

`/workflows` lists the definitions, `/workflows/<name>` draws one with its per-state counts
(only the projects the viewer may see) and a table as its text alternative. The template
global `workflow_svg(...)` draws a definition anywhere (the project page's "where the project
stands" picture).
"""

from __future__ import annotations

from flask import Flask, abort, render_template
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import func, select

from ..extensions import db
from ..models import Call, Project
from ..policy import visible_projects_clause
from ..templating import locale_code
from ..workflows import diagram
from ..workflows.definition import Definition
from ..workflows.registry import all_definitions, get_definition
from . import bp


def role_names() -> dict[str, str]:
    return {
        "team": _("the project's team"),
        "agent": _("Agent"),
        "coach": _("Coach"),
        "staff": _("Programme team"),
        "jury": _("Jury"),
        "admin": _("Administrator"),
    }


def describe(definition: Definition, locale: str, highlight: str | None, counts: dict | None) -> str:
    """The picture's <desc>: what a screen reader hears before the table."""
    states = definition.states
    finals = [s.label(locale) for s in states.values() if s.final]
    parts = [
        ngettext("%(num)d state.", "%(num)d states.", len(states)),
        _("Projects start in “%(state)s”.", state=states[definition.initial].label(locale)),
    ]
    if finals:
        parts.append(_("Final states: %(states)s.", states=", ".join(finals)))
    if highlight in states:
        parts.append(_("The project is in “%(state)s”.", state=states[highlight].label(locale)))
    if counts is not None:
        parts.append(_("Each state shows the number of projects you can see in it."))
    parts.append(_("The table below lists every state and the events that leave it."))
    return " ".join(parts)


def workflow_svg(name: str, highlight: str | None = None, counts: dict[str, int] | None = None,
                 compact: bool = False, svg_id: str | None = None) -> Markup:
    """A definition's picture in the current language; empty markup for an unknown workflow."""
    try:
        definition = get_definition(name)
    except LookupError:
        return Markup("")
    locale = locale_code()
    texts = diagram.Texts(
        title=_("Workflow: %(name)s", name=definition.label(locale)),
        description=describe(definition, locale, highlight, counts),
        you_are_here=_("You are here"),
        count=lambda n: ngettext("%(num)d project", "%(num)d projects", n),
    )
    return diagram.render(definition, locale, counts=counts, highlight=highlight, compact=compact,
                          texts=texts, svg_id=svg_id)


def state_counts(name: str, user) -> dict[str, int]:
    """Projects per state in the workflow `name`, among those `user` may see: one query."""
    stmt = (
        select(Project.state, func.count(Project.id))
        .join(Call, Project.call_id == Call.id)
        .where(Call.workflow == name)
        .group_by(Project.state)
    )
    clause = visible_projects_clause(user)
    if clause is not True:
        stmt = stmt.where(clause)
    return {state: count for state, count in db.session.execute(stmt)}


def register(app: Flask) -> None:
    app.jinja_env.globals["workflow_svg"] = workflow_svg


bp.record_once(lambda state: register(state.app))


@bp.route("/workflows")
@login_required
def workflows():
    definitions = sorted(all_definitions(), key=lambda d: d.label(locale_code()))
    return render_template("main/workflows.html", definitions=definitions)


@bp.route("/workflows/<name>")
@login_required
def workflow(name: str):
    try:
        definition = get_definition(name)
    except LookupError:
        abort(404)
    counts = state_counts(name, current_user)
    locale = locale_code()
    roles = role_names()
    holds = [e for e in definition.events.values() if e.hold]
    rows = []
    for state in definition.states.values():
        leaving = []
        for event in definition.events_from(state.name):
            if event.stay:
                goes_to = _("stays in this state")
            elif event.release:
                left = sorted({s for h in holds if h.dest == state.name for s in h.source},
                              key=list(definition.states).index)
                goes_to = _("back to the state it left (%(states)s)",
                            states=", ".join(definition.states[s].label(locale) for s in left))
            else:
                goes_to = definition.states[event.dest].label(locale)
            leaving.append({
                "label": event.label(locale),
                "goes_to": goes_to,
                "roles": ", ".join(roles.get(r, r) for r in sorted(event.roles)),
            })
        rows.append({"state": state, "label": state.label(locale), "count": counts.get(state.name, 0),
                     "events": leaving})
    return render_template("main/workflow.html", definition=definition, counts=counts, rows=rows,
                           total=sum(counts.values()),
                           sees_all=visible_projects_clause(current_user) is True)
