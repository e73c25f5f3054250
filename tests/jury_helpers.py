"""Building jury days for the tests: a small session through the operations, a large one in bulk."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from incubator.extensions import db
from incubator.jury import operations as jury
from incubator.jury.models import Conflict, Criterion, Juror, PitchSession, PitchSlot, Score, ScoreSheet
from incubator.models import Call, Project, ProjectMember, User, UserRole

STARTS = datetime(2030, 6, 12, 14, 0, tzinfo=UTC)


@dataclass
class Day:
    call: Call
    projects: list[Project]
    session: PitchSession
    staff: User
    chair: Juror
    jurors: list[Juror]  # the chair first, then two appointed members
    criteria: list[Criterion]

    @property
    def members(self) -> list[Juror]:
        return self.jurors[1:]


def build_day(make_user, make_call, make_project) -> Day:
    """Two shortlisted projects, a jury of three appointed members (one the chair), the default grid."""
    call = make_call()
    projects = [make_project("shortlisted", call=call, title=f"Projet {i}") for i in range(2)]
    session = jury.create_session(call, title="Jury de juin", starts_at=STARTS, place="Salle du conseil",
                                  project_ids=[p.id for p in projects])
    chair = jury.appoint_juror(session, make_user("jury", name="Présidente"), chair=True)
    others = [jury.appoint_juror(session, make_user("jury", name=f"Juré {i}")) for i in range(2)]
    db.session.commit()
    return Day(call, projects, session, make_user("staff"), chair, [chair, *others],
               jury.ensure_criteria(call))


def full(criteria: list[Criterion], value: int = 4) -> dict[int, int]:
    return {c.id: value for c in criteria}


def submitted(session: PitchSession) -> set[tuple[int, int]]:
    return {tuple(row) for row in db.session.execute(
        select(ScoreSheet.juror_id, ScoreSheet.project_id).join(Juror)
        .where(Juror.session_id == session.id, ScoreSheet.submitted_at.is_not(None)))}


_bulk = itertools.count(1)


def bulk_session(call: Call, n_projects: int, n_jurors: int) -> int:
    """A session written straight through the ORM (fast): projects with a one-agent team, jurors (the
    first the chair), a recusal of the last juror, a submitted sheet from every other juror."""
    criteria = jury.ensure_criteria(call)
    session = PitchSession(call=call, title="Bulk", starts_at=STARTS)
    projects = []
    for _ in range(n_projects):
        i = next(_bulk)
        member = User(email=f"team{i}@example.org", name=f"Agent {i}", role_rows=[UserRole(role="agent")])
        projects.append(Project(call=call, title=f"Projet {i}", state="shortlisted",
                                members=[ProjectMember(user=member)]))
    jurors = []
    for k in range(n_jurors):
        i = next(_bulk)
        user = User(email=f"juror{i}@example.org", name=f"Juré {i}", role_rows=[UserRole(role="jury")])
        jurors.append(Juror(user=user, kind="appointed", is_chair=k == 0))
    session.slots = [PitchSlot(project=p, position=n) for n, p in enumerate(projects)]
    session.jurors = jurors
    db.session.add(session)
    db.session.flush()
    jurors[-1].conflicts.append(Conflict(project=projects[0], reason="Lien"))
    db.session.add_all([
        ScoreSheet(juror=j, project=p, submitted_at=STARTS,
                   scores=[Score(criterion_id=c.id, value=1 + (n + k) % 5) for c in criteria])
        for n, p in enumerate(projects) for k, j in enumerate(jurors[:-1])])
    db.session.commit()
    return session.id
