"""Reading what the database really holds, past the session's identity map."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from incubator.extensions import db
from incubator.models import Project, ProjectEvent


@dataclass(frozen=True)
class Snapshot:
    state: str
    state_before_hold: str | None
    review_due_at: datetime | None
    clock_stopped_at: datetime | None
    submitted_at: datetime | None
    version: int
    history: tuple[tuple, ...]  # (id, event, from, to, actor_id, at, comment)


def committed(project_id: int) -> Snapshot:
    """The project as committed, read on a connection of its own (not the session's)."""
    with db.engine.connect() as conn:
        row = conn.execute(
            select(Project.state, Project.state_before_hold, Project.review_due_at,
                   Project.clock_stopped_at, Project.submitted_at, Project.version)
            .where(Project.id == project_id)
        ).one()
        history = conn.execute(
            select(ProjectEvent.id, ProjectEvent.event, ProjectEvent.from_state, ProjectEvent.to_state,
                   ProjectEvent.actor_id, ProjectEvent.at, ProjectEvent.comment)
            .where(ProjectEvent.project_id == project_id).order_by(ProjectEvent.id)
        ).all()
    return Snapshot(*row, history=tuple(tuple(h) for h in history))


def in_session(project_id: int) -> Snapshot:
    """The project as the request's session sees it after expiring everything it remembers.

    Unlike `committed`, this sees changes flushed but neither committed nor rolled back.
    """
    db.session.expire_all()
    project = db.session.get(Project, project_id)
    history = db.session.scalars(
        select(ProjectEvent).where(ProjectEvent.project_id == project_id).order_by(ProjectEvent.id)
    ).all()
    return Snapshot(
        project.state, project.state_before_hold, project.review_due_at, project.clock_stopped_at,
        project.submitted_at, project.version,
        history=tuple((h.id, h.event, h.from_state, h.to_state, h.actor_id, h.at, h.comment) for h in history),
    )


def unchanged(project_id: int, before: Snapshot) -> None:
    assert committed(project_id) == before
    assert in_session(project_id) == before
