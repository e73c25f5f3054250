"""Firing workflow events: every pau event by every role, through the API and the pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from incubator.extensions import db
from incubator.models import Project, ProjectCoach
from incubator.workflows import GuardFailed, InvalidTransition, NotPermitted, fire, get_definition
from tests.conftest import csrf_token
from tests.helpers import committed, in_session, unchanged
from tests.paths import actor_for

PAU = get_definition("pau")
ROLES = ("team", "agent", "coach", "staff", "jury", "admin")
# The contract: the jury sees a project once it is shortlisted; never a draft or a plain submission.
HIDDEN_FROM_JURY = {"draft", "submitted", "withdrawn", "not_retained"}
COMMENT = "Motif du changement"

# (event, state the project is in, state a hold left): resume is tried from both states pause leaves.
CASES = [
    (event.name, source, None)
    for event in PAU.events.values() if not event.release
    for source in event.source
] + [("resume", "on_hold", held) for held in PAU.events["pause"].source]


def case_id(case) -> str:
    event, state, held = case
    return f"{event}@{state}" + (f"<-{held}" if held else "")


def sees(role: str, state: str) -> bool:
    """Who sees a pau project, per the contract (the coach here is assigned to the project)."""
    if role in ("team", "coach", "staff", "admin"):
        return True
    if role == "jury":
        return state not in HIDDEN_FROM_JURY
    return False


def may_fire(role: str, event: str) -> bool:
    return role in PAU.events[event].roles


@pytest.fixture
def project_in(make_project):
    """A project in `state`; for on_hold, put on hold from `held_from` by a real pause."""

    def make(state: str, held_from: str | None = None, **kwargs) -> Project:
        if state != "on_hold" or held_from is None:
            return make_project(state, **kwargs)
        project = make_project(held_from, **kwargs)
        fire(project, "pause", actor_for(PAU.events["pause"], project, None), "Pause de test")
        db.session.commit()
        assert project.state == "on_hold" and project.state_before_hold == held_from
        return project

    return make


@pytest.fixture
def actor(make_user):
    def pick(role: str, project: Project):
        if role == "team":
            return project.members[0].user
        user = make_user(role)
        if role == "coach":
            project.coaches.append(ProjectCoach(user=user))
            db.session.commit()
        return user

    return pick


def fire_over(channel: str, user, project_id: int, event: str, comment: str, *, api, login, client):
    takeover = "Service repreneur" if PAU.events[event].takeover else ""
    if channel == "api":
        return api(user).post(f"/api/v1/projects/{project_id}/events",
                              json={"event": event, "comment": comment, "taken_over_by": takeover})
    login(user)
    return client.post(f"/projects/{project_id}/events",
                       data={"csrf_token": csrf_token(client), "event": event, "comment": comment,
                             "taken_over_by": takeover})


@pytest.mark.parametrize("channel", ["api", "ui"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_event_by_role(case, role, channel, project_in, actor, api, login, client):
    event, state, held_from = case
    project = project_in(state, held_from)
    user = actor(role, project)
    project_id, user_id = project.id, user.id
    before = committed(project_id)
    assert before.state == state

    response = fire_over(channel, user, project_id, event, COMMENT, api=api, login=login, client=client)

    if may_fire(role, event):
        dest = state if PAU.events[event].stay else PAU.events[event].dest or held_from
        if channel == "api":
            assert response.status_code == 200, response.get_json()
            assert response.get_json()["state"] == dest
        else:
            assert response.status_code == 302, response.status_code
            assert response.headers["Location"].endswith(f"/projects/{project_id}")
        after = committed(project_id)
        assert in_session(project_id) == after
        assert after.state == dest
        assert after.history[:-1] == before.history
        _id, name, from_state, to_state, actor_id, at, comment = after.history[-1]
        assert (name, from_state, to_state, actor_id, comment) == (event, state, dest, user_id, COMMENT)
        assert abs(datetime.now(UTC) - at) < timedelta(minutes=1)
        if held_from:
            assert after.state_before_hold is None and after.clock_stopped_at is None
    else:
        expected = 403 if sees(role, state) else 404
        assert response.status_code == expected
        if channel == "api":
            assert response.get_json()["error"] == ("forbidden" if expected == 403 else "not_found")
        else:
            assert response.mimetype == "text/html"
            if expected == 404:
                assert project.title not in response.get_data(as_text=True)
        unchanged(project_id, before)


# --- refusals: wrong state, failed conditions ------------------------------------------------------

def test_event_that_does_not_apply_is_409_with_the_allowed_events(make_project, api):
    project = make_project("draft")
    team = project.members[0].user
    before = committed(project.id)
    response = api(team).post(f"/api/v1/projects/{project.id}/events", json={"event": "reopen"})
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == "invalid_transition"
    assert sorted(body["allowed_events"]) == ["submit", "withdraw"]
    assert body["message"]
    unchanged(project.id, before)


def test_staff_event_in_the_wrong_state_lists_what_staff_may_do(make_project, make_user, api):
    project = make_project("submitted")
    before = committed(project.id)
    response = api(make_user("staff")).post(f"/api/v1/projects/{project.id}/events",
                                            json={"event": "start", "comment": COMMENT})
    assert response.status_code == 409
    assert sorted(response.get_json()["allowed_events"]) == ["decline", "shortlist"]
    unchanged(project.id, before)


def test_unknown_event_is_409(make_project, make_user, api):
    project = make_project("submitted")
    before = committed(project.id)
    response = api(make_user("staff")).post(f"/api/v1/projects/{project.id}/events", json={"event": "explode"})
    assert response.status_code == 409
    assert response.get_json()["error"] == "invalid_transition"
    unchanged(project.id, before)


@pytest.mark.parametrize("state", sorted(s.name for s in PAU.states.values() if s.final))
def test_nothing_leaves_a_final_state(state, make_project, make_user, api):
    project = make_project(state)
    before = committed(project.id)
    staff = api(make_user("staff"))
    for event in ("resume", "abandon", "reopen"):
        response = staff.post(f"/api/v1/projects/{project.id}/events", json={"event": event, "comment": COMMENT})
        assert response.status_code in (403, 409)
    response = staff.post(f"/api/v1/projects/{project.id}/events", json={"event": "abandon", "comment": COMMENT})
    assert response.get_json()["allowed_events"] == []
    unchanged(project.id, before)


def test_submit_on_a_closed_call_fails_its_guard(make_project, make_call, api):
    project = make_project("draft", call=make_call(open_=False))
    before = committed(project.id)
    response = api(project.members[0].user).post(f"/api/v1/projects/{project.id}/events",
                                                 json={"event": "submit"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "guard_failed" and body["message"]
    unchanged(project.id, before)


def test_submit_on_a_call_not_open_yet_fails_its_guard(make_project, make_call, api):
    call = make_call()
    project = make_project("draft", call=call)
    call.opens_at = datetime.now(UTC) + timedelta(days=1)
    call.closes_at = datetime.now(UTC) + timedelta(days=30)
    db.session.commit()
    before = committed(project.id)
    response = api(project.members[0].user).post(f"/api/v1/projects/{project.id}/events",
                                                 json={"event": "submit"})
    assert response.status_code == 422
    assert response.get_json()["error"] == "guard_failed"
    unchanged(project.id, before)


def test_decline_without_comment_fails_its_guard(make_project, make_user, api):
    project = make_project("submitted")
    before = committed(project.id)
    for comment in ("", "   \n "):
        response = api(make_user("staff")).post(f"/api/v1/projects/{project.id}/events",
                                                json={"event": "decline", "comment": comment})
        assert response.status_code == 422
        assert response.get_json()["error"] == "guard_failed"
    unchanged(project.id, before)


@pytest.mark.parametrize("missing", [
    {"answers": {"affected": "Les habitants"}},  # a required question of the call
    {"answers": {"affected": "Les habitants", "frequency": "   "}},
    {"problem": ""},
    {"proposal": "  "},
])
def test_submit_with_required_answers_missing_fails_its_guard(missing, make_project, api):
    project = make_project("draft", **missing)
    before = committed(project.id)
    response = api(project.members[0].user).post(f"/api/v1/projects/{project.id}/events",
                                                 json={"event": "submit"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "guard_failed" and body["message"]
    unchanged(project.id, before)


def test_submit_without_optional_answer_passes(make_project, api):
    project = make_project("draft", answers={"affected": "Les habitants", "frequency": "Souvent"})
    response = api(project.members[0].user).post(f"/api/v1/projects/{project.id}/events",
                                                 json={"event": "submit"})
    assert response.status_code == 200
    assert committed(project.id).state == "submitted"


def test_a_guard_refusal_on_the_page_changes_nothing(make_project, make_call, login, client):
    project = make_project("draft", call=make_call(open_=False))
    before = committed(project.id)
    login(project.members[0].user)
    response = client.post(f"/projects/{project.id}/events",
                           data={"csrf_token": csrf_token(client), "event": "submit", "comment": ""})
    assert response.status_code == 422
    unchanged(project.id, before)


def test_an_event_that_does_not_apply_on_the_page_is_409(make_project, login, client):
    project = make_project("draft")
    before = committed(project.id)
    login(project.members[0].user)
    response = client.post(f"/projects/{project.id}/events",
                           data={"csrf_token": csrf_token(client), "event": "reopen", "comment": ""})
    assert response.status_code == 409
    unchanged(project.id, before)


def test_engine_refusals_raise_domain_errors(make_project, make_user):
    project = make_project("submitted")
    before = committed(project.id)
    with pytest.raises(NotPermitted):
        fire(project, "shortlist", make_user("jury"), COMMENT)
    with pytest.raises(InvalidTransition) as caught:
        fire(project, "select", make_user("staff"), COMMENT)
    assert sorted(caught.value.details["allowed_events"]) == ["decline", "shortlist"]
    with pytest.raises(GuardFailed):
        fire(project, "decline", make_user("staff"), "")
    db.session.rollback()
    unchanged(project.id, before)


# --- what a fired event records -----------------------------------------------------------------------

def test_history_row_records_event_states_actor_time_and_comment(make_project, make_user, api):
    project = make_project("submitted")
    staff = make_user("staff")
    client = api(staff)
    response = client.post(f"/api/v1/projects/{project.id}/events",
                           json={"event": "shortlist", "comment": "  Dossier solide.  "})
    assert response.status_code == 200
    history = client.get(f"/api/v1/projects/{project.id}").get_json()["history"]
    assert [h["event"] for h in history] == ["create", "submit", "shortlist"]
    last = history[-1]
    assert last["from"] == "submitted" and last["to"] == "shortlisted"
    assert last["actor"] == staff.email
    assert last["comment"] == "Dossier solide."
    assert abs(datetime.fromisoformat(last["at"]) - datetime.now(UTC)) < timedelta(minutes=1)
    first = history[0]
    assert first["from"] is None and first["to"] == "draft"


def test_submission_date_is_the_first_submit(make_project, make_user):
    project = make_project("rework")
    first = project.submitted_at
    assert first is not None
    team = project.members[0].user
    fire(project, "reopen", team, "")
    later = datetime.now(UTC) + timedelta(days=1)
    fire(project, "submit", team, "", at=later)
    db.session.commit()
    assert committed(project.id).submitted_at == first
    assert committed(project.id).state == "submitted"


def test_a_project_sent_back_for_rework_can_be_submitted_after_the_call_closes(make_project):
    project = make_project("rework")
    team = project.members[0].user
    after_close = project.call.closes_at + timedelta(days=5)
    fire(project, "reopen", team, "", at=after_close)
    fire(project, "submit", team, "", at=after_close)
    db.session.commit()
    assert committed(project.id).state == "submitted"


def test_start_sets_the_review_three_months_later(make_project, make_user):
    project = make_project("selected")
    at = datetime(2025, 1, 31, 9, 0, tzinfo=UTC)
    fire(project, "start", make_user("staff"), "", at=at)
    db.session.commit()
    snap = committed(project.id)
    assert snap.state == "pre_incubation"
    assert snap.review_due_at == datetime(2025, 4, 30, 9, 0, tzinfo=UTC)  # 3 calendar months, clamped
    db.session.expire_all()
    project = db.session.get(Project, project.id)
    assert project.phase == "pre_incubation" and project.phase_started_at == at


def test_graduate_sets_the_review_six_months_later(make_project, make_user):
    project = make_project("pre_incubation")
    at = datetime(2025, 5, 2, 14, 30, tzinfo=UTC)
    fire(project, "graduate", make_user("jury"), "", at=at)
    db.session.commit()
    assert committed(project.id).review_due_at == at + relativedelta(months=6)


@pytest.mark.parametrize("phase_state", ["pre_incubation", "startup"])
def test_a_pause_moves_the_review_by_its_length(phase_state, make_project, make_user):
    project = make_project("selected")
    staff = make_user("staff")
    start = datetime(2025, 1, 31, 9, 0, tzinfo=UTC)
    fire(project, "start", staff, "", at=start)
    if phase_state == "startup":
        fire(project, "graduate", staff, "", at=start)
    db.session.commit()
    due = committed(project.id).review_due_at

    paused_at = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    fire(project, "pause", staff, "Congé de l'équipe", at=paused_at)
    db.session.commit()
    snap = committed(project.id)
    assert (snap.state, snap.state_before_hold, snap.clock_stopped_at) == ("on_hold", phase_state, paused_at)

    # Reload in a new session: the held state must come from the row, not from memory.
    project_id = project.id
    db.session.remove()
    project = db.session.get(Project, project_id)
    resumed_at = paused_at + relativedelta(months=2)
    fire(project, "resume", db.session.merge(staff), "", at=resumed_at)
    db.session.commit()

    snap = committed(project_id)
    assert snap.state == phase_state
    assert snap.review_due_at == due + (resumed_at - paused_at)
    assert snap.review_due_at == due + relativedelta(months=2)  # the same two months, here
    assert snap.state_before_hold is None and snap.clock_stopped_at is None


def test_firing_on_a_project_loaded_in_a_new_session(make_project, make_user):
    project = make_project("shortlisted")
    project_id, jury_id = project.id, make_user("jury").id
    db.session.remove()

    from incubator.models import User

    project = db.session.get(Project, project_id)
    fire(project, "select", db.session.get(User, jury_id), "")
    db.session.commit()
    db.session.remove()
    snap = committed(project_id)
    assert snap.state == "selected"
    assert [h[1] for h in snap.history] == ["create", "submit", "shortlist", "select"]
    assert db.session.get(Project, project_id).state == "selected"


def test_the_api_refuses_an_event_without_a_name(make_project, make_user, api):
    project = make_project("submitted")
    before = committed(project.id)
    response = api(make_user("staff")).post(f"/api/v1/projects/{project.id}/events", json={"comment": "x"})
    assert response.status_code == 422
    assert "event" in response.get_json()["fields"]
    unchanged(project.id, before)


def test_a_concurrent_change_is_detected_not_overwritten(make_project, make_user, api):
    from sqlalchemy.orm.exc import StaleDataError

    staff = make_user("staff")
    client = api(staff)
    project = make_project("submitted")
    assert project.state == "submitted"  # loaded here, at its current version
    response = client.post(f"/api/v1/projects/{project.id}/events", json={"event": "shortlist"})
    assert response.status_code == 200  # someone else moved it meanwhile
    with pytest.raises(StaleDataError):
        fire(project, "decline", staff, "Décision prise sur une page périmée")
    db.session.rollback()
    snap = committed(project.id)
    assert snap.state == "shortlisted"
    assert [h[1] for h in snap.history] == ["create", "submit", "shortlist"]
