"""The incubation ledger through API v1: logs, iterations, evidence and files, indicators, phase reviews,
the evidence summary and notifications; who may read and write, the error codes, query counts."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from incubator.calls.operations import create_call
from incubator.extensions import db
from incubator.incubation.models import (
    Attachment,
    Indicator,
    IndicatorValue,
    Iteration,
    PhaseReview,
    Validation,
    WeeklyLog,
    week_label,
)
from incubator.incubation.periods import paris_date
from incubator.models import Project, ProjectEvent
from incubator.notifications.service import notify
from incubator.workflows import fire
from tests.helpers import committed
from tests.incubation_helpers import Incubating, incubate

PAGINATION = {"items", "page", "per_page", "total", "pages"}
PDF = b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
WEEKS_AGO = 8


def this_monday():
    today = paris_date(datetime.now(UTC))
    return today - timedelta(days=today.weekday())


def weeks_ago(n: int) -> datetime:
    """The Monday `n` weeks back, 10:00 in Paris."""
    monday = this_monday() - timedelta(weeks=n)
    return datetime(monday.year, monday.month, monday.day, 9, 0, tzinfo=UTC)


STARTED = weeks_ago(WEEKS_AGO)


def started_recently(make_project, make_user, *, state: str = "pre_incubation", title: str = "Projet incubé"):
    """A project incubated for a few weeks, up to now: the ledger takes weeks that are over."""
    now = datetime.now(UTC)
    call = create_call(title="Appel de l'an dernier", opens_at=now - timedelta(days=300),
                       closes_at=now - timedelta(days=200))
    db.session.commit()
    return incubate(make_project, make_user, at=STARTED, state=state, title=title, call=call)


@pytest.fixture
def inc(make_project, make_user) -> Incubating:
    return started_recently(make_project, make_user)


def url(inc: Incubating, tail: str = "") -> str:
    return f"/api/v1/projects/{inc.project.id}{tail}"


def week(n_after_start: int = 0) -> str:
    return week_label(STARTED.date() + timedelta(weeks=n_after_start))


def put(client, path: str, json) -> object:
    return client.client.put(path, json=json, headers=client._headers())


def fields(response) -> dict:
    assert response.status_code == 422, (response.status_code, response.get_json())
    body = response.get_json()
    assert body["error"] in ("invalid_data", "guard_failed")
    return body["fields"]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def uploaded_files(app) -> int:
    from pathlib import Path

    return sum(1 for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file())


LOG = {"done": "Entretiens avec l'accueil", "learnt": "Les files d'attente viennent des dossiers incomplets",
       "blockers": "", "next_steps": "Tester une checklist", "days_spent": 2.5, "confidence": 4}
ITERATION = {"title": "Checklist papier", "hypothesis": "Une checklist réduit les dossiers incomplets",
             "started_on": STARTED.date().isoformat()}


def validation_body(**extra) -> dict:
    return {"method": "interviews", "users_count": 6, "held_on": STARTED.date().isoformat(),
            "verdict": "validated", "notes": "Six usagers au guichet", **extra}


# --- weekly logs ----------------------------------------------------------------------------------------

def test_the_coach_writes_a_week_and_rewrites_it_then_the_team_adds(inc, api):
    coach, member = api(inc.coach), api(inc.team[0])
    created = put(coach, url(inc, f"/logs/{week(0)}"), LOG)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["week"] == week(0) and body["week_start"] == STARTED.date().isoformat()
    assert body["author"] == inc.coach.email and body["updated_by"] == inc.coach.email
    assert (body["done"], body["days_spent"], body["confidence"]) == (LOG["done"], 2.5, 4)
    assert datetime.fromisoformat(body["created_at"]).tzinfo is not None

    again = put(member, url(inc, f"/logs/{week(0)}"), {**LOG, "team_note": "On ajoute : 3 jours", "days_spent": 3})
    assert again.status_code == 200, again.get_json()
    body = again.get_json()
    assert body["id"] == created.get_json()["id"] and body["team_note"] == "On ajoute : 3 jours"
    assert body["author"] == inc.coach.email and body["updated_by"] == inc.team[0].email
    assert body["created_at"] == created.get_json()["created_at"]
    assert count(WeeklyLog) == 1

    assert put(coach, url(inc, f"/logs/{week(1)}"), LOG).status_code == 201
    listing = member.get(url(inc, "/logs"))
    assert listing.status_code == 200
    body = listing.get_json()
    assert PAGINATION <= set(body) and body["total"] == 2
    assert [item["week"] for item in body["items"]] == [week(1), week(0)]  # newest first
    assert set(body["items"][0]) >= {"week", "week_start", "done", "learnt", "blockers", "next_steps",
                                     "team_note", "days_spent", "confidence", "author", "updated_by",
                                     "created_at", "updated_at"}
    # Weeks 2 to 7 are over and have no log; the current week is not missing yet.
    assert body["missing_weeks"] == [week(n) for n in range(2, WEEKS_AGO)]

    detail = member.get(url(inc, f"/logs/{week(1)}"))
    assert detail.status_code == 200 and detail.get_json()["week"] == week(1)
    assert member.get(url(inc, f"/logs/{week(2)}")).status_code == 404


@pytest.mark.parametrize("bad", ["2026-47", "2026-W60", "2026-W5", "2026-w05", "latest"])
def test_a_malformed_week_is_a_404(inc, api, bad):
    coach = api(inc.coach)
    assert coach.get(url(inc, f"/logs/{bad}")).status_code == 404
    response = put(coach, url(inc, f"/logs/{bad}"), LOG)
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    assert count(WeeklyLog) == 0


@pytest.mark.parametrize("body, field", [
    ({**LOG, "done": "  "}, "done"),
    ({**LOG, "confidence": 7}, "confidence"),
    ({**LOG, "confidence": True}, "confidence"),
    ({**LOG, "confidence": None}, "confidence"),
    ({**LOG, "days_spent": "beaucoup"}, "days_spent"),
    ({**LOG, "days_spent": -1}, "days_spent"),
    ({**LOG, "learnt": ["a", "b"]}, "learnt"),
])
def test_an_invalid_log_is_a_422_naming_the_field(inc, api, body, field):
    response = put(api(inc.coach), url(inc, f"/logs/{week(0)}"), body)
    assert field in fields(response)
    assert count(WeeklyLog) == 0


def test_a_log_outside_incubation_or_in_the_future_names_the_week(inc, api):
    coach = api(inc.coach)
    before = week_label(STARTED.date() - timedelta(weeks=1))
    after = week_label(this_monday() + timedelta(weeks=1))
    assert "week" in fields(put(coach, url(inc, f"/logs/{before}"), LOG))
    assert "week" in fields(put(coach, url(inc, f"/logs/{after}"), LOG))
    response = put(coach, url(inc, f"/logs/{week(0)}"), ["not", "an", "object"])
    assert response.status_code == 400
    assert count(WeeklyLog) == 0


# --- who reads and who writes ---------------------------------------------------------------------------

READS = ["/logs", "/iterations", "/validations", "/indicators", "/reviews", "/summary"]


def writes(inc):
    return [
        ("put", f"/logs/{week(0)}", LOG),
        ("post", "/iterations", ITERATION),
        ("post", "/validations", validation_body()),
        ("post", "/indicators", {"name": "Dossiers complets", "unit": "%", "target": 80}),
    ]


def caller(who: str, inc: Incubating, make_user):
    return {
        "team": lambda: inc.team[1], "coach": lambda: inc.coach, "staff": lambda: inc.staff,
        "admin": lambda: make_user("admin"), "jury": lambda: make_user("jury"),
        "other_coach": lambda: make_user("coach"), "other_agent": lambda: make_user("agent"),
    }[who]()


@pytest.mark.parametrize("who, read, write", [
    ("team", 200, 201), ("coach", 200, 201), ("staff", 200, 201), ("admin", 200, 201),
    ("jury", 200, 403), ("other_coach", 404, 404), ("other_agent", 404, 404),
])
def test_who_reads_and_writes_the_ledger(inc, api, make_user, who, read, write):
    client = api(caller(who, inc, make_user))
    for tail in READS:
        response = client.get(url(inc, tail))
        assert response.status_code == read, (tail, response.get_json())
    for method, tail, body in writes(inc):
        response = put(client, url(inc, tail), body) if method == "put" else client.post(url(inc, tail), json=body)
        assert response.status_code == write, (tail, response.get_json())
        assert response.mimetype == "application/json"
    expected = 1 if write == 201 else 0
    assert (count(WeeklyLog), count(Iteration), count(Validation), count(Indicator)) == (expected,) * 4


def test_without_a_token_every_endpoint_is_a_401(inc, client):
    for tail in READS + [f"/logs/{week(0)}", "/iterations/1", "/validations/1"]:
        assert client.get(url(inc, tail)).status_code == 401
    assert client.put(url(inc, f"/logs/{week(0)}"), json=LOG).status_code == 401
    assert client.post(url(inc, "/reviews"), json={"event": "continue"}).status_code == 401
    assert client.get("/api/v1/notifications").status_code == 401
    assert client.post("/api/v1/notifications/read", json={"all": True}).status_code == 401


def test_a_project_out_of_incubation_is_read_only_409(inc, api, make_user):
    put(api(inc.coach), url(inc, f"/logs/{week(0)}"), LOG)
    iteration = api(inc.coach).post(url(inc, "/iterations"), json=ITERATION).get_json()
    validation = api(inc.coach).post(url(inc, "/validations"), json=validation_body()).get_json()
    indicator = api(inc.coach).post(url(inc, "/indicators"), json={"name": "Dossiers"}).get_json()
    fire(inc.project, "abandon", inc.staff, "Le service porte déjà une solution")
    db.session.commit()
    before = (count(WeeklyLog), count(Iteration), count(Validation), count(Indicator), count(IndicatorValue))
    for user in (inc.team[0], inc.coach, inc.staff, make_user("jury")):
        client = api(user)
        for method, tail, body in [
            ("put", f"/logs/{week(0)}", LOG), ("put", f"/logs/{week(1)}", LOG),
            ("post", "/iterations", ITERATION), ("patch", f"/iterations/{iteration['number']}", {"result": "x"}),
            ("post", "/validations", validation_body()), ("post", "/indicators", {"name": "Autre"}),
            ("post", f"/indicators/{indicator['id']}/values", {"measured_on": "2030-01-01", "value": 1}),
        ]:
            response = getattr(client, method)(url(inc, tail), json=body) if method != "put" else put(
                client, url(inc, tail), body)
            assert response.status_code == 409, (user.email, tail, response.get_json())
            assert response.get_json()["error"] == "conflict"
        upload = client.post(url(inc, f"/validations/{validation['id']}/attachments"),
                             data={"files": (io.BytesIO(PDF), "compte-rendu.pdf")})
        assert upload.status_code == 409
        assert client.get(url(inc, "/logs")).status_code == 200
    after = (count(WeeklyLog), count(Iteration), count(Validation), count(Indicator), count(IndicatorValue))
    assert before == after and count(Attachment) == 0


# --- iterations -----------------------------------------------------------------------------------------

def test_iterations_are_numbered_and_patched_field_by_field(inc, api):
    coach = api(inc.coach)
    first = coach.post(url(inc, "/iterations"), json={**ITERATION, "users_count": 12, "audience": "Accueil"})
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["number"] == 1 and body["author"] == inc.coach.email and body["decision"] is None
    assert body["started_on"] == STARTED.date().isoformat() and body["ended_on"] is None
    second = coach.post(url(inc, "/iterations"), json={**ITERATION, "title": "Checklist en ligne"})
    assert second.get_json()["number"] == 2

    pivot = {"result": "30 % de dossiers incomplets en moins", "learning": "Le papier se perd",
             "decision": "pivot"}
    assert "pivot_change" in fields(api(inc.team[0]).patch(url(inc, "/iterations/1"), json=pivot))
    patched = api(inc.team[0]).patch(url(inc, "/iterations/1"),
                                     json={**pivot, "pivot_change": "La checklist passe en ligne",
                                           "ended_on": (STARTED.date() + timedelta(days=14)).isoformat()})
    assert patched.status_code == 200, patched.get_json()
    body = patched.get_json()
    assert body["title"] == ITERATION["title"] and body["audience"] == "Accueil" and body["users_count"] == 12
    assert (body["decision"], body["pivot_change"]) == ("pivot", "La checklist passe en ligne")
    assert body["decided_by"] == inc.team[0].email and body["decided_at"]

    listing = coach.get(url(inc, "/iterations")).get_json()
    assert PAGINATION <= set(listing) and [i["number"] for i in listing["items"]] == [1, 2]
    assert coach.get(url(inc, "/iterations/2")).get_json()["title"] == "Checklist en ligne"
    assert coach.get(url(inc, "/iterations/3")).status_code == 404
    assert coach.patch(url(inc, "/iterations/3"), json={"result": "x"}).status_code == 404


@pytest.mark.parametrize("body, field", [
    ({**ITERATION, "title": ""}, "title"),
    ({k: v for k, v in ITERATION.items() if k != "hypothesis"}, "hypothesis"),
    ({**ITERATION, "started_on": "demain"}, "started_on"),
    ({**ITERATION, "started_on": 20300101}, "started_on"),
    ({**ITERATION, "users_count": "douze"}, "users_count"),
    ({**ITERATION, "decision": "maybe", "learning": "x"}, "decision"),
    ({**ITERATION, "decision": "stop"}, "learning"),
    ({**ITERATION, "ended_on": "2000-01-01"}, "ended_on"),
])
def test_an_invalid_iteration_is_a_422(inc, api, body, field):
    assert field in fields(api(inc.coach).post(url(inc, "/iterations"), json=body))
    assert count(Iteration) == 0


def test_a_patch_that_empties_a_required_field_changes_nothing(inc, api):
    coach = api(inc.coach)
    coach.post(url(inc, "/iterations"), json=ITERATION)
    assert "hypothesis" in fields(coach.patch(url(inc, "/iterations/1"), json={"hypothesis": ""}))
    db.session.expire_all()
    assert db.session.scalar(select(Iteration.hypothesis)) == ITERATION["hypothesis"]


# --- evidence and its files -----------------------------------------------------------------------------

def test_evidence_with_files_uploaded_then_downloaded(inc, api, make_user):
    coach = api(inc.coach)
    iteration = coach.post(url(inc, "/iterations"), json=ITERATION).get_json()
    created = coach.post(url(inc, "/validations"), json=validation_body(iteration_id=iteration["id"]))
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["method"], body["users_count"], body["verdict"]) == ("interviews", 6, "validated")
    assert (body["iteration_id"], body["iteration"], body["attachments"]) == (iteration["id"], 1, [])
    vid = body["id"]

    upload = api(inc.team[0]).post(url(inc, f"/validations/{vid}/attachments"), data={
        "files": [(io.BytesIO(PDF), "compte-rendu été.pdf"), (io.BytesIO(PNG), "photo.png")]})
    assert upload.status_code == 201, upload.get_json()
    attachments = upload.get_json()["attachments"]
    assert [(a["filename"], a["content_type"], a["size"]) for a in attachments] == [
        ("compte-rendu été.pdf", "application/pdf", len(PDF)), ("photo.png", "image/png", len(PNG))]

    reader = api(make_user("jury"))
    download = reader.get(attachments[0]["url"])
    assert download.status_code == 200
    assert download.data == PDF and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''compte-rendu%20%C3%A9t%C3%A9.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert "no-store" in download.headers["Cache-Control"]

    listing = reader.get(url(inc, "/validations")).get_json()
    assert listing["total"] == 1 and len(listing["items"][0]["attachments"]) == 2
    assert reader.get(url(inc, f"/validations/{vid}")).get_json()["attachments"] == attachments
    # The jury reads the evidence, it does not add to it.
    assert reader.post(url(inc, f"/validations/{vid}/attachments"),
                       data={"files": (io.BytesIO(PDF), "b.pdf")}).status_code == 403


@pytest.mark.parametrize("files", [
    [(io.BytesIO(b"MZ\x90\x00 not a document"), "outil.exe")],
    [(io.BytesIO(b"<html><script>alert(1)</script>"), "piege.pdf")],
    [(io.BytesIO(PDF), "bon.pdf"), (io.BytesIO(b"GIF89a"), "image.gif")],
    [(io.BytesIO(b""), "vide.pdf")],
], ids=["exe", "html-as-pdf", "one-good-one-bad", "empty"])
def test_a_refused_file_is_a_422_and_nothing_is_stored(inc, api, app, files):
    coach = api(inc.coach)
    vid = coach.post(url(inc, "/validations"), json=validation_body()).get_json()["id"]
    stored = uploaded_files(app)
    response = coach.post(url(inc, f"/validations/{vid}/attachments"), data={"files": files})
    assert set(fields(response)) == {"files"}
    assert count(Attachment) == 0 and uploaded_files(app) == stored


def test_an_upload_without_files_is_a_422(inc, api):
    coach = api(inc.coach)
    vid = coach.post(url(inc, "/validations"), json=validation_body()).get_json()["id"]
    assert "files" in fields(coach.post(url(inc, f"/validations/{vid}/attachments"), data={}))
    assert "files" in fields(coach.post(url(inc, f"/validations/{vid}/attachments"), json={"files": []}))


def test_files_and_evidence_of_another_project_are_404(inc, api, make_project, make_user, app):
    other = started_recently(make_project, make_user, title="Autre projet")
    mine = api(inc.coach).post(url(inc, "/validations"), json=validation_body()).get_json()["id"]
    api(inc.coach).post(url(inc, f"/validations/{mine}/attachments"), data={"files": (io.BytesIO(PDF), "a.pdf")})
    attachment = db.session.scalar(select(Attachment.id))
    theirs = api(other.coach)
    # Through their own project's URL, my evidence does not exist; through mine, they see nothing.
    assert theirs.get(url(other, f"/validations/{mine}")).status_code == 404
    assert theirs.get(url(other, f"/validations/{mine}/attachments/{attachment}")).status_code == 404
    assert theirs.post(url(other, f"/validations/{mine}/attachments"),
                       data={"files": (io.BytesIO(PDF), "b.pdf")}).status_code == 404
    assert theirs.get(url(inc, f"/validations/{mine}/attachments/{attachment}")).status_code == 404
    assert api(inc.coach).get(url(inc, f"/validations/{mine}/attachments/{attachment + 1}")).status_code == 404
    assert count(Attachment) == 1


@pytest.mark.parametrize("body, field", [
    (validation_body(method="phone"), "method"),
    (validation_body(verdict="great"), "verdict"),
    (validation_body(users_count=None), "users_count"),
    (validation_body(users_count=True), "users_count"),
    (validation_body(held_on="2999-01-01"), "held_on"),
    (validation_body(iteration_id=999999), "iteration_id"),
    (validation_body(notes=12), "notes"),
])
def test_invalid_evidence_is_a_422(inc, api, body, field):
    assert field in fields(api(inc.coach).post(url(inc, "/validations"), json=body))
    assert count(Validation) == 0


# --- indicators -----------------------------------------------------------------------------------------

def test_indicators_and_their_values(inc, api):
    member = api(inc.team[0])
    created = member.post(url(inc, "/indicators"), json={"name": "Dossiers complets", "unit": "%", "target": 80,
                                                        "description": "Part des dossiers complets au dépôt"})
    assert created.status_code == 201, created.get_json()
    indicator = created.get_json()
    assert (indicator["name"], indicator["unit"], indicator["target"], indicator["values"]) == (
        "Dossiers complets", "%", 80, [])
    assert "name" in fields(member.post(url(inc, "/indicators"), json={"name": "Dossiers complets"}))
    assert "target" in fields(member.post(url(inc, "/indicators"), json={"name": "Autre", "target": "haut"}))

    values = url(inc, f"/indicators/{indicator['id']}/values")
    day = STARTED.date().isoformat()
    first = member.post(values, json={"measured_on": day, "value": 42, "note": "Premier relevé"})
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["value"] == 42 and first.get_json()["measured_on"] == day
    replaced = api(inc.coach).post(values, json={"measured_on": day, "value": 45})
    assert replaced.status_code == 200 and replaced.get_json()["value"] == 45
    later = (STARTED.date() + timedelta(days=7)).isoformat()
    assert member.post(values, json={"measured_on": later, "value": "51.5"}).status_code == 201
    assert "value" in fields(member.post(values, json={"measured_on": later, "value": "beaucoup"}))
    assert "measured_on" in fields(member.post(values, json={"measured_on": "2999-01-01", "value": 1}))
    assert member.post(url(inc, "/indicators/999999/values"), json={"measured_on": day, "value": 1}).status_code == 404

    listing = member.get(url(inc, "/indicators")).get_json()
    assert PAGINATION <= set(listing) and listing["total"] == 1
    assert [(v["measured_on"], v["value"]) for v in listing["items"][0]["values"]] == [(day, 45), (later, 51.5)]
    assert count(IndicatorValue) == 2


# --- phase reviews and the summary ----------------------------------------------------------------------

def test_a_review_that_continues_moves_the_due_date_a_phase_later(inc, api):
    due_before = inc.project.review_due_at
    reviews = api(inc.staff).get(url(inc, "/reviews")).get_json()
    assert reviews["items"] == [] and reviews["state"] == "pre_incubation"
    assert datetime.fromisoformat(reviews["next_review_due_at"]) == due_before
    assert reviews["clock_stopped_at"] is None
    assert set(reviews["review_events"]) == {"graduate", "continue", "pause", "abandon"}
    assert api(inc.team[0]).get(url(inc, "/reviews")).get_json()["review_events"] == []

    response = api(inc.staff).post(url(inc, "/reviews"), json={"event": "continue",
                                                              "comment": "Encore trois mois de tests"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    decided = datetime.fromisoformat(body["at"])
    assert (body["state"], body["event"], body["phase"]) == ("pre_incubation", "continue", "pre_incubation")
    assert datetime.fromisoformat(body["next_review_due_at"]) == decided + relativedelta(months=3)
    review = body["review"]
    assert (review["phase"], review["decision"], review["decided_by"]) == ("pre_incubation", "continue",
                                                                          inc.staff.email)
    assert datetime.fromisoformat(review["due_at"]) == due_before
    assert review["comment"] == "Encore trois mois de tests" and "validations" in review["summary"]

    listing = api(inc.team[0]).get(url(inc, "/reviews")).get_json()
    assert PAGINATION <= set(listing) and listing["total"] == 1
    assert listing["items"][0] == review
    assert datetime.fromisoformat(listing["next_review_due_at"]) == decided + relativedelta(months=3)
    assert committed(inc.project.id).review_due_at == decided + relativedelta(months=3)


def test_review_refusals_map_like_events(inc, api, make_user):
    staff = api(inc.staff)
    history = len(committed(inc.project.id).history)
    assert "event" in fields(staff.post(url(inc, "/reviews"), json={"comment": "x"}))
    refused = staff.post(url(inc, "/reviews"), json={"event": "resume"})
    assert "event" in fields(refused) and "continue" in refused.get_json()["fields"]["event"]
    assert "event" in fields(staff.post(url(inc, "/reviews"), json={"event": "nonsense"}))
    no_comment = staff.post(url(inc, "/reviews"), json={"event": "continue"})
    assert no_comment.get_json()["error"] == "guard_failed" and "comment" in fields(no_comment)
    forbidden = api(inc.team[0]).post(url(inc, "/reviews"), json={"event": "continue", "comment": "x"})
    assert forbidden.status_code == 403 and forbidden.get_json()["error"] == "forbidden"
    assert api(inc.coach).post(url(inc, "/reviews"), json={"event": "graduate"}).status_code == 403
    wrong_state = staff.post(url(inc, "/reviews"), json={"event": "integrate", "comment": "x",
                                                        "taken_over_by": "DRH"})
    assert wrong_state.status_code == 409 and wrong_state.get_json()["error"] == "invalid_transition"
    assert api(make_user("agent")).post(url(inc, "/reviews"), json={"event": "continue"}).status_code == 404
    assert len(committed(inc.project.id).history) == history and count(PhaseReview) == 0
    # The jury decides reviews too.
    jury = api(make_user("jury")).post(url(inc, "/reviews"), json={"event": "graduate", "comment": "Prêt"})
    assert jury.status_code == 201 and jury.get_json()["state"] == "startup"


def test_integrating_needs_who_takes_over(make_project, make_user, api):
    inc = started_recently(make_project, make_user, state="startup")
    staff = api(inc.staff)
    before = committed(inc.project.id)
    refused = staff.post(url(inc, "/reviews"), json={"event": "integrate", "comment": "Le service reprend"})
    assert "taken_over_by" in fields(refused)
    assert refused.get_json()["error"] == "guard_failed"
    assert committed(inc.project.id) == before and count(PhaseReview) == 1  # graduating was a review

    done = staff.post(url(inc, "/reviews"), json={"event": "integrate", "comment": "Le service reprend",
                                                 "taken_over_by": "Direction de la relation usagers"})
    assert done.status_code == 201, done.get_json()
    body = done.get_json()
    assert (body["state"], body["taken_over_by"]) == ("integrated", "Direction de la relation usagers")
    assert body["next_review_due_at"] is None and body["review"]["phase"] == "startup"
    db.session.expire_all()
    assert db.session.get(Project, inc.project.id).taken_over_by == "Direction de la relation usagers"
    again = staff.post(url(inc, "/reviews"), json={"event": "abandon", "comment": "x"})
    assert again.status_code == 409


def test_the_evidence_summary(inc, api):
    coach = api(inc.coach)
    put(coach, url(inc, f"/logs/{week(0)}"), LOG)
    coach.post(url(inc, "/validations"), json=validation_body())
    summary = api(inc.team[0]).get(url(inc, "/summary"))
    assert summary.status_code == 200
    body = summary.get_json()
    assert body["validations"]["count"] == 1 and body["validations"]["users"] == 6
    assert body["logs"]["written"] == 1 and body["logs"]["missing"] == WEEKS_AGO - 1


# --- notifications --------------------------------------------------------------------------------------

def test_notifications_are_listed_in_the_readers_language_and_marked_read(inc, api, make_user):
    member = api(inc.team[0])
    # Reaching incubation already told the team; start from a clean inbox.
    earlier = member.post("/api/v1/notifications/read", json={"all": True}).get_json()
    assert earlier["read"] >= 1 and earlier["unread"] == 0
    api(inc.staff).post(url(inc, "/reviews"), json={"event": "continue", "comment": "Encore un trimestre"})
    notify([inc.team[0]], "log_missing", "test:log", params={"project": inc.project.title, "week": week(1),
                                                            "monday": STARTED.date().isoformat()},
           link=f"/projects/{inc.project.id}", project_id=inc.project.id)
    db.session.commit()
    inbox = member.get("/api/v1/notifications?unread=true")
    assert inbox.status_code == 200
    body = inbox.get_json()
    assert PAGINATION <= set(body) and body["total"] == 2 and body["unread"] == 2
    kinds = {item["kind"]: item for item in body["items"]}
    assert set(kinds) == {"state_changed", "log_missing"}
    changed = kinds["state_changed"]
    assert "Pré-incubation" in changed["title"] and "Encore un trimestre" in changed["body"]
    assert changed["link"] and changed["read_at"] is None and datetime.fromisoformat(changed["created_at"])
    assert set(changed) >= {"id", "kind", "title", "body", "link", "created_at", "read_at"}
    english = member.get("/api/v1/notifications?unread=true&lang=en").get_json()
    assert any(i["title"].endswith("is now: Pre-incubation") for i in english["items"])
    assert member.get("/api/v1/notifications?lang=de").status_code == 400
    everything = member.get("/api/v1/notifications").get_json()
    assert everything["total"] == 2 + earlier["read"] and everything["items"][0]["read_at"] is None  # newest first

    assert api(make_user("agent")).get("/api/v1/notifications").get_json()["total"] == 0
    # Someone else's id is left alone.
    read = api(inc.coach).post("/api/v1/notifications/read", json={"ids": [kinds["log_missing"]["id"]]})
    assert read.status_code == 200 and read.get_json()["read"] == 0

    read = member.post("/api/v1/notifications/read", json={"ids": [kinds["log_missing"]["id"]]})
    assert read.get_json() == {"read": 1, "unread": 1}
    unread = member.get("/api/v1/notifications?unread=true").get_json()
    assert [i["kind"] for i in unread["items"]] == ["state_changed"] and unread["unread"] == 1
    seen = member.get("/api/v1/notifications?unread=false").get_json()
    assert "log_missing" in [i["kind"] for i in seen["items"]] and all(i["read_at"] for i in seen["items"])

    assert "ids" in fields(member.post("/api/v1/notifications/read", json={"ids": "all"}))
    assert "ids" in fields(member.post("/api/v1/notifications/read", json={"ids": [True]}))
    assert "ids" in fields(member.post("/api/v1/notifications/read", json={}))
    assert "all" in fields(member.post("/api/v1/notifications/read", json={"all": "yes"}))
    assert member.post("/api/v1/notifications/read", json={"all": True}).get_json() == {"read": 1, "unread": 0}
    # The coach's own notification of the review is still unread.
    coach = api(inc.coach).get("/api/v1/notifications?unread=1").get_json()
    assert "state_changed" in [i["kind"] for i in coach["items"]]


# --- query counts ---------------------------------------------------------------------------------------

def fill(inc: Incubating, n: int) -> None:
    """n rows of everything a list shows, written directly (the operations are tested above)."""
    project = inc.project
    event = db.session.scalar(select(ProjectEvent).where(ProjectEvent.project_id == project.id)
                              .order_by(ProjectEvent.id.desc()).limit(1))
    first = STARTED.date() - timedelta(weeks=n)
    for i in range(n):
        day = first + timedelta(weeks=i)
        db.session.add(WeeklyLog(project_id=project.id, week_start=day, done="x", days_spent=1, confidence=3,
                                 author_id=inc.coach.id, updated_by_id=inc.team[0].id))
        iteration = Iteration(project_id=project.id, number=i + 1, title=f"It {i}", hypothesis="h", started_on=day,
                              author_id=inc.coach.id, decision="persevere", learning="l",
                              decided_by_id=inc.staff.id, decided_at=STARTED)
        validation = Validation(project_id=project.id, iteration=iteration, method="survey", users_count=3,
                                held_on=day, verdict="mixed", author_id=inc.team[0].id)
        validation.attachments.append(Attachment(filename="a.pdf", storage_key=f"{project.id:04d}{i:028d}",
                                                 content_type="application/pdf", size=1, sha256="0" * 64))
        indicator = Indicator(project_id=project.id, name=f"Indicateur {i}")
        indicator.values = [IndicatorValue(measured_on=day, value=i), IndicatorValue(measured_on=STARTED.date(),
                                                                                     value=1)]
        db.session.add_all([iteration, validation, indicator])
        db.session.add(PhaseReview(project_id=project.id, phase="pre_incubation", due_at=STARTED,
                                   decided_at=STARTED, decision="continue", event_id=event.id,
                                   decided_by_id=inc.staff.id, summary={}))
    db.session.flush()
    for user in (inc.team[0],):
        for i in range(n):
            notify([user], "log_missing", f"fill:{project.id}:{i}", params={"project": project.title},
                   project_id=project.id)
    db.session.commit()


def test_list_queries_do_not_grow_with_rows(make_project, make_user, api, count_queries):
    small = started_recently(make_project, make_user, title="Petit")
    large = started_recently(make_project, make_user, title="Grand")
    fill(small, 3)
    fill(large, 30)
    counts = {}
    for inc, n in ((small, 3), (large, 30)):
        client = api(inc.team[0])
        client.get("/api/v1/me")  # the token's first use is written once
        for tail in ["/logs", "/iterations", "/validations", "/indicators", "/reviews"]:
            with count_queries() as counter:
                response = client.get(url(inc, tail) + "?per_page=100")
            assert response.status_code == 200 and response.get_json()["total"] == n, tail
            counts.setdefault(tail, []).append(counter.count)
        with count_queries() as counter:
            response = client.get("/api/v1/notifications?per_page=100")
        assert response.get_json()["total"] >= n  # and what reaching incubation sent
        counts.setdefault("notifications", []).append(counter.count)
    assert all(small == large for small, large in counts.values()), counts
