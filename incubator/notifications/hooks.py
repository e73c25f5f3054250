"""Fired events tell the project's team and coaches, in the same transaction as the change."""

from __future__ import annotations

from .service import notify
from .timers import path


def on_fire(project, definition, event, entry, **_ignored) -> None:
    recipients = [m.user for m in project.members] + [c.user for c in project.coaches]
    recipients = [u for u in recipients if u is not None and u.id != entry.actor_id]
    if not recipients:
        return
    actor = entry.actor
    notify(recipients, "state_changed", f"event:{entry.id}",
           params={"project": project.title, "workflow": definition.name, "event": event.name,
                   "to_state": entry.to_state, "actor": actor.display_name if actor else "",
                   "comment": entry.comment, "at": entry.at.isoformat()},
           link=path("projects.show", project_id=project.id), project_id=project.id, at=entry.at)
