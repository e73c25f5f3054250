"""Projects: drafts, their answers and team, coaches, and the events fired on them."""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ..clock import utcnow
from ..errors import Conflict, InvalidData
from ..extensions import db
from ..models import Call, Project, ProjectCoach, ProjectMember, User
from ..policy import can_edit_project
from ..themes import THEMES
from ..workflows import record_creation

EMAIL_SPLIT = re.compile(r"[\s,;]+")


def split_emails(text: str) -> list[str]:
    return [e.strip().lower() for e in EMAIL_SPLIT.split(text or "") if e.strip()]


def _resolve_team(emails: list[str]) -> list[User]:
    emails = list(dict.fromkeys(e.strip().lower() for e in emails if e and e.strip()))
    if not emails:
        return []
    users = db.session.scalars(select(User).where(User.email.in_(emails))).all()
    found = {u.email: u for u in users}
    unknown = [e for e in emails if e not in found or not found[e].is_active]
    if unknown:
        raise InvalidData({"team": _("No active account for: %(emails)s. Ask the programme team to "
                                     "create it, or check the address.", emails=", ".join(unknown))})
    return [found[e] for e in emails]


def _clean_answers(call: Call, answers: dict | None) -> dict[str, str]:
    keys = {q["key"] for q in call.questionnaire or []}
    return {k: str(v).strip() for k, v in (answers or {}).items() if k in keys and v is not None}


def _check_fields(title: str | None) -> None:
    if not (title or "").strip():
        raise InvalidData({"title": _("A title is required.")})
    if len(title) > 200:
        raise InvalidData({"title": _("At most %(n)d characters.", n=200)})


def _clean_theme(theme: str | None) -> str | None:
    if not theme:
        return None
    if theme not in THEMES:
        raise InvalidData({"theme": _("Choose a theme from the list.")})
    return theme


def create_project(call: Call, author: User, *, title: str, problem: str = "", proposal: str = "",
                   service: str = "", answers: dict | None = None, team_emails: list[str] = (),
                   theme: str | None = None, at: datetime | None = None) -> Project:
    """A draft on `call`; `author` and the listed teammates form its team."""
    at = at or utcnow()
    if not call.is_open(at):
        raise Conflict(_("This call for proposals is not open: no new proposal can be started."),
                       call_status=call.status(at))
    _check_fields(title)
    teammates = [u for u in _resolve_team(list(team_emails)) if u.id != author.id]
    project = Project(
        call=call,
        title=title.strip(),
        problem=problem or "",
        proposal=proposal or "",
        service=(service or author.service or "").strip(),
        answers=_clean_answers(call, answers),
        theme=_clean_theme(theme),
        created_by_id=author.id,
        created_at=at,
        updated_at=at,
    )
    db.session.add(project)
    project.members.append(ProjectMember(user=author, added_by_id=author.id, added_at=at))
    for user in teammates:
        project.members.append(ProjectMember(user=user, added_by_id=author.id, added_at=at))
    record_creation(project, author, at=at)
    db.session.flush()
    return project


def update_project(project: Project, actor: User, *, title: str, problem: str, proposal: str,
                   service: str, answers: dict | None, theme: str | None = None) -> Project:
    if not can_edit_project(actor, project):
        raise Conflict(_("This proposal can no longer be edited."))
    _check_fields(title)
    project.theme = _clean_theme(theme)
    project.title = title.strip()
    project.problem = problem or ""
    project.proposal = proposal or ""
    project.service = (service or "").strip()
    project.answers = _clean_answers(project.call, answers)
    db.session.flush()
    return project


def add_member(project: Project, actor: User, email: str) -> ProjectMember:
    if not can_edit_project(actor, project):
        raise Conflict(_("The team can no longer be changed."))
    (user,) = _resolve_team([email]) or (None,)
    if user is None:
        raise InvalidData({"email": _("An e-mail address is required.")})
    if project.has_member(user):
        raise InvalidData({"email": _("%(name)s is already on the team.", name=user.display_name)})
    member = ProjectMember(user=user, added_by_id=actor.id)
    project.members.append(member)
    db.session.flush()
    return member


def remove_member(project: Project, actor: User, user: User) -> None:
    if not can_edit_project(actor, project):
        raise Conflict(_("The team can no longer be changed."))
    member = next((m for m in project.members if m.user_id == user.id), None)
    if member is None:
        raise InvalidData({"user": _("This person is not on the team.")})
    if len(project.members) == 1:
        raise Conflict(_("A project keeps at least one team member; withdraw it instead."))
    project.members.remove(member)
    db.session.flush()


def assign_coach(project: Project, coach: User) -> ProjectCoach:
    if not coach.has_role("coach"):
        raise InvalidData({"coach": _("%(name)s is not a coach.", name=coach.display_name)})
    if project.is_coached_by(coach):
        raise InvalidData({"coach": _("%(name)s already coaches this project.", name=coach.display_name)})
    link = ProjectCoach(user=coach)
    project.coaches.append(link)
    db.session.flush()
    return link


def unassign_coach(project: Project, coach: User) -> None:
    link = next((c for c in project.coaches if c.user_id == coach.id), None)
    if link is not None:
        project.coaches.remove(link)
        db.session.flush()

