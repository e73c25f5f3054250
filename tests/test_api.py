"""The JSON API v1 and /healthz, as the contract describes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from incubator.extensions import db
from incubator.models import Call, Project, ProjectEvent
from tests.helpers import committed

PAU_STATES = {
    "draft", "submitted", "withdrawn", "shortlisted", "not_retained", "selected", "rework", "rejected",
    "pre_incubation", "startup", "on_hold", "integrated", "scaled", "spun_off", "abandoned",
}
PAGINATION = {"items", "page", "per_page", "total", "pages"}


def iso(value: datetime) -> str:
    return value.isoformat()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- health and authentication -----------------------------------------------------------------------

def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer inc_not-a-real-token"},
    {"Authorization": "Bearer something-else"},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "inc_token-without-scheme"},
], ids=["none", "empty", "unknown", "foreign", "basic", "no-scheme"])
@pytest.mark.parametrize("path", ["/api/v1/calls", "/api/v1/workflows/pau", "/api/v1/projects/1"])
def test_api_refuses_missing_or_bad_tokens(client, path, headers):
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]
    assert response.get_json()["message"]
    assert "Bearer" in response.headers.get("WWW-Authenticate", "")


def test_a_token_of_a_deactivated_account_is_refused(make_user, api):
    user = make_user("staff")
    client = api(user)
    user.is_active_account = False
    db.session.commit()
    assert client.get("/api/v1/calls").status_code == 401


def test_a_session_cookie_does_not_authenticate_the_api(make_user, login, client):
    login(make_user("staff"))
    response = client.get("/api/v1/calls")
    assert response.status_code == 401
    assert response.get_json()["error"]


def test_me(make_user, api):
    user = make_user("staff", "jury")
    body = api(user).get("/api/v1/me").get_json()
    assert body["email"] == user.email and body["roles"] == ["jury", "staff"]


# --- JSON errors everywhere under /api/ ---------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/projects/abc", "/api/v2/calls", "/api/"])
def test_unknown_api_path_is_a_json_404(make_user, api, client, path):
    for response in (api(make_user("staff")).get(path), client.get(path)):
        assert response.status_code == 404
        assert response.mimetype == "application/json"
        assert response.get_json()["error"] == "not_found"
        assert "<html" not in response.get_data(as_text=True).lower()


def test_wrong_method_on_the_api_is_json(make_user, api):
    client = api(make_user("staff"))
    response = client.client.delete("/api/v1/calls", headers=client._headers())
    assert response.status_code == 405
    assert response.get_json()["error"] == "method_not_allowed"


def test_a_body_that_is_not_json_is_a_json_400(make_user, make_call, api):
    call = make_call()
    client = api(make_user("agent"))
    response = client.post(f"/api/v1/calls/{call.id}/projects", data="title=x",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"
    response = client.post(f"/api/v1/calls/{call.id}/projects", json=["a", "list"])
    assert response.status_code == 400


def test_unknown_project_and_call_are_json_404(make_user, api):
    client = api(make_user("staff"))
    for path in ("/api/v1/projects/999999", "/api/v1/calls/999999", "/api/v1/calls/999999/projects"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["error"] == "not_found"


# --- workflows ----------------------------------------------------------------------------------------

def test_workflow_shape(make_user, api):
    response = api(make_user("agent")).get("/api/v1/workflows/pau")
    assert response.status_code == 200
    body = response.get_json()
    assert {"name", "initial", "states", "transitions"} <= set(body)
    assert body["name"] == "pau" and body["initial"] == "draft"
    for state in body["states"]:
        assert {"name", "label", "final"} <= set(state)
        assert isinstance(state["label"], str) and state["label"]
        assert isinstance(state["final"], bool)
    assert {s["name"] for s in body["states"]} == PAU_STATES
    for transition in body["transitions"]:
        assert {"event", "source", "dest", "roles"} <= set(transition)
        assert isinstance(transition["source"], list) and isinstance(transition["roles"], list)
    by_event = {t["event"]: t for t in body["transitions"]}
    assert by_event["shortlist"]["source"] == ["submitted"]
    assert by_event["shortlist"]["dest"] == "shortlisted"
    assert by_event["select"]["roles"] == ["jury", "staff"]
    assert by_event["submit"]["roles"] == ["team"]


def test_unknown_workflow_is_404(make_user, api):
    response = api(make_user("agent")).get("/api/v1/workflows/nope")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_workflow_list(make_user, api):
    body = api(make_user("agent")).get("/api/v1/workflows").get_json()
    assert "pau" in [w["name"] for w in body["items"]]


# --- calls --------------------------------------------------------------------------------------------

def call_payload(**overrides):
    now = datetime.now(UTC)
    payload = {"title": "Appel 2026", "workflow": "pau",
               "opens_at": iso(now - timedelta(days=1)), "closes_at": iso(now + timedelta(days=30))}
    payload.update(overrides)
    return payload


def test_staff_creates_a_call(make_user, api):
    client = api(make_user("staff"))
    payload = call_payload(description="Pour **tous** les agents.")
    response = client.post("/api/v1/calls", json=payload)
    assert response.status_code == 201
    body = response.get_json()
    assert isinstance(body["id"], int)
    assert body["title"] == "Appel 2026" and body["workflow"] == "pau" and body["status"] == "open"
    assert datetime.fromisoformat(body["opens_at"]) == datetime.fromisoformat(payload["opens_at"])
    db.session.expire_all()
    call = db.session.get(Call, body["id"])
    assert call is not None and call.title == "Appel 2026"
    assert client.get(f"/api/v1/calls/{body['id']}").get_json()["id"] == body["id"]


def test_a_time_without_offset_is_paris_time(make_user, api):
    response = api(make_user("staff")).post("/api/v1/calls", json=call_payload(
        opens_at="2026-03-01T09:00", closes_at="2026-04-01T18:00"))
    assert response.status_code == 201
    assert datetime.fromisoformat(response.get_json()["opens_at"]) == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_admin_creates_a_call_too(make_user, api):
    assert api(make_user("admin")).post("/api/v1/calls", json=call_payload()).status_code == 201


@pytest.mark.parametrize("role", ["agent", "coach", "jury"])
def test_only_the_programme_team_creates_calls(make_user, api, role):
    response = api(make_user(role)).post("/api/v1/calls", json=call_payload())
    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden"
    assert count(Call) == 0


@pytest.mark.parametrize(("overrides", "fields"), [
    ({"opens_at": "not a date"}, {"opens_at"}),
    ({"closes_at": "2026-13-45"}, {"closes_at"}),
    ({"opens_at": None, "closes_at": None}, {"opens_at", "closes_at"}),
    ({"opens_at": "2026-05-01T00:00:00+00:00", "closes_at": "2026-04-01T00:00:00+00:00"}, {"closes_at"}),
    ({"opens_at": "2026-05-01T00:00:00+00:00", "closes_at": "2026-05-01T00:00:00+00:00"}, {"closes_at"}),
    ({"title": ""}, {"title"}),
    ({"title": None}, {"title"}),
    ({"workflow": "nope"}, {"workflow"}),
], ids=["bad-opens", "bad-closes", "missing", "closes-before", "closes-same", "empty-title", "no-title",
        "unknown-workflow"])
def test_invalid_call_is_422_with_fields(make_user, api, overrides, fields):
    response = api(make_user("staff")).post("/api/v1/calls", json=call_payload(**overrides))
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid_data"
    assert fields <= set(body["fields"])
    assert count(Call) == 0


def test_calls_list_is_paginated(make_user, make_call, api):
    for _ in range(3):
        make_call()
    client = api(make_user("agent"))
    body = client.get("/api/v1/calls?per_page=2").get_json()
    assert PAGINATION <= set(body)
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (1, 2, 3, 2)
    assert len(body["items"]) == 2
    assert {"id", "title", "workflow", "opens_at", "closes_at"} <= set(body["items"][0])
    second = client.get("/api/v1/calls?per_page=2&page=2").get_json()
    assert len(second["items"]) == 1
    assert {c["id"] for c in body["items"]}.isdisjoint({c["id"] for c in second["items"]})
    assert client.get("/api/v1/calls?page=0").status_code == 400


def test_per_page_is_capped(make_user, api, app):
    body = api(make_user("agent")).get("/api/v1/calls?per_page=100000").get_json()
    assert body["per_page"] == app.config["API_MAX_PER_PAGE"]


# --- projects -----------------------------------------------------------------------------------------

def proposal(**overrides):
    payload = {"title": "Guichet unique", "problem": "Trois guichets pour une démarche.",
               "proposal": "Un seul guichet.", "team": []}
    payload.update(overrides)
    return payload


def test_agent_proposes_a_project(make_user, make_call, api):
    call = make_call()
    agent, teammate = make_user("agent"), make_user("agent")
    client = api(agent)
    response = client.post(f"/api/v1/calls/{call.id}/projects",
                           json=proposal(team=[teammate.email.upper()]))
    assert response.status_code == 201
    body = response.get_json()
    assert isinstance(body["id"], int)
    assert body["state"] == "draft" and body["call_id"] == call.id
    assert {m["email"] for m in body["team"]} == {agent.email, teammate.email}
    snap = committed(body["id"])
    assert snap.state == "draft"
    assert [(h[1], h[2], h[3], h[4]) for h in snap.history] == [("create", None, "draft", agent.id)]


def test_the_caller_is_on_the_team_even_when_not_listed(make_user, make_call, api):
    call = make_call()
    agent = make_user("agent")
    body = api(agent).post(f"/api/v1/calls/{call.id}/projects", json=proposal(team=[agent.email])).get_json()
    assert [m["email"] for m in body["team"]] == [agent.email]


def test_unknown_teammate_is_422_and_creates_nothing(make_user, make_call, api):
    call = make_call()
    response = api(make_user("agent")).post(f"/api/v1/calls/{call.id}/projects",
                                            json=proposal(team=["nobody@example.org"]))
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid_data" and "team" in body["fields"]
    assert count(Project) == 0 and count(ProjectEvent) == 0


def test_proposing_on_a_closed_call_is_409(make_user, make_call, api):
    call = make_call(open_=False)
    response = api(make_user("agent")).post(f"/api/v1/calls/{call.id}/projects", json=proposal())
    assert response.status_code == 409
    assert response.get_json()["error"]
    assert count(Project) == 0


def test_proposing_on_an_unknown_call_is_404(make_user, api):
    response = api(make_user("agent")).post("/api/v1/calls/999999/projects", json=proposal())
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["staff", "jury", "coach", "admin"])
def test_only_agents_propose(make_user, make_call, api, role):
    call = make_call()
    response = api(make_user(role)).post(f"/api/v1/calls/{call.id}/projects", json=proposal())
    assert response.status_code == 403
    assert count(Project) == 0


@pytest.mark.parametrize("payload", [
    proposal(title=""), proposal(title=None), proposal(team="someone@example.org"), proposal(answers=["x"]),
], ids=["empty-title", "no-title", "team-not-a-list", "answers-not-an-object"])
def test_invalid_proposal_is_422(make_user, make_call, api, payload):
    call = make_call()
    response = api(make_user("agent")).post(f"/api/v1/calls/{call.id}/projects", json=payload)
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid_data"
    assert count(Project) == 0


def test_project_shape_with_history(make_project, make_user, api):
    staff = make_user("staff")
    project = make_project("shortlisted")
    team = project.members[0].user
    body = api(staff).get(f"/api/v1/projects/{project.id}").get_json()
    assert {"id", "title", "state", "call_id", "team", "history"} <= set(body)
    assert body["id"] == project.id and body["state"] == "shortlisted" and body["call_id"] == project.call_id
    assert body["title"] == "Projet de test"
    assert [m["email"] for m in body["team"]] == [team.email]
    assert [h["event"] for h in body["history"]] == ["create", "submit", "shortlist"]
    for entry in body["history"]:
        assert {"event", "from", "to", "actor", "at", "comment"} <= set(entry)
        datetime.fromisoformat(entry["at"])
    assert body["history"][1]["from"] == "draft" and body["history"][1]["to"] == "submitted"
    assert body["history"][1]["actor"] == team.email
    assert body["history"][2]["actor"] == "path-staff@example.test"
    assert sorted(body["allowed_events"]) == ["ask_rework", "reject", "select"]


def test_team_sees_its_draft_another_agent_gets_404(make_project, make_user, api):
    project = make_project("draft")
    assert api(project.members[0].user).get(f"/api/v1/projects/{project.id}").status_code == 200
    other = api(make_user("agent"))
    response = other.get(f"/api/v1/projects/{project.id}")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Projet de test" not in body and "Un problème de terrain" not in body
    response = other.post(f"/api/v1/projects/{project.id}/events", json={"event": "withdraw"})
    assert response.status_code == 404
    response = other.patch(f"/api/v1/projects/{project.id}", json={"title": "Volé"})
    assert response.status_code == 404
    assert committed(project.id).state == "draft"


def test_call_projects_list_is_paginated_and_filtered(make_project, make_call, make_user, api):
    call = make_call()
    for state in ("submitted", "submitted", "shortlisted"):
        make_project(state, call=call)
    make_project("submitted")  # another call
    client = api(make_user("staff"))
    body = client.get(f"/api/v1/calls/{call.id}/projects?per_page=2").get_json()
    assert PAGINATION <= set(body)
    assert (body["total"], body["pages"], len(body["items"])) == (3, 2, 2)
    assert {"id", "title", "state", "call_id"} <= set(body["items"][0])
    assert all(p["call_id"] == call.id for p in body["items"])
    only = client.get(f"/api/v1/calls/{call.id}/projects?state=shortlisted").get_json()
    assert [p["state"] for p in only["items"]] == ["shortlisted"]


def test_projects_list_shows_only_what_the_caller_may_see(make_project, make_user, api):
    mine = make_project("draft")
    make_project("draft")
    body = api(mine.members[0].user).get("/api/v1/projects").get_json()
    assert [p["id"] for p in body["items"]] == [mine.id] and body["total"] == 1


def test_team_edits_its_draft_then_not_after_submission(make_project, api):
    project = make_project("draft")
    client = api(project.members[0].user)
    response = client.patch(f"/api/v1/projects/{project.id}", json={"title": "Nouveau titre"})
    assert response.status_code == 200 and response.get_json()["title"] == "Nouveau titre"
    client.post(f"/api/v1/projects/{project.id}/events", json={"event": "submit"})
    response = client.patch(f"/api/v1/projects/{project.id}", json={"title": "Trop tard"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Project, project.id).title == "Nouveau titre"


def test_staff_may_not_edit_a_proposal(make_project, make_user, api):
    project = make_project("submitted")
    response = api(make_user("staff")).patch(f"/api/v1/projects/{project.id}", json={"title": "Réécrit"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Project, project.id).title == "Projet de test"


def test_event_response_shape(make_project, make_user, api):
    project = make_project("submitted")
    response = api(make_user("staff")).post(f"/api/v1/projects/{project.id}/events",
                                            json={"event": "shortlist", "comment": "Bien."})
    assert response.status_code == 200
    assert response.get_json()["state"] == "shortlisted"


@pytest.mark.parametrize("answers", [["a list"], "text", 42])
def test_patch_with_answers_that_are_not_an_object_is_422(make_project, api, answers):
    project = make_project("draft")
    response = api(project.members[0].user).patch(f"/api/v1/projects/{project.id}", json={"answers": answers})
    assert response.status_code == 422
    assert "answers" in response.get_json()["fields"]


def test_patch_keeps_answers_not_sent(make_project, api):
    project = make_project("draft")
    client = api(project.members[0].user)
    response = client.patch(f"/api/v1/projects/{project.id}", json={"answers": {"evidence": "Une étude"}})
    assert response.status_code == 200
    assert response.get_json()["answers"] == {"affected": "Les habitants", "frequency": "Chaque jour",
                                              "evidence": "Une étude"}


@pytest.mark.parametrize("payload", [{"event": ["submit"]}, {"event": "submit", "comment": 12}, {"event": ""}])
def test_event_with_malformed_fields_is_422(make_project, api, payload):
    project = make_project("draft")
    before = committed(project.id)
    response = api(project.members[0].user).post(f"/api/v1/projects/{project.id}/events", json=payload)
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid_data"
    assert committed(project.id) == before
