"""Shortest event paths through a workflow, to put a test project in any state for real."""

from __future__ import annotations

from collections import deque
from datetime import datetime

from incubator.extensions import db
from incubator.models import User
from incubator.workflows import fire, get_definition


def event_path(workflow: str, start: str, goal: str) -> list[str]:
    """The shortest list of events from `start` to `goal` (pause/resume handled as plain moves)."""
    definition = get_definition(workflow)
    previous: dict[str, tuple[str, str] | None] = {start: None}
    todo = deque([start])
    while todo:
        state = todo.popleft()
        if state == goal:
            break
        for event in definition.events_from(state):
            if event.release:
                continue
            if event.dest not in previous:
                previous[event.dest] = (state, event.name)
                todo.append(event.dest)
    if goal not in previous:
        raise ValueError(f"{goal!r} cannot be reached from {start!r} in {workflow!r}")
    path = []
    state = goal
    while previous[state] is not None:
        state, event_name = previous[state]
        path.append(event_name)
    return list(reversed(path))


def actor_for(event, project, team_member: User) -> User:
    """Someone allowed to fire `event`: the team member, or a user of an allowed role."""
    if "team" in event.roles:
        return team_member
    role = next(r for r in ("staff", "jury", "admin", "coach", "agent") if r in event.roles)
    user = db.session.scalar(db.select(User).where(User.email == f"path-{role}@example.test"))
    if user is None:
        user = User(email=f"path-{role}@example.test", name=f"Path {role}")
        user.set_roles([role])
        db.session.add(user)
        db.session.flush()
    return user


def path_to(project, state: str, team_member: User, at: datetime | None = None) -> None:
    definition = get_definition(project.workflow)
    for name in event_path(project.workflow, project.state, state):
        event = definition.events[name]
        comment = "Motif de test" if event.comment_required else ""
        fire(project, name, actor_for(event, project, team_member), comment, at=at,
             taken_over_by="Service de test" if event.takeover else "")
