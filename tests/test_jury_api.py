"""The jury day through API v1: sessions, the grid, scores, conflicts, the scoreboard, decisions, closing;
who may do what, and the error codes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from incubator.extensions import db
from incubator.jury import operations as jury
from incubator.jury.models import Conflict, PitchSession, PitchSlot, ScoreSheet
from incubator.models import Project
from tests.jury_helpers import STARTS, Day, build_day, bulk_session

PAGINATION = {"items", "page", "per_page", "total", "pages"}


@pytest.fixture
def day(make_user, make_call, make_project) -> Day:
    return build_day(make_user, make_call, make_project)


def url(day: Day, tail: str = "") -> str:
    return f"/api/v1/sessions/{day.session.id}{tail}"


def sheet_body(day: Day, project: Project, value=4, *, submit: bool = True, **extra) -> dict:
    return {"project_id": project.id, "scores": {str(c.id): value for c in day.criteria},
            "comment": "Clair et utile.", "submit": submit, **extra}


def fields(response) -> set[str]:
    assert response.status_code == 422, (response.status_code, response.get_json())
    body = response.get_json()
    assert body["error"] == "invalid_data"
    return set(body["fields"])


def sheets() -> int:
    return db.session.scalar(select(func.count(ScoreSheet.id)))


# --- sessions -------------------------------------------------------------------------------------------

def test_a_call_lists_its_sessions_to_staff_and_to_their_jurors(day, make_user, api):
    other = jury.create_session(day.call, title="Séance de rattrapage", starts_at=STARTS + timedelta(days=7))
    db.session.commit()
    staff = api(day.staff).get(f"/api/v1/calls/{day.call.id}/sessions?per_page=1")
    assert staff.status_code == 200
    body = staff.get_json()
    assert PAGINATION <= set(body) and (body["total"], body["pages"]) == (2, 2)
    item = body["items"][0]
    assert item["id"] == day.session.id and item["title"] == "Jury de juin"
    assert {"starts_at", "place", "coaching", "minutes_per_pitch", "share_scores", "closed_at"} <= set(item)
    assert datetime.fromisoformat(item["starts_at"]) == STARTS
    admin = api(make_user("admin")).get(f"/api/v1/calls/{day.call.id}/sessions").get_json()
    assert admin["total"] == 2
    juror = api(day.members[0].user).get(f"/api/v1/calls/{day.call.id}/sessions").get_json()
    assert [s["id"] for s in juror["items"]] == [day.session.id]
    for outsider in (make_user("jury"), day.projects[0].members[0].user):
        assert api(outsider).get(f"/api/v1/calls/{day.call.id}/sessions").get_json()["total"] == 0
    assert other.id not in [s["id"] for s in juror["items"]]
    assert api(day.staff).get("/api/v1/calls/999999/sessions").status_code == 404


def test_session_details(day, make_user, api):
    pool = [make_user("agent", service=f"Direction {i}") for i in range(4)]
    draw = jury.draw_jurors(day.session, 1, day.staff, seed="graine-2019")
    drawn = next(j for j in day.session.jurors if j.draw is draw)
    replacement = jury.replace_juror(drawn, day.staff)
    jury.declare_conflict(day.members[0], day.projects[1], "Ancienne collègue")
    db.session.commit()
    body = api(day.members[0].user).get(url(day)).get_json()
    assert body["id"] == day.session.id and body["call_id"] == day.call.id and body["workflow"] == "pau"
    assert body["place"] == "Salle du conseil" and body["minutes_per_pitch"] == 15
    assert body["coaching"] == {"at": None, "place": ""} and body["share_scores"] is False
    assert body["closed_at"] is None
    order = body["running_order"]
    assert [s["project_id"] for s in order] == [p.id for p in day.projects]
    assert [s["position"] for s in order] == [1, 2]
    assert [datetime.fromisoformat(s["planned_at"]) for s in order] == [STARTS, STARTS + timedelta(minutes=15)]
    assert order[0]["title"] == "Projet 0" and order[0]["state"] == "shortlisted" and order[0]["decision"] is None
    jurors = {j["email"]: j for j in body["jurors"]}
    assert jurors[day.chair.user.email]["chair"] is True and jurors[day.chair.user.email]["kind"] == "appointed"
    assert jurors[drawn.user.email]["kind"] == "drawn" and jurors[drawn.user.email]["absent"] is True
    stand_in = jurors[replacement.user.email]
    assert (stand_in["kind"], stand_in["replaces"]) == ("replacement", drawn.user.email)
    assert stand_in["draw_id"] == replacement.draw_id and stand_in["chair"] is False
    assert len(body["draws"]) == 2
    first = body["draws"][0]
    assert first["seed"] == "graine-2019" and first["pool"] == sorted(u.id for u in pool)
    assert first["drawn"] == [drawn.user_id] and first["size"] == 1 and first["purpose"] == "jury"
    assert first["drawn_by"] == day.staff.email and datetime.fromisoformat(first["drawn_at"])
    assert first["rerun"] == {"drawn": first["drawn"], "matches": True}
    assert "sha256" in first["method"]
    assert body["draws"][1]["purpose"] == "replacement" and body["draws"][1]["rerun"]["matches"]
    assert body["conflicts"] == [{"juror": day.members[0].user.email, "juror_id": day.members[0].id,
                                  "project_id": day.projects[1].id, "reason": "Ancienne collègue",
                                  "declared_at": body["conflicts"][0]["declared_at"]}]


def test_a_session_is_shown_to_staff_and_its_jurors_only(day, make_user, api):
    for user in (day.staff, make_user("admin"), day.chair.user, day.members[1].user):
        assert api(user).get(url(day)).status_code == 200
    for user in (make_user("jury"), make_user("agent"), make_user("coach"), day.projects[0].members[0].user):
        response = api(user).get(url(day))
        assert response.status_code == 404
        assert response.get_json()["error"] == "not_found"
        assert "Salle du conseil" not in response.get_data(as_text=True)
    assert api(day.staff).get("/api/v1/sessions/999999").status_code == 404


# --- the grid -------------------------------------------------------------------------------------------

def test_the_grid_of_a_call(day, make_call, make_user, api):
    client = api(make_user("agent"))
    body = client.get(f"/api/v1/calls/{day.call.id}/criteria").get_json()
    assert body["call_id"] == day.call.id and body["default"] is False
    assert [c["id"] for c in body["items"]] == [c.id for c in day.criteria]
    assert {"name", "description", "weight", "scale_min", "scale_max", "position"} <= set(body["items"][0])
    fresh = client.get(f"/api/v1/calls/{make_call().id}/criteria").get_json()
    assert fresh["default"] is True and len(fresh["items"]) == 3
    assert all(c["id"] is None and c["weight"] == 1 and (c["scale_min"], c["scale_max"]) == (1, 5)
               for c in fresh["items"])
    assert client.get("/api/v1/calls/999999/criteria").status_code == 404


# --- scoring --------------------------------------------------------------------------------------------

def test_a_juror_records_and_submits_a_sheet(day, api):
    client = api(day.members[0].user)
    p0 = day.projects[0]
    draft = client.post(url(day, "/scores"), json=sheet_body(day, p0, 3, submit=False))
    assert draft.status_code == 200
    body = draft.get_json()
    assert body["submitted"] is False and body["submitted_at"] is None
    assert body["project_id"] == p0.id and body["juror"] == day.members[0].user.email
    assert body["scores"] == {str(c.id): 3 for c in day.criteria} and body["comment"] == "Clair et utile."
    final = client.post(url(day, "/scores"), json=sheet_body(day, p0, 5)).get_json()
    assert final["submitted"] is True and final["id"] == body["id"]
    assert final["scores"] == {str(c.id): 5 for c in day.criteria}
    db.session.expire_all()
    sheet = db.session.get(ScoreSheet, body["id"])
    assert sheet.submitted_at is not None and {s.value for s in sheet.scores} == {5}


def test_only_the_session_jurors_score(day, make_user, api):
    p0 = day.projects[0]
    response = api(day.staff).post(url(day, "/scores"), json=sheet_body(day, p0))
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"
    assert api(make_user("jury")).post(url(day, "/scores"), json=sheet_body(day, p0)).status_code == 404
    assert api(day.chair.user).post("/api/v1/sessions/999999/scores", json=sheet_body(day, p0)).status_code == 404
    assert sheets() == 0


@pytest.mark.parametrize(("value", "why"), [(6, "above"), (0, "below"), (3.5, "fraction"), ("beaucoup", "text"),
                                            (True, "bool"), (None, "missing")])
def test_bad_values_are_422_with_the_criterion_field(day, api, value, why):
    c0 = day.criteria[0]
    payload = sheet_body(day, day.projects[0])
    payload["scores"][str(c0.id)] = value
    response = api(day.chair.user).post(url(day, "/scores"), json=payload)
    assert fields(response) == {f"scores.{c0.id}"}, why
    assert sheets() == 0


def test_a_submitted_sheet_needs_every_criterion(day, api):
    c0, c1, c2 = day.criteria
    client = api(day.chair.user)
    payload = {"project_id": day.projects[0].id, "scores": {str(c0.id): 4}, "submit": True}
    assert fields(client.post(url(day, "/scores"), json=payload)) == {f"scores.{c1.id}", f"scores.{c2.id}"}
    payload["submit"] = False
    assert client.post(url(day, "/scores"), json=payload).status_code == 200


@pytest.mark.parametrize(("change", "field"), [
    ({"project_id": None}, "project_id"),
    ({"project_id": "1"}, "project_id"),
    ({"project_id": 999999}, "project_id"),
    ({"submit": "oui"}, "submit"),
    ({"comment": 12}, "comment"),
    ({"scores": [4, 4, 4]}, "scores"),
    ({"scores": {"relevance": 4}}, "scores.relevance"),
    ({"scores": {"999999": 4}}, "scores"),
], ids=["no-project", "project-as-text", "unknown-project", "submit-not-bool", "comment-not-text",
        "scores-not-object", "key-not-an-id", "unknown-criterion"])
def test_malformed_score_bodies_are_422(day, api, change, field):
    response = api(day.chair.user).post(url(day, "/scores"), json={**sheet_body(day, day.projects[0]), **change})
    assert field in fields(response)
    assert sheets() == 0


def test_a_project_of_another_session_is_422(day, api, make_project):
    stranger = make_project("shortlisted", call=day.call)
    response = api(day.chair.user).post(url(day, "/scores"), json=sheet_body(day, stranger))
    assert fields(response) == {"project_id"}


def test_a_body_that_is_not_a_json_object_is_400(day, api):
    client = api(day.chair.user)
    response = client.post(url(day, "/scores"), data="project_id=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"


def test_a_recused_or_absent_juror_score_is_403(day, api):
    recused, absent = day.members
    jury.declare_conflict(recused, day.projects[0], "Mon ancien adjoint")
    jury.mark_absent(absent, "Empêché")
    db.session.commit()
    for juror in (recused, absent):
        response = api(juror.user).post(url(day, "/scores"), json=sheet_body(day, day.projects[0]))
        assert response.status_code == 403 and response.get_json()["error"] == "forbidden"
    assert api(recused.user).post(url(day, "/scores"), json=sheet_body(day, day.projects[1])).status_code == 200
    assert sheets() == 1


def test_scores_are_frozen_once_closed_409(day, api):
    client = api(day.members[0].user)
    p0 = day.projects[0]
    sheet_id = client.post(url(day, "/scores"), json=sheet_body(day, p0, 2)).get_json()["id"]
    jury.close_deliberation(day.session, day.staff, "Fin")
    db.session.commit()
    response = client.post(url(day, "/scores"), json=sheet_body(day, p0, 5, comment="Changé"))
    assert response.status_code == 409 and response.get_json()["error"] == "conflict"
    assert client.post(url(day, "/scores"), json=sheet_body(day, day.projects[1], 5)).status_code == 409
    db.session.expire_all()
    sheet = db.session.get(ScoreSheet, sheet_id)
    assert sheet.comment == "Clair et utile." and {s.value for s in sheet.scores} == {2}
    assert sheets() == 1


# --- reading the scores ---------------------------------------------------------------------------------

def test_a_juror_reads_others_scores_only_after_submitting_their_own(day, api):
    p0, p1 = day.projects
    chair, member = api(day.chair.user), api(day.members[0].user)
    chair.post(url(day, "/scores"), json=sheet_body(day, p0, 5))
    chair.post(url(day, "/scores"), json=sheet_body(day, p1, 5))
    member.post(url(day, "/scores"), json=sheet_body(day, p0, 2, submit=False))

    body = member.get(url(day, "/scores")).get_json()
    assert PAGINATION <= set(body)
    assert [(s["juror"], s["project_id"], s["submitted"]) for s in body["items"]] == [
        (day.members[0].user.email, p0.id, False)]  # only their own draft
    assert "5" not in {str(v) for s in body["items"] for v in s["scores"].values()}

    member.post(url(day, "/scores"), json=sheet_body(day, p0, 2))
    body = member.get(url(day, "/scores")).get_json()
    assert sorted((s["juror"], s["project_id"]) for s in body["items"]) == sorted([
        (day.chair.user.email, p0.id), (day.members[0].user.email, p0.id)])  # not the chair's p1
    chair_sheet = next(s for s in body["items"] if s["juror"] == day.chair.user.email)
    assert chair_sheet["scores"] == {str(c.id): 5 for c in day.criteria}
    filtered = member.get(url(day, f"/scores?project_id={p1.id}")).get_json()
    assert filtered["items"] == [] and filtered["total"] == 0


def test_drafts_stay_private_and_staff_read_the_submitted_sheets(day, make_user, api):
    p0 = day.projects[0]
    api(day.chair.user).post(url(day, "/scores"), json=sheet_body(day, p0, 5))
    api(day.members[0].user).post(url(day, "/scores"), json=sheet_body(day, p0, 3, submit=False))
    api(day.members[1].user).post(url(day, "/scores"), json=sheet_body(day, p0, 4))
    staff = api(day.staff).get(url(day, "/scores")).get_json()
    assert sorted(s["juror"] for s in staff["items"]) == sorted([day.chair.user.email, day.members[1].user.email])
    chair = api(day.chair.user).get(url(day, f"/scores?project_id={p0.id}")).get_json()
    assert day.members[0].user.email not in {s["juror"] for s in chair["items"]}
    assert api(make_user("jury")).get(url(day, "/scores")).status_code == 404


def test_a_recused_juror_does_not_read_that_project_scores(day, api):
    p0 = day.projects[0]
    api(day.chair.user).post(url(day, "/scores"), json=sheet_body(day, p0, 5))
    recused = day.members[0]
    assert api(recused.user).post(url(day, "/conflicts"), json={"project_id": p0.id,
                                                                "reason": "Mon frère"}).status_code == 201
    assert api(recused.user).get(url(day, "/scores")).get_json()["items"] == []


# --- conflicts of interest ------------------------------------------------------------------------------

def test_a_juror_declares_a_conflict_which_deletes_their_sheet(day, api):
    juror = day.members[0]
    client = api(juror.user)
    p0 = day.projects[0]
    client.post(url(day, "/scores"), json=sheet_body(day, p0, 5))
    assert sheets() == 1
    response = client.post(url(day, "/conflicts"), json={"project_id": p0.id, "reason": "Ma cousine"})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["juror"], body["project_id"], body["reason"]) == (juror.user.email, p0.id, "Ma cousine")
    assert isinstance(body["id"], int) and datetime.fromisoformat(body["declared_at"])
    assert sheets() == 0
    assert client.post(url(day, "/scores"), json=sheet_body(day, p0)).status_code == 403
    again = client.post(url(day, "/conflicts"), json={"project_id": p0.id, "reason": "Encore"})
    assert fields(again) == {"project_id"}


def test_conflict_errors(day, make_user, make_project, api):
    juror = api(day.members[0].user)
    p0 = day.projects[0]
    assert fields(juror.post(url(day, "/conflicts"), json={"project_id": p0.id})) == {"reason"}
    assert fields(juror.post(url(day, "/conflicts"), json={"project_id": p0.id, "reason": " "})) == {"reason"}
    assert "reason" in fields(juror.post(url(day, "/conflicts"), json={"project_id": p0.id, "reason": 3}))
    assert fields(juror.post(url(day, "/conflicts"), json={"reason": "x"})) == {"project_id"}
    stranger = make_project("shortlisted", call=day.call)
    assert fields(juror.post(url(day, "/conflicts"), json={"project_id": stranger.id, "reason": "x"})) == {
        "project_id"}
    body = {"project_id": p0.id, "reason": "Lien"}
    assert api(day.staff).post(url(day, "/conflicts"), json=body).status_code == 403
    assert api(make_user("jury")).post(url(day, "/conflicts"), json=body).status_code == 404
    jury.close_deliberation(day.session, day.staff)
    db.session.commit()
    assert juror.post(url(day, "/conflicts"), json=body).status_code == 409
    assert db.session.scalar(select(func.count(Conflict.id))) == 0


# --- the scoreboard -------------------------------------------------------------------------------------

def score_everything(day: Day, api) -> None:
    values = {day.chair.id: 5, day.members[0].id: 4, day.members[1].id: 3}
    for juror in day.jurors:
        client = api(juror.user)
        for project in day.projects:
            assert client.post(url(day, "/scores"), json=sheet_body(day, project, values[juror.id])).status_code == 200


def test_the_scoreboard_for_staff(day, api):
    jury.declare_conflict(day.members[1], day.projects[1], "Même direction")
    db.session.commit()
    api(day.chair.user).post(url(day, "/scores"), json=sheet_body(day, day.projects[0], 5))
    api(day.members[0].user).post(url(day, "/scores"), json=sheet_body(day, day.projects[0], 2))
    api(day.members[0].user).post(url(day, "/scores"), json=sheet_body(day, day.projects[1], 3))
    response = api(day.staff).get(url(day, "/scoreboard"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["session_id"] == day.session.id and [c["id"] for c in body["criteria"]] == [c.id for c in day.criteria]
    first, second = body["items"]
    assert {"project_id", "title", "rank", "mean", "spread", "stdev", "sheets", "expected", "criterion_means",
            "disagreement", "recusals", "missing", "visible", "decision"} <= set(first)
    assert (first["project_id"], first["mean"], first["spread"], first["stdev"]) == (day.projects[0].id, 3.5, 3, 1.5)
    assert (first["sheets"], first["expected"], first["rank"], first["visible"]) == (2, 3, 1, True)
    assert first["criterion_means"] == {str(c.id): 3.5 for c in day.criteria}
    assert first["disagreement"] is True and first["recusals"] == []
    assert first["missing"] == [day.members[1].user.email]
    assert (second["mean"], second["rank"], second["sheets"], second["expected"]) == (3.0, 2, 1, 2)
    assert second["disagreement"] is False
    assert second["recusals"] == [{"juror": day.members[1].user.email, "reason": "Même direction"}]
    assert second["missing"] == [day.chair.user.email]


def test_the_scoreboard_for_the_chair_hides_what_they_have_not_scored(day, api):
    p0, p1 = day.projects
    for juror in day.members:
        for project in day.projects:
            api(juror.user).post(url(day, "/scores"), json=sheet_body(day, project, 3))
    chair = api(day.chair.user)
    chair.post(url(day, "/scores"), json=sheet_body(day, p0, 5))
    shown, hidden = chair.get(url(day, "/scoreboard")).get_json()["items"]
    assert shown["visible"] is True and shown["mean"] == round(11 / 3, 4) and shown["rank"] == 1
    assert hidden["visible"] is False and hidden["mean"] is None and hidden["spread"] is None
    assert hidden["criterion_means"] == {} and hidden["rank"] is None
    assert hidden["sheets"] == 2 and hidden["missing"] == [day.chair.user.email]
    chair.post(url(day, "/scores"), json=sheet_body(day, p1, 3))
    hidden = chair.get(url(day, "/scoreboard")).get_json()["items"][1]
    assert hidden["visible"] is True and hidden["mean"] == 3.0


def test_who_reads_the_scoreboard(day, make_user, api):
    assert api(day.staff).get(url(day, "/scoreboard")).status_code == 200
    assert api(make_user("admin")).get(url(day, "/scoreboard")).status_code == 200
    assert api(day.chair.user).get(url(day, "/scoreboard")).status_code == 200
    member = api(day.members[0].user).get(url(day, "/scoreboard"))
    assert member.status_code == 403 and member.get_json()["error"] == "forbidden"
    assert api(make_user("jury")).get(url(day, "/scoreboard")).status_code == 404
    assert api(day.projects[0].members[0].user).get(url(day, "/scoreboard")).status_code == 404
    jury.mark_absent(day.chair, "Remplacée")
    db.session.commit()
    assert api(day.chair.user).get(url(day, "/scoreboard")).status_code == 403


# --- decisions ------------------------------------------------------------------------------------------

def decision(project: Project, event: str = "select", **extra) -> dict:
    return {"project_id": project.id, "event": event, "rationale": "Projet utile et sobre.", **extra}


def test_a_decision_with_missing_scores_is_422_naming_the_jurors(day, api):
    p0 = day.projects[0]
    api(day.chair.user).post(url(day, "/scores"), json=sheet_body(day, p0))
    response = api(day.chair.user).post(url(day, "/decisions"), json=decision(p0))
    assert response.status_code == 422
    body = response.get_json()
    assert body["missing"] == [j.user.email for j in day.members]
    assert all(j.user.display_name in body["message"] for j in day.members)
    db.session.expire_all()
    assert db.session.get(Project, p0.id).state == "shortlisted"


def test_the_chair_overrides_in_writing(day, api):
    p0 = day.projects[0]
    response = api(day.chair.user).post(url(day, "/decisions"), json=decision(
        p0, "ask_rework", override_reason="Le quorum est parti à 18 h."))
    assert response.status_code == 200
    body = response.get_json()
    assert body["state"] == "rework" and body["project_id"] == p0.id
    assert body["decision"]["event"] == "ask_rework"
    assert body["decision"]["rationale"] == "Projet utile et sobre."
    assert body["decision"]["override_reason"] == "Le quorum est parti à 18 h."
    assert body["decision"]["decided_by"] == day.chair.user.email
    history = api(day.staff).get(f"/api/v1/projects/{p0.id}").get_json()["history"]
    assert history[-1]["event"] == "ask_rework" and history[-1]["actor"] == day.chair.user.email
    assert "Le quorum est parti à 18 h." in history[-1]["comment"]
    assert "Projet utile et sobre." in history[-1]["comment"]
    db.session.expire_all()
    slot = db.session.scalar(select(PitchSlot).where(PitchSlot.project_id == p0.id))
    assert slot.override_reason == "Le quorum est parti à 18 h."
    details = api(day.staff).get(url(day)).get_json()
    assert details["running_order"][0]["decision"] == "ask_rework"
    assert details["running_order"][0]["override_reason"] == "Le quorum est parti à 18 h."
    again = api(day.chair.user).post(url(day, "/decisions"), json=decision(p0, override_reason="Bis"))
    assert again.status_code == 409 and again.get_json()["error"] == "invalid_transition"


def test_who_decides(day, make_user, api):
    p0, p1 = day.projects
    member = api(day.members[0].user)
    assert member.post(url(day, "/decisions"), json=decision(p0)).status_code == 403
    assert member.post(url(day, "/decisions"), json=decision(p0, override_reason="Vite")).status_code == 403
    staff = api(day.staff)
    assert staff.post(url(day, "/decisions"), json=decision(p0)).status_code == 422
    overridden = staff.post(url(day, "/decisions"), json=decision(p0, override_reason="Je tranche"))
    assert overridden.status_code == 403 and overridden.get_json()["error"] == "forbidden"
    assert api(make_user("jury")).post(url(day, "/decisions"), json=decision(p0)).status_code == 404
    score_everything(day, api)
    assert member.post(url(day, "/decisions"), json=decision(p0)).status_code == 403
    response = staff.post(url(day, "/decisions"), json=decision(p0, "reject"))
    assert response.status_code == 200 and response.get_json()["state"] == "rejected"
    assert api(day.chair.user).post(url(day, "/decisions"), json=decision(p1)).get_json()["state"] == "selected"


@pytest.mark.parametrize(("change", "field"), [
    ({"event": "start"}, "event"),
    ({"event": ""}, "event"),
    ({"event": None}, "event"),
    ({"rationale": ""}, "rationale"),
    ({"rationale": ["x"]}, "rationale"),
    ({"override_reason": 5}, "override_reason"),
    ({"project_id": 999999}, "project_id"),
], ids=["not-a-jury-event", "empty-event", "no-event", "no-rationale", "rationale-not-text",
        "override-not-text", "unknown-project"])
def test_malformed_decisions_are_422(day, api, change, field):
    response = api(day.chair.user).post(url(day, "/decisions"), json={
        **decision(day.projects[0], override_reason="Pressés"), **change})
    assert field in fields(response)
    db.session.expire_all()
    assert db.session.get(Project, day.projects[0].id).state == "shortlisted"


def test_no_decision_once_closed(day, api):
    score_everything(day, api)
    assert api(day.chair.user).post(url(day, "/close"), json={}).status_code == 200
    response = api(day.staff).post(url(day, "/decisions"), json=decision(day.projects[0]))
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Project, day.projects[0].id).state == "shortlisted"


# --- closing --------------------------------------------------------------------------------------------

def test_the_chair_closes_the_deliberation(day, make_user, api):
    assert api(day.members[0].user).post(url(day, "/close"), json={}).status_code == 403
    assert api(make_user("jury")).post(url(day, "/close"), json={}).status_code == 404
    assert "notes" in fields(api(day.chair.user).post(url(day, "/close"), json={"notes": ["x"]}))
    response = api(day.chair.user).post(url(day, "/close"), json={"notes": "Deux projets retenus."})
    assert response.status_code == 200
    body = response.get_json()
    assert body["closed_at"] and body["deliberation_notes"] == "Deux projets retenus."
    again = api(day.staff).post(url(day, "/close"))
    assert again.status_code == 409 and again.get_json()["error"] == "conflict"
    db.session.expire_all()
    session = db.session.get(PitchSession, day.session.id)
    assert session.is_closed and session.closed_by_id == day.chair.user_id


def test_staff_close_without_a_body(day, api):
    response = api(day.staff).post(url(day, "/close"))
    assert response.status_code == 200 and response.get_json()["closed_at"]


# --- query counts ---------------------------------------------------------------------------------------

def queries(client, path: str, count_queries) -> int:
    assert client.get(path).status_code == 200  # warm-up: the token's first use is written once
    with count_queries() as counter:
        response = client.get(path)
    assert response.status_code == 200, response.get_json()
    return counter.count


@pytest.mark.parametrize("tail", ["/scoreboard", "", "/scores"])
def test_session_endpoints_query_count_does_not_grow(make_call, make_user, api, count_queries, tail):
    call = make_call()
    staff = api(make_user("staff"))
    counts = {}
    for shape in ((3, 3), (30, 3), (3, 15)):
        session_id = bulk_session(call, *shape)
        chair = db.session.get(PitchSession, session_id).jurors[0].user
        path = f"/api/v1/sessions/{session_id}{tail}?per_page=100"
        counts[shape] = (queries(staff, path, count_queries), queries(api(chair), path, count_queries))
    assert len(set(counts.values())) == 1, counts
    body = staff.get(f"/api/v1/sessions/{session_id}/scoreboard").get_json()
    assert len(body["items"]) == 3 and body["items"][1]["sheets"] == 14  # the last shape: 3 x 15
    assert body["items"][0]["recusals"][0]["reason"] == "Lien"
