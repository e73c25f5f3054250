"""The demo data: loaded once, the real projects at their stage, a consistent history."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from incubator.auth.operations import find_user
from incubator.demo import DEMO_PASSWORD, PROGRAMME, load_demo
from incubator.extensions import db
from incubator.models import (
    Call,
    Programme,
    Project,
    ProjectCoach,
    ProjectEvent,
    ProjectMember,
    User,
    UserRole,
)
from incubator.workflows import get_definition

REAL_PROJECTS = {
    "Pau Partage": "integrated",
    "Poubelle Battle": "scaled",
    "ID Quart": "startup",
    "Histologe": "startup",
    "Simone & Co": "spun_off",
    "Kameha Meha": "on_hold",
}


def _counts() -> dict[str, int]:
    models = (User, UserRole, Programme, Call, Project, ProjectMember, ProjectCoach, ProjectEvent)
    return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in models}


@pytest.fixture
def demo(app):
    summary = load_demo()
    db.session.expire_all()
    return summary


def _calls() -> list[Call]:
    return list(db.session.scalars(select(Call).join(Programme).where(Programme.name == PROGRAMME)
                                   .order_by(Call.opens_at)))


def _projects(call: Call) -> list[Project]:
    return list(db.session.scalars(select(Project).where(Project.call_id == call.id)))


def _events(project: Project) -> list[str]:
    return [e.event for e in project.history]


def _by_title() -> dict[str, Project]:
    return {p.title: p for p in db.session.scalars(select(Project))}


def test_loading_twice_changes_nothing(app):
    first = load_demo()
    counts = _counts()
    second = load_demo()
    db.session.expire_all()

    assert _counts() == counts
    assert (first.already_loaded, second.already_loaded) == (False, True)
    assert first.describe().endswith("(loaded)")
    assert second.describe().endswith("(already loaded)")
    assert first.describe().startswith(f"Demo data: 1 programme, 3 calls, {counts['projects']} projects, "
                                       "5 demo accounts")
    assert first.accounts == second.accounts
    assert 45 <= counts["projects"] <= 60


def test_a_missing_demo_account_is_recreated_and_nothing_else(app):
    load_demo()
    db.session.delete(find_user("admin@demo.incubateur.fr"))
    db.session.commit()
    counts = _counts()

    summary = load_demo()
    db.session.expire_all()

    admin = find_user("admin@demo.incubateur.fr")
    assert admin is not None and admin.has_role("admin") and admin.check_password(DEMO_PASSWORD)
    after = _counts()
    assert after.pop("users") == counts.pop("users") + 1
    assert after.pop("user_roles") == counts.pop("user_roles") + 1
    assert after == counts
    assert summary.already_loaded


def test_demo_accounts_one_per_role(demo):
    assert [role for role, _ in demo.accounts] == ["agent", "coach", "staff", "jury", "admin"]
    for role, email in demo.accounts:
        user = find_user(email)
        assert user is not None, email
        assert email == f"{role}@demo.incubateur.fr"
        assert user.has_role(role)
        assert user.check_password(DEMO_PASSWORD)
        assert user.name and user.service and user.title
    jury = find_user("jury@demo.incubateur.fr")
    assert jury.title == "Directrice générale des services"


def test_every_team_has_two_or_three_agents_with_a_service_and_title(demo):
    for project in db.session.scalars(select(Project)):
        assert 2 <= len(project.members) <= 3, project.title
        for member in project.members:
            assert member.user.has_role("agent")
            assert member.user.service and member.user.title


def test_the_demo_agent_has_a_draft_and_an_incubated_project(demo):
    agent = find_user("agent@demo.incubateur.fr")
    projects = db.session.scalars(select(Project).join(ProjectMember)
                                  .where(ProjectMember.user_id == agent.id)).all()
    open_drafts = [p for p in projects if p.state == "draft" and p.call.is_open()]
    incubated = [p for p in projects if p.state in ("pre_incubation", "startup", "on_hold")]
    assert open_drafts and incubated


def test_the_demo_coach_coaches_every_incubated_project(demo):
    coach = find_user("coach@demo.incubateur.fr")
    started = [p for p in db.session.scalars(select(Project)) if "start" in _events(p)]
    assert {p.title for p in started} == set(REAL_PROJECTS)
    assert all(p.is_coached_by(coach) for p in started)
    start_at = {p.id: next(e.at for e in p.history if e.event == "start") for p in started}
    for link in db.session.scalars(select(ProjectCoach)):
        assert link.assigned_at == start_at[link.project_id]


def test_the_six_real_projects_reached_their_stage(demo):
    projects = _by_title()
    assert {title: projects[title].state for title in REAL_PROJECTS} == REAL_PROJECTS

    def comment(title, event):
        return next(e.comment for e in projects[title].history if e.event == event)

    assert "CCAS" in comment("Pau Partage", "integrate")
    poubelle = " ".join(e.comment for e in projects["Poubelle Battle"].history)
    assert "gamification" in poubelle and "compost" in poubelle and "fonds d'accélération" in poubelle
    id_quart = _events(projects["ID Quart"])
    assert id_quart[-2:] == ["pause", "resume"]
    assert projects["ID Quart"].state_before_hold is None
    assert "communes voisines" in comment("ID Quart", "resume")
    assert "115 situations" in comment("Histologe", "graduate")
    assert "1 000 kits" in comment("Simone & Co", "spin_off")
    kameha = projects["Kameha Meha"]
    assert _events(kameha)[-2:] == ["start", "pause"]
    assert kameha.state_before_hold == "pre_incubation"
    assert "onfinement" in comment("Kameha Meha", "pause")
    assert kameha.history[-1].at.date() == datetime(2020, 3, 16).date()


def test_first_call_thirty_submissions_ten_shortlisted_three_selected(demo):
    first, second, third = _calls()
    projects = _projects(first)
    submitted = [p for p in projects if "submit" in _events(p)]
    shortlisted = [p for p in projects if "shortlist" in _events(p)]
    selected = [p for p in projects if "select" in _events(p)]
    assert 28 <= len([p for p in projects if p.state != "draft"]) <= 32
    assert 28 <= len(submitted) <= 32
    assert len(shortlisted) == 10
    assert {p.title for p in selected} == {"Pau Partage", "Poubelle Battle", "ID Quart"}
    assert {p.state for p in shortlisted} - set(REAL_PROJECTS.values()) == {"rejected", "rework"}
    # Each declined or rejected proposal says why.
    for project in projects:
        for event in project.history:
            if event.event in ("decline", "reject", "ask_rework"):
                assert len(event.comment) > 20
    states = {p.state for p in projects}
    assert {"draft", "withdrawn", "not_retained"} <= states


def test_second_call_three_selected(demo):
    second = _calls()[1]
    projects = _projects(second)
    assert 13 <= len([p for p in projects if "submit" in _events(p)]) <= 17
    assert 6 <= len([p for p in projects if "shortlist" in _events(p)]) <= 8
    assert {p.title for p in projects if "select" in _events(p)} == {"Histologe", "Simone & Co", "Kameha Meha"}


def test_third_call_is_open_with_drafts_and_submissions(demo):
    third = _calls()[2]
    assert third.is_open()
    states = sorted(p.state for p in _projects(third))
    assert "draft" in states and "submitted" in states
    assert set(states) == {"draft", "submitted"}


def test_open_call_follows_the_given_now(app):
    now = datetime(2031, 3, 1, 12, tzinfo=UTC)
    load_demo(now=now)
    third = _calls()[2]
    assert third.is_open(now)
    assert (third.opens_at - now).days in (-16, -15) and (third.closes_at - now).days in (29, 30)
    assert all(e.at <= now for p in _projects(third) for e in p.history)


def test_a_now_before_the_story_is_refused(app):
    with pytest.raises(ValueError):
        load_demo(now=datetime(2020, 1, 1, tzinfo=UTC))
    assert db.session.scalar(select(func.count()).select_from(Project)) == 0


def test_history_is_consistent(demo):
    definition = get_definition("pau")
    for call in _calls():
        for project in _projects(call):
            history = project.history
            assert history[0].event == "create" and history[0].at == project.created_at
            assert all(a.at < b.at for a, b in zip(history, history[1:], strict=False)), project.title
            assert project.updated_at == history[-1].at
            for event in history[1:]:
                assert event.at.tzinfo is not None
                rule = definition.events[event.event]
                if rule.comment_required:
                    assert event.comment, (project.title, event.event)
                actor = event.actor
                if "team" in rule.roles:
                    assert project.has_member(actor)
                elif "jury" in rule.roles:
                    assert actor.has_role("jury")
                else:
                    assert actor.has_role("staff")
                if event.event == "submit":
                    assert call.opens_at <= event.at < call.closes_at
                    assert project.submitted_at == event.at
                if event.event in ("shortlist", "decline"):
                    assert event.at > call.closes_at
