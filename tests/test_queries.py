"""List and detail pages run a fixed number of SQL queries, however many projects there are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from incubator.extensions import db
from incubator.models import Call, Project, ProjectCoach, ProjectEvent, ProjectMember, User, UserRole

_numbers = count(1)


def add_projects(call: Call, n: int, state: str = "submitted") -> list[Project]:
    """`n` projects straight into the tables (one agent each, created then submitted): fast, no engine."""
    now = datetime.now(UTC)
    projects = []
    for _ in range(n):
        i = next(_numbers)
        agent = User(email=f"bulk{i}@example.org", name=f"Agent {i}", service=f"Service {i % 7}",
                     role_rows=[UserRole(role="agent")])
        at = now - timedelta(minutes=i)
        project = Project(
            call=call, title=f"Projet {i}", problem="Problème", proposal="Proposition",
            service=agent.service, answers={"affected": "Tous", "frequency": "Souvent"},
            state=state, submitted_at=at, created_at=at, updated_at=at,
            members=[ProjectMember(user=agent, added_at=at)],
            history=[
                ProjectEvent(event="create", from_state=None, to_state="draft", actor=agent, at=at),
                ProjectEvent(event="submit", from_state="draft", to_state=state, actor=agent, at=at),
            ],
        )
        projects.append(project)
    db.session.add_all(projects)
    db.session.commit()
    return projects


def add_history(project: Project, actors: list[User]) -> None:
    """History rows written straight into the table, one per actor (notes on the project's path)."""
    for i, actor in enumerate(actors):
        project.history.append(ProjectEvent(event="graduate", from_state="pre_incubation", to_state="startup",
                                            actor=actor, comment=f"Note {i}"))
    db.session.commit()


def queries_for(fetch, count_queries) -> int:
    fetch()  # warm-up: first-use writes (a token's last use) and caches are not what we measure
    with count_queries() as counter:
        response = fetch()
    assert response.status_code == 200, response.status_code
    return counter.count


@pytest.fixture
def staff_page(make_user, login, client):
    login(make_user("staff"))
    return client


def test_call_page_queries_do_not_grow_with_submissions(make_call, staff_page, count_queries):
    call = make_call()
    add_projects(call, 5)
    few = queries_for(lambda: staff_page.get(f"/calls/{call.id}"), count_queries)
    add_projects(call, 195)
    many = queries_for(lambda: staff_page.get(f"/calls/{call.id}"), count_queries)
    assert many == few, f"{few} queries with 5 projects, {many} with 200"


def test_call_page_queries_do_not_grow_with_submissions_for_the_jury(make_call, make_user, login, client,
                                                                       count_queries):
    call = make_call()
    add_projects(call, 5, state="shortlisted")
    login(make_user("jury"))
    few = queries_for(lambda: client.get(f"/calls/{call.id}"), count_queries)
    add_projects(call, 195, state="shortlisted")
    many = queries_for(lambda: client.get(f"/calls/{call.id}"), count_queries)
    assert many == few


def test_calls_and_projects_lists_do_not_grow(make_call, staff_page, count_queries):
    calls = [make_call(), make_call()]
    for call in calls:
        add_projects(call, 5)
    few = [queries_for(lambda p=path: staff_page.get(p), count_queries) for path in ("/calls/", "/projects/")]
    for call in calls:
        add_projects(call, 100)
    many = [queries_for(lambda p=path: staff_page.get(p), count_queries) for path in ("/calls/", "/projects/")]
    assert many == few


def test_project_page_queries_do_not_grow_with_projects(make_call, make_project, staff_page, count_queries):
    call = make_call()
    project = make_project("pre_incubation", call=call)
    add_projects(call, 5)
    few = queries_for(lambda: staff_page.get(f"/projects/{project.id}"), count_queries)
    add_projects(call, 195)
    many = queries_for(lambda: staff_page.get(f"/projects/{project.id}"), count_queries)
    assert many == few


def project_with(make_project, make_user, *, agents: int, coaches: int, notes: int) -> Project:
    """A project in startup mode with that many teammates, coaches and extra history rows by distinct people."""
    project = make_project("startup", team=[make_user("agent") for _ in range(agents)])
    coach_users = [make_user("coach") for _ in range(coaches)]
    actors = [make_user("staff") for _ in range(notes)]
    project.coaches.extend(ProjectCoach(user=coach) for coach in coach_users)
    add_history(project, actors)
    return project


def test_project_page_queries_do_not_grow_with_team_history_and_coaches(make_project, make_user, staff_page,
                                                                         count_queries):
    # Both have some of everything: an empty collection skips its follow-up loads, legitimately.
    small = project_with(make_project, make_user, agents=1, coaches=1, notes=1)
    big = project_with(make_project, make_user, agents=5, coaches=4, notes=30)
    few = queries_for(lambda: staff_page.get(f"/projects/{small.id}"), count_queries)
    many = queries_for(lambda: staff_page.get(f"/projects/{big.id}"), count_queries)
    assert many == few


def test_api_project_list_queries_do_not_grow(make_call, make_user, api, count_queries):
    call = make_call()
    add_projects(call, 5)
    client = api(make_user("staff"))
    paths = (f"/api/v1/calls/{call.id}/projects", f"/api/v1/calls/{call.id}/projects?per_page=100",
             "/api/v1/projects", "/api/v1/calls")
    few = [queries_for(lambda p=path: client.get(p), count_queries) for path in paths]
    add_projects(call, 195)
    many = [queries_for(lambda p=path: client.get(p), count_queries) for path in paths]
    assert many == few
    body = client.get(f"/api/v1/calls/{call.id}/projects?per_page=100").get_json()
    assert body["total"] == 200 and len(body["items"]) == 100


def test_api_project_detail_queries_do_not_grow_with_history(make_project, make_user, api, count_queries):
    small = project_with(make_project, make_user, agents=1, coaches=1, notes=1)
    big = project_with(make_project, make_user, agents=5, coaches=4, notes=30)
    client = api(make_user("staff"))
    few = queries_for(lambda: client.get(f"/api/v1/projects/{small.id}"), count_queries)
    many = queries_for(lambda: client.get(f"/api/v1/projects/{big.id}"), count_queries)
    assert many == few
