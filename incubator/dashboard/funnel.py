"""The programme's funnel per call: how many projects ever reached each stage its workflow names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, case, func, literal, select

from ..extensions import db
from ..models import Call, Project, ProjectEvent, User
from ..policy import visible_projects_clause
from ..workflows import get_definition


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    count: int


def funnel(user: User, calls: Iterable[Call], locale: str = "fr") -> dict[int, list[Step]]:
    """{call id: [Step, ...]} in the workflow's funnel order, counting only projects `user` may see.

    One query whatever the number of projects: each history row is mapped to its stage in SQL
    (a CASE on the call's workflow and the state reached), then projects are counted distinctly
    per call and stage. A project counts once per stage even if it reached it twice (after a
    rework, say), and keeps counting where it passed after it moved on.
    """
    calls = list(calls)
    if not calls:
        return {}
    whens = []
    for name in sorted({c.workflow for c in calls}):
        for stage in get_definition(name).funnel:
            whens.append((and_(Call.workflow == name, ProjectEvent.to_state.in_(stage.states)),
                          literal(stage.name)))
    result: dict[int, list[Step]] = {}
    counts: dict[tuple[int, str], int] = {}
    if whens:
        stage = case(*whens, else_=None).label("stage")
        inner = (
            select(Project.call_id.label("call_id"), ProjectEvent.project_id.label("project_id"), stage)
            .select_from(ProjectEvent)
            .join(Project, Project.id == ProjectEvent.project_id)
            .join(Call, Call.id == Project.call_id)
            .where(Project.call_id.in_([c.id for c in calls]))
        )
        clause = visible_projects_clause(user)
        if clause is not True:
            inner = inner.where(clause)
        inner = inner.subquery()
        rows = db.session.execute(
            select(inner.c.call_id, inner.c.stage, func.count(func.distinct(inner.c.project_id)))
            .where(inner.c.stage.is_not(None))
            .group_by(inner.c.call_id, inner.c.stage)
        )
        counts = {(call_id, name): n for call_id, name, n in rows}
    for call in calls:
        result[call.id] = [Step(s.name, s.label(locale), counts.get((call.id, s.name), 0))
                           for s in get_definition(call.workflow).funnel]
    return result
