"""Projects in incubation for the tests: started at a chosen instant, with a coach and a staff member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from incubator.extensions import db
from incubator.models import Project, User
from incubator.projects.operations import assign_coach
from incubator.workflows import fire

# A Monday, 10:00 in Paris (UTC+1 in winter), well after any real "now" of the suite's other rows.
START = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


@dataclass
class Incubating:
    project: Project
    team: list[User]
    coach: User
    staff: User


def incubate(make_project, make_user, *, at: datetime = START, state: str = "pre_incubation",
             title: str = "Projet incubé", team_size: int = 2, call=None) -> Incubating:
    """A project selected by the jury, started at `at` (and graduated right after if `state` is
    "startup"), with a coach assigned and a staff member to act."""
    team = [make_user("agent") for _ in range(team_size)]
    project = make_project("selected", team=team, title=title, **({"call": call} if call else {}))
    staff = make_user("staff")
    coach = make_user("coach")
    fire(project, "start", staff, at=at)
    assign_coach(project, coach)
    if state == "startup":
        fire(project, "graduate", staff, "Bilan positif", at=at)
    db.session.commit()
    return Incubating(project, team, coach, staff)
