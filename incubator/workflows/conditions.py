"""Named conditions that workflow definitions attach to events.

A condition takes the firing context and returns None when it holds, or the reason it
does not, as a sentence the team can act on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import gettext as _

if TYPE_CHECKING:
    from ..models import Project, User


@dataclass(frozen=True)
class Context:
    project: Project
    actor: User | None
    at: datetime
    comment: str


Condition = Callable[[Context], str | None]
CONDITIONS: dict[str, Condition] = {}


def condition(name: str):
    def register(func: Condition) -> Condition:
        CONDITIONS[name] = func
        return func

    return register


@condition("call_open")
def call_open(ctx: Context) -> str | None:
    """The call takes submissions; a project sent back for rework may be submitted again later."""
    call = ctx.project.call
    if ctx.project.submitted_at is not None:
        return None
    if ctx.at < call.opens_at:
        return _("The call for proposals is not open yet.")
    if ctx.at >= call.closes_at:
        return _("The call for proposals is closed: no more proposals are accepted.")
    return None


@condition("proposal_complete")
def proposal_complete(ctx: Context) -> str | None:
    """Every required answer of the call's questionnaire is given."""
    project = ctx.project
    missing = [label for label, value in (
        (_("Title"), project.title),
        (_("The field problem"), project.problem),
        (_("Your proposal"), project.proposal),
    ) if not (value or "").strip()]
    answers = project.answers or {}
    missing += [
        q["label"] for q in project.call.questionnaire or []
        if q.get("required") and not (answers.get(q["key"]) or "").strip()
    ]
    if missing:
        return _("The proposal is incomplete: %(fields)s.", fields=", ".join(missing))
    return None
