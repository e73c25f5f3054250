"""The one loader of a project for the incubation pages: its call, team, coaches and history, in a
fixed number of queries whatever their length."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Call, Project, ProjectCoach, ProjectEvent, ProjectMember


def load_project(project_id: int, *, people: bool = False, actors: bool = False,
                 mentor: bool = False) -> Project | None:
    """The project, or None. `people` loads the team's and coaches' accounts, `actors` who fired each
    event, `mentor` the mentor's account: each one query more, whatever the numbers."""
    members = selectinload(Project.members)
    coaches = selectinload(Project.coaches)
    history = selectinload(Project.history)
    options = [
        selectinload(Project.call).selectinload(Call.programme),
        members.selectinload(ProjectMember.user) if people else members,
        coaches.selectinload(ProjectCoach.user) if people else coaches,
        history.selectinload(ProjectEvent.actor) if actors else history,
    ]
    if mentor:
        options.append(selectinload(Project.mentor))
    return db.session.scalar(select(Project).where(Project.id == project_id).options(*options))
