"""A review decision fired through the workflow is kept as a phase review with its evidence."""

from __future__ import annotations

from ..extensions import db
from .models import PhaseReview
from .summary import evidence_summary


def record_review(project, definition, event, entry, *, due_before, phase_before) -> None:
    """Called by the engine after every event: keeps the ones that decide a phase review."""
    if not event.review:
        return
    source = definition.states[entry.from_state]
    if source.phase is None:  # abandoning a project on hold decides no phase review
        return
    db.session.add(PhaseReview(
        project_id=project.id, phase=phase_before or source.phase, due_at=due_before,
        decided_at=entry.at, decision=event.name, event=entry, decided_by_id=entry.actor_id,
        comment=entry.comment, summary=evidence_summary(project, entry.at),
    ))
    db.session.flush()
