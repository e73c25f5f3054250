"""Who may see or change what: every view asks here, templates get the answers as booleans."""

from __future__ import annotations

from sqlalchemy import and_, exists, false, or_, select

from .models import Call, Project, ProjectCoach, ProjectMember, User
from .workflows import all_definitions, get_definition


def is_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role("staff", "admin"))


def visible_projects_clause(user: User):
    """A SQL condition on Project (joined to Call) selecting the projects `user` may see.

    The team, staff and admin always; the jury in the states a definition opens to it; the
    coaches assigned to the project; nobody else.
    """
    if user.has_role("staff", "admin"):
        return True
    clauses = [
        exists().where(ProjectMember.project_id == Project.id, ProjectMember.user_id == user.id),
        exists().where(ProjectCoach.project_id == Project.id, ProjectCoach.user_id == user.id),
    ]
    if user.has_role("jury"):
        for definition in all_definitions():
            states = definition.states_visible_to("jury")
            if states:
                clauses.append(and_(Call.workflow == definition.name, Project.state.in_(states)))
    return or_(*clauses) if clauses else false()


def visible_projects(user: User):
    """A select of the projects `user` may see (joined to their call)."""
    stmt = select(Project).join(Call, Project.call_id == Call.id)
    clause = visible_projects_clause(user)
    return stmt if clause is True else stmt.where(clause)


def can_view_project(user, project: Project) -> bool:
    if not (user and user.is_authenticated):
        return False
    if user.has_role("staff", "admin") or project.has_member(user) or project.is_coached_by(user):
        return True
    if user.has_role("jury"):
        return project.state in get_definition(project.workflow).states_visible_to("jury")
    return False


def can_edit_project(user, project: Project) -> bool:
    """The team edits its answers and team while the state allows it."""
    definition = get_definition(project.workflow)
    return project.has_member(user) and definition.states[project.state].editable


def can_manage_calls(user) -> bool:
    return is_staff(user)


def can_propose(user, call: Call) -> bool:
    """Agents start a draft while the call is open."""
    return bool(user and user.is_authenticated and user.has_role("agent") and call.is_open())


def can_assign_coaches(user) -> bool:
    return is_staff(user)


def can_manage_users(user) -> bool:
    """Accounts are the administrators' alone: the programme team does not create its own peers."""
    return bool(user and user.is_authenticated and user.has_role("admin"))


def awaiting_decision_clause(user: User):
    """Projects in a state where one of the user's own roles (not `team`) may fire an event."""
    roles = user.roles
    clauses = []
    for definition in all_definitions():
        states = sorted({s for e in definition.events.values() if not e.roles.isdisjoint(roles)
                         for s in e.source})
        if states:
            clauses.append(and_(Call.workflow == definition.name, Project.state.in_(states)))
    return or_(*clauses) if clauses else false()


def can_manage_sessions(user) -> bool:
    """The programme team schedules pitch sessions, composes juries and edits grids."""
    return is_staff(user)


def can_view_session(user, session) -> bool:
    """A session's pages: the programme team, and the people sitting on its jury."""
    if not (user and user.is_authenticated):
        return False
    return user.has_role("staff", "admin") or any(j.user_id == user.id for j in session.jurors)


def is_chair(user, session) -> bool:
    return any(j.user_id == user.id and j.is_chair and not j.absent for j in session.jurors)


def can_view_mission_letter(user, session, project: Project) -> bool:
    """A selected project's mission letter: the session's readers, the project's team and its mentor."""
    if not (user and user.is_authenticated):
        return False
    return can_view_session(user, session) or project.has_member(user) or project.mentor_id == user.id


def can_contribute(user, project: Project) -> bool:
    """The incubation ledger (logs, iterations, evidence, indicators): the team, its coaches and the
    programme team write it while the project is in incubation; everyone who sees the project reads it."""
    if not (user and user.is_authenticated):
        return False
    from .incubation.operations import is_incubating

    return is_incubating(project) and (
        user.has_role("staff", "admin") or project.has_member(user) or project.is_coached_by(user))


def can_view_coaching(user, coach: User) -> bool:
    """A coach's page (their projects and missing weeks): the coach, and the programme team."""
    return bool(user and user.is_authenticated and (user.id == coach.id or user.has_role("staff", "admin")))


def can_manage_programme(user) -> bool:
    """Programme settings (the time budget): the programme team."""
    return is_staff(user)


def can_view_dashboard(user) -> bool:
    """The programme dashboard: the programme team, and the jury (management and elected officials),
    who see in it only the projects they may see."""
    return bool(user and user.is_authenticated and user.has_role("staff", "admin", "jury"))


def can_publish(user) -> bool:
    """Choosing which projects go into the public catalogue: the programme team."""
    return is_staff(user)
