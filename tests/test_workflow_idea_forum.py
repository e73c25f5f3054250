"""The Nantes idea forum (`idea_forum`): idea, pitch to a drawn jury, then launched / to rework / abandoned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from incubator.extensions import db
from incubator.jury import operations as jury
from incubator.workflows import GuardFailed, InvalidTransition, NotPermitted, fire, registry
from tests.paths import event_path

# The table, written out independently of idea_forum.toml. `team` is the idea's own carriers.
STATES = {"draft", "idea", "withdrawn", "not_retained", "pitch", "rework", "launched", "abandoned"}
FINALS = {"withdrawn", "not_retained", "launched", "abandoned"}
EVENTS = {
    "post": ({"draft"}, "idea", {"team"}),
    "withdraw": ({"draft", "idea"}, "withdrawn", {"team"}),
    "schedule_pitch": ({"idea"}, "pitch", {"staff"}),
    "decline": ({"idea"}, "not_retained", {"staff"}),
    "launch": ({"pitch"}, "launched", {"jury", "staff"}),
    "ask_rework": ({"pitch"}, "rework", {"jury", "staff"}),
    "abandon": ({"pitch"}, "abandoned", {"jury", "staff"}),
    "reopen": ({"rework"}, "draft", {"team"}),
}
JURY_SEES = {"pitch", "rework", "launched", "abandoned"}
COMMENT = "Motif de la décision"


@pytest.fixture
def forum():
    return registry.load_all()["idea_forum"]


def test_the_definition_loads_next_to_pau():
    loaded = registry.load_all()
    assert {"pau", "idea_forum"} <= set(loaded)
    assert loaded["idea_forum"].label("fr") and loaded["idea_forum"].label("en")


def test_states_and_finals(forum):
    assert forum.initial == "draft"
    assert set(forum.states) == STATES
    assert {s.name for s in forum.states.values() if s.final} == FINALS
    assert forum.editable_states() == ["draft"]
    assert set(forum.states_visible_to("jury")) == JURY_SEES
    for state in forum.states.values():
        assert state.labels["fr"].strip() and state.labels["en"].strip()


def test_events_roles_and_flags(forum):
    table = {e.name: (set(e.source), e.dest, set(e.roles)) for e in forum.events.values()}
    assert table == EVENTS
    post = forum.events["post"]
    assert post.submission and set(post.conditions) == {"call_open", "proposal_complete"}
    assert {e.name for e in forum.jury_decisions()} == {"launch", "ask_rework", "abandon"}
    assert forum.pitch_states() == ["pitch"]
    assert {e.name for e in forum.events.values() if e.comment_required} == {"decline", "ask_rework", "abandon"}
    for event in forum.events.values():
        assert event.labels["fr"].strip() and event.labels["en"].strip()
        assert not FINALS & set(event.source), event.name
    assert not forum.phases


def test_every_outcome_is_reachable(forum):
    assert event_path("idea_forum", "draft", "launched") == ["post", "schedule_pitch", "launch"]
    assert event_path("idea_forum", "draft", "not_retained") == ["post", "decline"]
    assert event_path("idea_forum", "rework", "idea") == ["reopen", "post"]


def test_an_idea_goes_from_draft_to_launched_with_the_right_roles(make_user, make_call, make_project):
    call = make_call(workflow="idea_forum")
    carrier, other_agent = make_user("agent"), make_user("agent")
    staff, juror, coach = make_user("staff"), make_user("jury"), make_user("coach")
    project = make_project("draft", call=call, team=[carrier])
    assert project.workflow == "idea_forum" and project.state == "draft"

    with pytest.raises(NotPermitted):
        fire(project, "post", other_agent)
    with pytest.raises(NotPermitted):
        fire(project, "post", staff)
    entry = fire(project, "post", carrier)
    assert (entry.from_state, entry.to_state, project.state) == ("draft", "idea", "idea")
    assert project.submitted_at == entry.at

    for outsider in (carrier, juror, coach, other_agent):
        with pytest.raises(NotPermitted):
            fire(project, "schedule_pitch", outsider)
    with pytest.raises(InvalidTransition):
        fire(project, "launch", staff)  # not before the pitch
    fire(project, "schedule_pitch", staff)
    assert project.state == "pitch"

    for outsider in (carrier, coach, other_agent):
        with pytest.raises(NotPermitted):
            fire(project, "launch", outsider)
    with pytest.raises(GuardFailed):
        fire(project, "abandon", juror)  # the reason is required
    fire(project, "launch", juror, "Une idée simple, utile et peu coûteuse.")
    db.session.commit()

    assert project.state == "launched"
    assert [e.event for e in project.history] == ["create", "post", "schedule_pitch", "launch"]
    with pytest.raises(InvalidTransition):
        fire(project, "reopen", carrier)  # launched is final in the forum


def test_a_drawn_agent_decides_as_a_juror_of_the_session(make_user, make_call, make_project):
    """A drawn agent holds no global `jury` role: the session lends it for its decisions."""
    call = make_call(workflow="idea_forum")
    idea = make_project("pitch", call=call, title="Idée")
    for i in range(4):
        make_user("agent", service=f"Service {i}")
    staff = make_user("staff")
    session = jury.create_session(call, title="Pitchs", starts_at=datetime.now(UTC) + timedelta(hours=1),
                                  project_ids=[idea.id])
    draw = jury.draw_jurors(session, 3, staff, seed="forum")
    drawn = [j for j in session.jurors if j.draw is draw]
    assert len(drawn) == 3 and not any(j.user.has_role("jury") for j in drawn)
    jury.set_chair(session, drawn[0])
    with pytest.raises(NotPermitted):
        fire(idea, "ask_rework", drawn[0].user, COMMENT)  # not outside the session
    criteria = jury.ensure_criteria(call)
    for juror in drawn:
        jury.save_scores(juror, idea, {c.id: 3 for c in criteria}, submit=True)
    jury.decide(session, idea, drawn[0].user, "ask_rework", COMMENT)
    db.session.commit()
    assert idea.state == "rework"
    assert idea.history[-1].actor_id == drawn[0].user_id


def test_a_pau_event_does_not_apply_to_an_idea(make_user, make_call, make_project):
    call = make_call(workflow="idea_forum")
    project = make_project("idea", call=call)
    with pytest.raises(InvalidTransition) as caught:
        fire(project, "shortlist", make_user("staff"))
    assert set(caught.value.details["allowed_events"]) == {"schedule_pitch", "decline"}


@pytest.mark.parametrize("state", sorted(STATES - {"draft"}))
def test_make_project_reaches_every_state(make_call, make_project, state):
    project = make_project(state, call=make_call(workflow="idea_forum"))
    assert project.state == state


def test_api_answers_the_forum_definition(make_user, api):
    response = api(make_user("agent")).get("/api/v1/workflows/idea_forum")
    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "idea_forum" and body["initial"] == "draft"
    assert {s["name"]: s["final"] for s in body["states"]} == {s: s in FINALS for s in STATES}
    assert all(isinstance(s["label"], str) and s["label"] for s in body["states"])
    table = {t["event"]: (set(t["source"]), t["dest"], set(t["roles"])) for t in body["transitions"]}
    assert table == EVENTS
    listed = api(make_user("agent")).get("/api/v1/workflows").get_json()
    assert {"pau", "idea_forum"} <= {w["name"] for w in listed["items"]}
