"""The OpenAPI document of API v1: served without a token, valid, describing every route and nothing else;
schemathesis calls every operation it describes and checks the answers against it. Then the read
endpoints added with it (history, a project's scores, the funnel, an indicator and its values), the
pagination of every list, and who may read what."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.control import SkipTest
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from incubator.auth.operations import issue_token
from incubator.calls.operations import create_call
from incubator.extensions import db
from incubator.incubation import operations
from incubator.incubation.models import week_label
from incubator.incubation.periods import paris_date
from incubator.jury import operations as jury
from incubator.models import Call, Project, User
from incubator.notifications.service import notify
from incubator.workflows import fire
from tests.incubation_helpers import incubate

PREFIX = "/api/v1"
PAGINATION = {"items", "page", "per_page", "total", "pages"}
PDF = b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def document(client) -> dict:
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


# --- the document ---------------------------------------------------------------------------------------

def test_the_document_is_public_and_valid(client):
    doc = document(client)  # no Authorization header
    validate(doc)  # raises on an invalid OpenAPI document
    assert doc["openapi"].startswith("3.1")
    assert doc["servers"] == [{"url": PREFIX}]
    bearer = doc["components"]["securitySchemes"]["bearer"]
    assert (bearer["type"], bearer["scheme"]) == ("http", "bearer")
    assert doc["security"] == [{"bearer": []}]
    assert doc["paths"]["/openapi.json"]["get"]["security"] == []


def documented_operations(doc: dict) -> set[tuple[str, str]]:
    return {(method.upper(), PREFIX + path) for path, item in doc["paths"].items() for method in item}


def routed_operations(app) -> set[tuple[str, str]]:
    """Every (method, path) of the app under /api/v1, written as OpenAPI writes paths."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((method, path))
    return found


def test_every_route_is_documented_and_nothing_else(app, client):
    doc = document(client)
    routed, documented = routed_operations(app), documented_operations(doc)
    assert routed - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routed == set(), "operations documented without a route"


def test_every_operation_is_complete(client):
    """Path parameters as in the path, an id, a summary, the errors every call may get, pagination on
    every list (and only on lists), a JSON body schema on every write that takes one."""
    doc = document(client)
    schemas = doc["components"]["schemas"]
    ids = set()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            assert op["operationId"] not in ids
            ids.add(op["operationId"])
            assert op["summary"] and op["tags"]
            params = op.get("parameters", [])
            in_path = {p["name"] for p in params if p["in"] == "path"}
            assert in_path == set(re.findall(r"{([a-z_]+)}", path)), (method, path)
            responses = op["responses"]
            assert any(code.startswith("2") for code in responses)
            if path != "/openapi.json":
                assert "401" in responses
            if in_path:
                assert "404" in responses
            names = {p["name"] for p in params if p["in"] == "query"}
            success = next(r for code, r in responses.items() if code.startswith("2"))
            schema = success["content"].get("application/json", {}).get("schema", {})
            if "$ref" in schema:
                schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
            is_list = PAGINATION <= set(schema.get("required", ()))
            assert is_list == ({"page", "per_page"} <= names), (method, path)
            if names:
                assert "400" in responses, (method, path)
            if method in ("post", "put", "patch") and "requestBody" in op:
                assert {"400", "422"} & set(responses), (method, path)


def test_enumerations_come_from_the_workflows(client):
    schemas = document(client)["components"]["schemas"]
    assert {"submit", "shortlist", "select", "integrate"} <= set(schemas["Event"]["properties"]["event"]["enum"])
    assert {"continue", "graduate"} <= set(schemas["ReviewDecision"]["properties"]["event"]["enum"])
    assert "pau" in schemas["NewCall"]["properties"]["workflow"]["enum"]


# --- schemathesis: every operation answers as documented ------------------------------------------------

def this_monday():
    today = paris_date(datetime.now(UTC))
    return today - timedelta(days=today.weekday())


@dataclass
class World:
    """A small programme: an open call with a jury session of two shortlisted projects (both present jurors
    submitted their sheet for the first), a draft, three projects in startup mode (one with a full ledger,
    one to fire events at, one to decide reviews on), notifications; a token for each kind of caller."""

    call: Call
    session_id: int
    staff_id: int
    chair_id: int
    pitching: list[Project]
    draft: Project
    incubated: Project
    sandbox: Project
    reviewed: Project
    week: str
    tokens: dict[str, str]
    ids: dict[str, int] = field(default_factory=dict)

    def headers(self, who: str = "staff") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def build_world(make_user, make_call, make_project) -> World:
    from werkzeug.datastructures import FileStorage

    staff = make_user("staff", name="Équipe programme")
    call = make_call()
    pitching = [make_project("shortlisted", call=call, title=f"Projet présélectionné {i}") for i in range(2)]
    session = jury.create_session(call, title="Jury de juin", starts_at=datetime(2030, 6, 12, 14, tzinfo=UTC),
                                  place="Salle du conseil", share_scores=True,
                                  project_ids=[p.id for p in pitching])
    chair = jury.appoint_juror(session, make_user("jury", name="Présidente"), chair=True)
    member = jury.appoint_juror(session, make_user("jury", name="Juré"))
    criteria = jury.ensure_criteria(call)
    for juror, value in ((chair, 4), (member, 3)):
        jury.save_scores(juror, pitching[0], {c.id: value for c in criteria}, comment="Clair", submit=True)
    draft = make_project("draft", call=call, title="Brouillon")

    now = datetime.now(UTC)
    started = datetime.combine(this_monday() - timedelta(weeks=6), datetime.min.time(), UTC) + timedelta(hours=9)
    past = create_call(title="Appel de l'an dernier", opens_at=now - timedelta(days=300),
                       closes_at=now - timedelta(days=200))
    db.session.commit()
    main, sandbox, reviewed = (incubate(make_project, make_user, at=started, state="startup", title=title,
                                        call=past)
                               for title in ("Projet incubé", "Projet bac à sable", "Projet en revue"))
    project, coach = main.project, main.coach
    first = started.date()
    for n in range(3):
        operations.save_log(project, coach, first + timedelta(weeks=n), done=f"Semaine {n}", days_spent=2,
                            confidence=3)
    iteration = operations.save_iteration(project, coach, title="Checklist", hypothesis="Moins de dossiers",
                                          started_on=first)
    validation = operations.add_validation(project, coach, method="interviews", users_count=6, held_on=first,
                                           verdict="validated", iteration_id=iteration.id)
    indicator = operations.declare_indicator(project, coach, name="Dossiers complets", unit="%", target=90)
    operations.record_value(indicator, coach, measured_on=first, value=62)
    operations.record_value(indicator, coach, measured_on=first + timedelta(days=7), value=70)
    fire(project, "continue", staff, "On continue", at=started + timedelta(days=20))
    notify([staff], "log_missing", "openapi:test", params={"project": project.title, "week": "2030-W01"},
           project_id=project.id)
    db.session.commit()
    attachment, = operations.add_attachments(validation, coach, [FileStorage(io.BytesIO(PDF), "compte-rendu.pdf")])
    tokens = {"staff": issue_token(staff), "chair": issue_token(chair.user), "juror": issue_token(member.user),
              "agent": issue_token(make_user("agent")), "team": issue_token(draft.members[0].user)}
    db.session.commit()
    return World(call=call, session_id=session.id, staff_id=staff.id, chair_id=chair.user_id, pitching=pitching,
                 draft=draft, incubated=project, sandbox=sandbox.project, reviewed=reviewed.project,
                 week=week_label(first + timedelta(weeks=1)),
                 tokens=tokens, ids={"number": iteration.number, "validation_id": validation.id,
                                     "attachment_id": attachment.id, "indicator_id": indicator.id})


class FreshContext:
    """The app as WSGI, each request in an app context of its own (as the suite's test client does)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        with self.app.app_context():
            return self.app(environ, start_response)


@pytest.fixture
def world(app, make_user, make_call, make_project) -> World:
    return build_world(make_user, make_call, make_project)


def load_schema(app):
    """The served document as schemathesis sees it, its calls going through the app. (from_wsgi would
    leave out the operation that serves the document.)"""
    config = schemathesis.Config.from_dict({"generation": {"mode": "all"}})
    schema = schemathesis.openapi.from_dict(document(app.test_client()), config=config)
    schema.app = FreshContext(app)
    return schema


POSITIVE, NEGATIVE = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Examples per operation: reads vary little (pages, filters), writes are where data varies; a few
# invalid requests (negative mode) each, whose refusals must be documented too.
EXAMPLES = {(POSITIVE, "GET"): 3, (POSITIVE, "WRITE"): 6, (NEGATIVE, "GET"): 2, (NEGATIVE, "WRITE"): 3}


def fixed_path(world: World, operation) -> dict:
    """The path parameters of the world's rows: generated ids would only ever meet a 404."""
    # Events and reviews are fired at projects of their own: the ledger's project stays in incubation.
    project = {"/projects/{project_id}/events": world.sandbox,
               "/projects/{project_id}/reviews": world.reviewed}.get(operation.path, world.incubated)
    if operation.method.upper() == "GET":
        project = world.incubated
    fixed = {"call_id": world.call.id, "session_id": world.session_id, "week": world.week, **world.ids,
             "project_id": project.id}
    return {name: fixed[name] for name in re.findall(r"{([a-z_]+)}", operation.path) if name in fixed}


def generated_test(world: World, operation, mode: GenerationMode, statuses: dict[str, set[int]]):
    """A Hypothesis test calling `operation` with the requests schemathesis generates from the document:
    valid ones (positive mode) or ones the document says are invalid (negative mode)."""
    method = operation.method.upper()
    examples = EXAMPLES[mode, "GET" if method == "GET" else "WRITE"]

    @given(case=operation.as_strategy(mode, path_parameters=fixed_path(world, operation)))
    @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def call(case):
        response = case.call_and_validate(headers=world.headers(), checks=CHECKS)
        if mode is POSITIVE:
            statuses.setdefault(operation.label, set()).add(response.status_code)
            if method == "GET":
                assert response.status_code == 200, (case.formatted_path, case.query, response.text[:300])

    return call


def test_every_operation_answers_as_documented(app, world):
    """Schemathesis (its Python API, in this ordinary test: its pytest plugin does not run on this pytest)
    generates requests from the document for every operation, reads and writes, valid and invalid, as
    the programme team, and checks each answer: no server error, a documented status and content type, a
    body that matches the documented schema. A valid read of the world's rows succeeds (200)."""
    schema = load_schema(app)
    failures: list[str] = []
    statuses: dict[str, set[int]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (POSITIVE, NEGATIVE):
            try:
                generated_test(world, operation, mode, statuses)()
            except (SkipTest, Unsatisfiable):  # nothing in this operation can be made invalid
                assert mode is NEGATIVE
            except Exception as exc:  # noqa: BLE001 - every operation is tried, then all failures are told
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
    assert {tuple(label.split(" ")) for label in statuses} == {
        (method, path.removeprefix(PREFIX)) for method, path in documented_operations(schema.raw_schema)}


def happy_path(world: World) -> list[tuple[str, str, str, dict]]:
    """One request that succeeds per write, in an order where each can: (who, method, path, request)."""
    project, sandbox, reviewed = world.incubated.id, world.sandbox.id, world.reviewed.id
    session, (first, second) = world.session_id, world.pitching
    today = paris_date(datetime.now(UTC)).isoformat()
    iteration = {"title": "Checklist en ligne", "hypothesis": "Moins d'allers-retours",
                 "started_on": today}
    return [
        ("staff", "POST", "/calls", {"body": {"title": "Appel 2031", "workflow": "pau",
                                              "opens_at": "2031-01-05T09:00:00", "closes_at": "2031-03-01T18:00"}}),
        ("agent", "POST", "/calls/{call_id}/projects", {"path": {"call_id": world.call.id}, "body": {
            "title": "Guichet unique", "problem": "Trois guichets.", "proposal": "Un seul.", "team": [],
            "theme": "internal"}}),
        ("team", "PATCH", "/projects/{project_id}", {"path": {"project_id": world.draft.id},
                                                     "body": {"title": "Guichet unique, vraiment"}}),
        ("staff", "POST", "/projects/{project_id}/events", {"path": {"project_id": sandbox},
                                                            "body": {"event": "pause", "comment": "L'été"}}),
        ("staff", "POST", "/projects/{project_id}/reviews", {"path": {"project_id": reviewed},
                                                             "body": {"event": "continue", "comment": "Bien"}}),
        ("staff", "PUT", "/projects/{project_id}/logs/{week}", {
            "path": {"project_id": project, "week": week_label(this_monday() - timedelta(weeks=1))},
            "body": {"done": "Des entretiens", "days_spent": 2.5, "confidence": 4}}),
        ("staff", "PUT", "/projects/{project_id}/logs/{week}", {
            "path": {"project_id": project, "week": world.week},
            "body": {"done": "Réécrit", "days_spent": 1, "confidence": 2}}),
        ("staff", "POST", "/projects/{project_id}/iterations", {"path": {"project_id": project},
                                                               "body": iteration}),
        ("staff", "PATCH", "/projects/{project_id}/iterations/{number}", {
            "path": {"project_id": project, "number": 2},
            "body": {"decision": "pivot", "learning": "Le papier reste", "pivot_change": "Une borne"}}),
        ("staff", "POST", "/projects/{project_id}/validations", {"path": {"project_id": project}, "body": {
            "method": "survey", "users_count": 40, "held_on": today, "verdict": "mixed"}}),
        ("staff", "POST", "/projects/{project_id}/validations/{validation_id}/attachments", {
            "path": {"project_id": project, "validation_id": world.ids["validation_id"]},
            "body": {"files": [PDF]}, "media_type": "multipart/form-data"}),
        ("staff", "POST", "/projects/{project_id}/indicators", {"path": {"project_id": project},
                                                               "body": {"name": "Attente", "unit": "min"}}),
        ("staff", "POST", "/projects/{project_id}/indicators/{indicator_id}/values", {
            "path": {"project_id": project, "indicator_id": world.ids["indicator_id"]},
            "body": {"measured_on": today, "value": 75}}),
        ("staff", "POST", "/projects/{project_id}/indicators/{indicator_id}/values", {
            "path": {"project_id": project, "indicator_id": world.ids["indicator_id"]},
            "body": {"measured_on": today, "value": 76, "note": "Corrigé"}}),
        ("staff", "POST", "/notifications/read", {"body": {"all": True}}),
        ("juror", "POST", "/sessions/{session_id}/scores", {"path": {"session_id": session}, "body": {
            "project_id": second.id, "scores": {}, "comment": "À revoir", "submit": False}}),
        ("chair", "POST", "/sessions/{session_id}/conflicts", {"path": {"session_id": session}, "body": {
            "project_id": second.id, "reason": "Mon ancien service"}}),
        ("staff", "POST", "/sessions/{session_id}/decisions", {"path": {"session_id": session}, "body": {
            "project_id": first.id, "event": "select", "rationale": "Utile et prêt"}}),
        ("chair", "POST", "/sessions/{session_id}/close", {"path": {"session_id": session},
                                                          "body": {"notes": "Séance close"}}),
    ]


def test_every_write_succeeds_as_documented(app, world):
    """Each write once with a request that is accepted, by whoever may make it: the success is documented
    too (status, content type, body schema). The generated requests above mostly meet refusals."""
    schema = load_schema(app)
    done = set()
    for who, method, path, request in happy_path(world):
        operation = schema[path][method]
        case = operation.Case(path_parameters=request.get("path"), body=request["body"],
                              media_type=request.get("media_type"))
        response = case.call_and_validate(headers=world.headers(who), checks=CHECKS)
        assert 200 <= response.status_code < 300, (method, path, response.status_code, response.text[:500])
        done.add((method, PREFIX + path))
    writes = {(m, p) for m, p in documented_operations(schema.raw_schema) if m != "GET"}
    assert writes - done == set()


# --- pagination on every list, and the arguments no endpoint takes ---------------------------------------

def list_paths(client, world: World) -> list[str]:
    """Every documented list, its path filled in with the world's rows."""
    doc = document(client)
    values = {"call_id": world.call.id, "session_id": world.session_id, "week": world.week,
              "project_id": world.incubated.id, "name": "pau", **world.ids}
    found = []
    for path, item in doc["paths"].items():
        names = {p["name"] for p in item.get("get", {}).get("parameters", ()) if p["in"] == "query"}
        if {"page", "per_page"} <= names:
            found.append(PREFIX + re.sub(r"{([a-z_]+)}", lambda m: str(values[m.group(1)]), path))
    return found


def test_every_list_is_paginated_with_one_envelope(client, world):
    headers = world.headers()
    paths = list_paths(client, world)
    assert len(paths) >= 18
    for path in paths:
        body = client.get(f"{path}?per_page=1", headers=headers).get_json()
        assert PAGINATION <= set(body), path
        assert body["page"] == 1 and body["per_page"] == 1 and len(body["items"]) <= 1, path
        assert body["pages"] == body["total"], path  # one item a page
        beyond = client.get(f"{path}?page={body['pages'] + 1}&per_page=1", headers=headers).get_json()
        assert beyond["items"] == [] and beyond["total"] == body["total"], path


BAD_PAGES = ("page=0", "page=-1", "page=abc", "page=1.5", "page=", "page=%EF%BC%91", "page=1000000001",
             "per_page=0", "per_page=x", "per_page=-5")


def test_a_bad_page_is_a_json_400_on_every_list(client, world):
    for n, path in enumerate(list_paths(client, world)):
        for query in (BAD_PAGES * 2)[3 * n % len(BAD_PAGES):][:3]:  # three a list, each value several times
            response = client.get(f"{path}?{query}", headers=world.headers())
            assert response.status_code == 400, (path, query, response.status_code)
            assert response.get_json()["error"] == "bad_request"


def test_a_huge_per_page_is_capped_not_refused(app, client, world):
    body = client.get(f"{PREFIX}/projects?per_page={'9' * 40}", headers=world.headers()).get_json()
    assert body["per_page"] == app.config["API_MAX_PER_PAGE"]
    body = client.get(f"{PREFIX}/projects?page=0001&per_page=002", headers=world.headers()).get_json()
    assert (body["page"], body["per_page"]) == (1, 2)


@pytest.mark.parametrize("path", ["/projects/99999999999999999999", "/projects/2147483648/history",
                                  "/calls/9223372036854775808/funnel", "/sessions/2147483648/scores"])
def test_an_id_beyond_the_database_is_a_404(client, world, path):
    response = client.get(PREFIX + path, headers=world.headers())
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_ids_beyond_the_database_in_queries_and_bodies(client, world):
    headers = world.headers()
    response = client.get(f"{PREFIX}/sessions/{world.session_id}/scores?project_id=99999999999999999999",
                          headers=headers)
    assert response.status_code == 400
    response = client.post(f"{PREFIX}/notifications/read", json={"ids": [2**40, 0]}, headers=headers)
    assert response.status_code == 200 and response.get_json()["read"] == 0
    response = client.post(f"{PREFIX}/projects/{world.incubated.id}/validations", headers=headers, json={
        "method": "survey", "users_count": 3, "held_on": "2020-01-01", "verdict": "mixed", "iteration_id": 2**63})
    assert response.status_code == 422 and "iteration_id" in response.get_json()["fields"]
    response = client.post(f"{PREFIX}/sessions/{world.session_id}/decisions", headers=headers, json={
        "project_id": 2**70, "event": "select", "rationale": "x"})
    assert response.status_code == 422 and "project_id" in response.get_json()["fields"]


def test_text_no_database_stores_is_refused(client, world):
    headers = world.headers()
    response = client.get(f"{PREFIX}/projects?state=draft%00", headers=headers)
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"
    response = client.get(f"{PREFIX}/workflows/pa%00u", headers=headers)
    assert response.status_code == 404
    response = client.post(f"{PREFIX}/projects/{world.incubated.id}/indicators", headers=headers,
                           json={"name": "Nul\x00part"})
    assert response.status_code == 422 and set(response.get_json()["fields"]) == {"name"}
    response = client.post(f"{PREFIX}/projects/{world.incubated.id}/indicators", headers=headers,
                           data='{"name": "demi \\ud800 paire"}', content_type="application/json")
    assert response.status_code == 422 and set(response.get_json()["fields"]) == {"name"}


def test_a_call_time_at_the_edge_of_the_calendar_is_a_422(client, world):
    response = client.post(f"{PREFIX}/calls", headers=world.headers(), json={
        "title": "Très ancien", "opens_at": "0001-01-01T00:00:00", "closes_at": "9999-12-31T23:59:59-12:00"})
    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {"opens_at", "closes_at"}


def test_the_workflows_grid_and_scoreboard_are_pages_now(client, world):
    headers = world.headers()
    workflows = client.get(f"{PREFIX}/workflows?per_page=1", headers=headers).get_json()
    assert workflows["total"] >= 2 and len(workflows["items"]) == 1
    grid = client.get(f"{PREFIX}/calls/{world.call.id}/criteria?per_page=2", headers=headers).get_json()
    assert (grid["call_id"], grid["default"], grid["total"], len(grid["items"])) == (world.call.id, False, 3, 2)
    board = client.get(f"{PREFIX}/sessions/{world.session_id}/scoreboard?per_page=1&page=2",
                       headers=headers).get_json()
    assert (board["session_id"], board["total"], board["pages"]) == (world.session_id, 2, 2)
    assert [row["project_id"] for row in board["items"]] == [world.pitching[1].id]
    assert len(board["criteria"]) == 3


# --- a project's history --------------------------------------------------------------------------------

def test_history_is_paginated_oldest_first_as_in_the_project(client, world):
    headers = world.headers()
    inline = client.get(f"{PREFIX}/projects/{world.incubated.id}", headers=headers).get_json()["history"]
    pages = [client.get(f"{PREFIX}/projects/{world.incubated.id}/history?per_page=2&page={n}",
                        headers=headers).get_json() for n in (1, 2, 3, 4)]
    assert pages[0]["total"] == len(inline) >= 6
    assert [e for page in pages for e in page["items"]] == inline
    assert set(inline[0]) == {"id", "event", "from", "to", "actor", "at", "comment"}
    assert inline[0]["event"] == "create" and inline[-1]["event"] == "continue"


def test_who_reads_a_history(client, world, make_user, api):
    path = f"{PREFIX}/projects/{world.pitching[0].id}/history"
    team = world.pitching[0].members[0].user
    for user, status in ((team, 200), (make_user("jury"), 200), (make_user("agent"), 404),
                         (make_user("coach"), 404), (make_user("admin"), 200)):
        assert api(user).get(path).status_code == status, user.roles
    draft = f"{PREFIX}/projects/{world.draft.id}/history"
    assert api(make_user("jury")).get(draft).status_code == 404
    assert client.get(path).status_code == 401


def test_history_query_count_does_not_grow(client, world, count_queries):
    project = world.sandbox
    headers = world.headers()
    path = f"{PREFIX}/projects/{project.id}/history?per_page=100"
    client.get(path, headers=headers)
    with count_queries() as small:
        assert len(client.get(path, headers=headers).get_json()["items"]) < 10
    staff = db.session.get(User, world.staff_id)
    for _ in range(15):
        fire(project, "pause", staff, "Pause")
        fire(project, "resume", staff, "Reprise")
    db.session.commit()
    with count_queries() as large:
        assert len(client.get(path, headers=headers).get_json()["items"]) > 30
    assert large.count == small.count


# --- a project's pitches and scores ---------------------------------------------------------------------

def pitches(client, headers, project: Project) -> list[dict]:
    response = client.get(f"{PREFIX}/projects/{project.id}/scores", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_staff_read_the_submitted_sheets_of_a_project(client, world):
    first, second = world.pitching
    (pitch,) = pitches(client, world.headers(), first)
    assert (pitch["session_id"], pitch["title"], pitch["decision"]) == (world.session_id, "Jury de juin", None)
    assert sorted(s["scores"] and set(s["scores"].values()).pop() for s in pitch["sheets"]) == [3, 4]
    assert all(s["submitted"] for s in pitch["sheets"]) and pitch["criterion_means"] == []
    assert pitches(client, world.headers(), second)[0]["sheets"] == []
    assert pitches(client, world.headers(), world.incubated) == []


def test_a_juror_reads_the_others_only_once_their_own_sheet_is_in(client, world, api):
    first, second = world.pitching
    juror = world.headers("juror")
    client.post(f"{PREFIX}/sessions/{world.session_id}/scores", headers=juror,
                json={"project_id": second.id, "scores": {}, "comment": "Brouillon", "submit": False})
    chair = world.headers("chair")
    client.post(f"{PREFIX}/sessions/{world.session_id}/scores", headers=chair, json={
        "project_id": second.id, "scores": {str(c["id"]): 5 for c in client.get(
            f"{PREFIX}/calls/{world.call.id}/criteria", headers=chair).get_json()["items"]}, "submit": True})
    # The juror's draft on the second project: theirs only, not the chair's submitted sheet.
    (pitch,) = pitches(client, juror, second)
    assert [(s["juror_id"], s["submitted"]) for s in pitch["sheets"]] == [(pitch["sheets"][0]["juror_id"], False)]
    assert pitch["sheets"][0]["comment"] == "Brouillon"
    # Both submitted on the first: each reads both.
    assert len(pitches(client, juror, first)[0]["sheets"]) == 2
    # The chair submitted on the second: the juror's draft stays private.
    assert [s["submitted"] for s in pitches(client, chair, second)[0]["sheets"]] == [True]


def test_a_recused_juror_reads_no_sheet_of_that_project(client, world):
    first, second = world.pitching
    chair = world.headers("chair")
    assert client.post(f"{PREFIX}/sessions/{world.session_id}/conflicts", headers=chair,
                       json={"project_id": second.id, "reason": "Mon ancien service"}).status_code == 201
    juror = world.headers("juror")
    client.post(f"{PREFIX}/sessions/{world.session_id}/scores", headers=juror, json={
        "project_id": second.id, "scores": {str(c["id"]): 2 for c in client.get(
            f"{PREFIX}/calls/{world.call.id}/criteria", headers=juror).get_json()["items"]}, "submit": True})
    assert pitches(client, chair, second)[0]["sheets"] == []


def test_the_team_reads_the_decision_and_shared_averages_never_sheets(client, world, api):
    first = world.pitching[0]
    team = api(first.members[0].user)
    before = team.get(f"{PREFIX}/projects/{first.id}/scores").get_json()["items"][0]
    assert (before["sheets"], before["criterion_means"], before["decision"]) == ([], [], None)
    staff = world.headers()
    assert client.post(f"{PREFIX}/sessions/{world.session_id}/decisions", headers=staff, json={
        "project_id": first.id, "event": "select", "rationale": "Utile"}).status_code == 200
    decided = team.get(f"{PREFIX}/projects/{first.id}/scores").get_json()["items"][0]
    assert decided["decision"]["event"] == "select" and decided["decision"]["rationale"] == "Utile"
    assert decided["criterion_means"] == []  # not before the deliberation is closed
    assert client.post(f"{PREFIX}/sessions/{world.session_id}/close", headers=staff).status_code == 200
    closed = team.get(f"{PREFIX}/projects/{first.id}/scores").get_json()["items"][0]
    assert [m["mean"] for m in closed["criterion_means"]] == [3.5, 3.5, 3.5] and closed["sheets"] == []


def test_who_reads_a_project_scores(world, make_user, api):
    path = f"{PREFIX}/projects/{world.pitching[0].id}/scores"
    outsider_jury = api(make_user("jury")).get(path)
    assert outsider_jury.status_code == 200 and outsider_jury.get_json()["items"][0]["sheets"] == []
    assert api(make_user("agent")).get(path).status_code == 404
    assert api(make_user("coach")).get(path).status_code == 404
    assert len(api(make_user("admin")).get(path).get_json()["items"][0]["sheets"]) == 2


def test_project_scores_query_count_does_not_grow(client, world, count_queries, make_user):
    project = world.pitching[0]
    path = f"{PREFIX}/projects/{project.id}/scores?per_page=100"
    headers = world.headers("chair")
    client.get(path, headers=headers)
    with count_queries() as small:
        assert len(client.get(path, headers=headers).get_json()["items"]) == 1
    chair = db.session.get(User, world.chair_id)
    for n in range(4):
        session = jury.create_session(world.call, title=f"Séance {n}", project_ids=[project.id],
                                      starts_at=datetime(2030, 7, 1 + n, 14, tzinfo=UTC), share_scores=True)
        juror = jury.appoint_juror(session, chair, chair=True)
        for _ in range(3):
            jury.appoint_juror(session, make_user("jury"))
        jury.save_scores(juror, project, {c.id: 3 for c in jury.ensure_criteria(world.call)}, submit=True)
        session.closed_at = datetime(2030, 7, 2 + n, tzinfo=UTC)
    db.session.commit()
    with count_queries() as large:
        items = client.get(path, headers=headers).get_json()["items"]
    assert len(items) == 5 and all(item["sheets"] for item in items) and items[-1]["criterion_means"]
    assert large.count == small.count + 1  # the shared averages: one more query, however many sessions


# --- the funnel -----------------------------------------------------------------------------------------

def steps(funnel: dict) -> dict[str, int]:
    return {step["name"]: step["count"] for step in funnel["steps"]}


def test_the_funnel_of_a_call_and_of_every_call(client, world):
    headers = world.headers()
    one = client.get(f"{PREFIX}/calls/{world.call.id}/funnel", headers=headers).get_json()
    assert (one["call_id"], one["workflow"]) == (world.call.id, "pau")
    assert steps(one) == {"submitted": 2, "shortlisted": 2, "selected": 0, "pre_incubation": 0, "startup": 0,
                          "outcome": 0}
    assert one["steps"][0]["label"] == "Candidatures déposées"
    english = client.get(f"{PREFIX}/calls/{world.call.id}/funnel?lang=en", headers=headers).get_json()
    assert english["steps"][0]["label"] == "Submitted"
    every = client.get(f"{PREFIX}/funnel?per_page=1", headers=headers).get_json()
    assert every["total"] == 2 and every["items"] == [one]  # the open call is the newest
    past = client.get(f"{PREFIX}/funnel?per_page=1&page=2", headers=headers).get_json()["items"][0]
    assert steps(past)["startup"] == 3 and steps(past)["selected"] == 3
    assert client.get(f"{PREFIX}/funnel?lang=de", headers=headers).status_code == 400
    assert client.get(f"{PREFIX}/calls/{2**31 - 1}/funnel", headers=headers).status_code == 404


def test_who_reads_the_funnel(world, make_user, api):
    first = world.pitching[0]
    for role, status in (("staff", 200), ("admin", 200), ("jury", 200), ("agent", 403), ("coach", 403)):
        for path in (f"{PREFIX}/funnel", f"{PREFIX}/calls/{world.call.id}/funnel"):
            response = api(make_user(role)).get(path)
            assert response.status_code == status, (role, path)
            if status == 403:
                assert response.get_json()["error"] == "forbidden"
    # A team member (an agent) sees no funnel, not even of their own projects.
    assert api(first.members[0].user).get(f"{PREFIX}/funnel").status_code == 403


def test_the_jury_counts_only_what_it_may_see(world, make_user, make_project, api):
    make_project("submitted", call=world.call)  # not shortlisted: hidden from the jury
    jury_view = api(make_user("jury")).get(f"{PREFIX}/calls/{world.call.id}/funnel").get_json()
    staff_view = api(make_user("staff")).get(f"{PREFIX}/calls/{world.call.id}/funnel").get_json()
    assert steps(staff_view)["submitted"] == 3 and steps(jury_view)["submitted"] == 2


def test_funnel_query_count_does_not_grow(client, world, count_queries, make_call, make_project):
    headers = world.headers()
    client.get(f"{PREFIX}/funnel?per_page=100", headers=headers)
    with count_queries() as small:
        assert client.get(f"{PREFIX}/funnel?per_page=100", headers=headers).get_json()["total"] == 2
    for _ in range(5):
        call = make_call()
        make_project("shortlisted", call=call)
    with count_queries() as large:
        assert client.get(f"{PREFIX}/funnel?per_page=100", headers=headers).get_json()["total"] == 7
    assert large.count == small.count


# --- an indicator and its values ------------------------------------------------------------------------

def test_an_indicator_and_its_values(client, world, make_user, api):
    project, indicator = world.incubated.id, world.ids["indicator_id"]
    headers = world.headers()
    one = client.get(f"{PREFIX}/projects/{project}/indicators/{indicator}", headers=headers).get_json()
    assert (one["name"], [v["value"] for v in one["values"]]) == ("Dossiers complets", [62, 70])
    values = client.get(f"{PREFIX}/projects/{project}/indicators/{indicator}/values?per_page=1&page=2",
                        headers=headers).get_json()
    assert (values["indicator_id"], values["total"], [v["value"] for v in values["items"]]) == (indicator, 2, [70])
    # Another project's indicator is not found through this project.
    assert client.get(f"{PREFIX}/projects/{world.sandbox.id}/indicators/{indicator}",
                      headers=headers).status_code == 404
    assert client.get(f"{PREFIX}/projects/{world.sandbox.id}/indicators/{indicator}/values",
                      headers=headers).status_code == 404
    for role, status in (("jury", 200), ("agent", 404), ("coach", 404)):
        assert api(make_user(role)).get(f"{PREFIX}/projects/{project}/indicators/{indicator}/values"
                                        ).status_code == status, role


# --- a project's theme ----------------------------------------------------------------------------------

def test_the_theme_is_read_kept_and_changed_through_the_api(world, api):
    draft = world.draft
    team = api(draft.members[0].user)
    path = f"{PREFIX}/projects/{draft.id}"
    assert team.patch(path, json={"theme": "housing"}).get_json()["theme"] == "housing"
    assert team.patch(path, json={"title": "Autre titre"}).get_json()["theme"] == "housing"  # absent: kept
    refused = team.patch(path, json={"theme": "astrology"})
    assert refused.status_code == 422 and set(refused.get_json()["fields"]) == {"theme"}
    assert team.patch(path, json={"theme": None}).get_json()["theme"] is None
    listed = team.get(f"{PREFIX}/projects").get_json()["items"]
    assert [(p["id"], p["theme"]) for p in listed] == [(draft.id, None)]
