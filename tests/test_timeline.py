"""The project timeline: phases planned and actual, the stand-by and its length, the pivot and what
changed, the evidence; in a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from incubator.calls.operations import create_call
from incubator.extensions import db
from incubator.incubation import operations as ops
from incubator.incubation.periods import paris_date
from incubator.incubation.timeline import duration_words, load_timeline
from incubator.workflows import fire
from tests.conftest import csrf_token
from tests.incubation_helpers import incubate


def monday_weeks_ago(n: int) -> datetime:
    today = paris_date(datetime.now(UTC))
    monday = today - timedelta(days=today.weekday(), weeks=n)
    return datetime(monday.year, monday.month, monday.day, 9, 0, tzinfo=UTC)


T0 = monday_weeks_ago(43)
PAUSED = T0 + timedelta(days=40)
RESUMED = PAUSED + relativedelta(months=2)


def trajectory(make_project, make_user, *, items: int = 1, continues: int = 0):
    """Started at T0, an iteration that pivots and evidence, on hold for 2 months, resumed."""
    now = datetime.now(UTC)
    call = create_call(title="Appel de l'an dernier", opens_at=now - timedelta(days=400),
                       closes_at=now - timedelta(days=330))
    db.session.commit()
    inc = incubate(make_project, make_user, at=T0, call=call)
    project, coach = inc.project, inc.coach
    for i in range(items):
        ops.save_iteration(project, coach, at=T0 + timedelta(days=30), title=f"Jeu de tri {i}",
                           hypothesis="Les habitants trient mieux s'ils jouent",
                           started_on=(T0 + timedelta(days=7)).date(),
                           ended_on=(T0 + timedelta(days=28)).date(), decision="pivot",
                           learning="Le jeu ne les intéresse pas", pivot_change=f"Une plateforme d'échange {i}")
        ops.add_validation(project, coach, at=T0 + timedelta(days=21), method="interviews", users_count=12,
                           held_on=(T0 + timedelta(days=20)).date(), verdict="not_validated",
                           notes="Les habitants ne veulent pas de gamification")
    fire(project, "pause", inc.staff, "Élections municipales : le projet attend", at=PAUSED)
    fire(project, "resume", inc.staff, "Reprise après les élections", at=RESUMED)
    for i in range(continues):
        fire(project, "continue", inc.staff, f"Poursuite {i}", at=RESUMED + timedelta(days=10 + i))
    db.session.commit()
    return inc


@pytest.fixture
def english_staff(login, client):
    def as_staff(inc):
        login(inc.staff)
        client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client)})
        return client
    return as_staff


def test_the_timeline_shows_the_stand_by_the_pivot_and_the_shifted_plan(make_project, make_user, english_staff):
    inc = trajectory(make_project, make_user)
    project = inc.project
    stood_by = RESUMED - PAUSED
    planned_end = T0 + relativedelta(months=3) + stood_by
    assert project.review_due_at == planned_end  # the engine and the timeline agree

    timeline = load_timeline(project, datetime.now(UTC), "en")
    pre, startup = timeline.phases
    assert (pre.name, pre.status) == ("pre_incubation", "running")
    assert (pre.planned_start, pre.planned_end, pre.actual_start) == (T0, planned_end, T0)
    assert pre.stood_by == stood_by and pre.standbys == 1
    assert (startup.status, startup.planned_start) == ("not_started", planned_end)
    assert startup.planned_end == planned_end + relativedelta(months=6)
    [standby] = timeline.standbys
    assert (standby.start, standby.end, standby.phase) == (PAUSED, RESUMED, "pre_incubation")
    kinds = [e.kind for e in timeline.entries]
    assert kinds.index("iteration") < kinds.index("validation") < kinds.index("pivot") < kinds.index("hold") \
        < kinds.index("resume")
    assert [g.key for g in timeline.groups] == ["application", "pre_incubation"]

    client = english_staff(inc)
    response = client.get(f"/projects/{project.id}/timeline")
    html = response.get_data(as_text=True)
    text = " ".join(html.split())
    assert response.status_code == 200
    assert "<ol class=\"trajectory\">" in html and 'aria-current="page"' in html
    assert "On hold for 2 months, until" in text and "Élections municipales : le projet attend" in text
    assert "After 2 months on hold" in text
    assert "What changed:</strong> Une plateforme d&#39;échange 0" in text
    assert "Not validated" in text and "Interviews with 12 users" in text
    assert f'datetime="{planned_end.isoformat()}"' in html  # the planned end, shifted by the stand-by
    assert "1 stand-by, 2 months" in text
    assert "Application and selection" in text and "Pre-incubation" in text


def test_an_outcome_shows_who_takes_over(make_project, make_user, english_staff):
    inc = trajectory(make_project, make_user)
    project = inc.project
    fire(project, "graduate", inc.staff, "Les habitants valident", at=RESUMED + timedelta(days=20))
    fire(project, "integrate", inc.staff, "La direction de la propreté le reprend",
         at=RESUMED + timedelta(days=60), taken_over_by="Direction de la propreté urbaine")
    db.session.commit()
    timeline = load_timeline(project, datetime.now(UTC), "en")
    pre, startup = timeline.phases
    assert pre.status == "done" and pre.actual_end == RESUMED + timedelta(days=20)
    assert startup.status == "done" and startup.actual_end == RESUMED + timedelta(days=60)
    assert [g.key for g in timeline.groups] == ["application", "pre_incubation", "startup", "outcome"]
    [outcome] = [e for e in timeline.entries if e.kind == "outcome"]
    assert outcome.taken_over_by == "Direction de la propreté urbaine" and outcome.review is not None

    text = " ".join(english_staff(inc).get(f"/projects/{project.id}/timeline").get_data(as_text=True).split())
    assert "Taken over by:</strong> Direction de la propreté urbaine" in text
    assert "Ended" in text and "earlier than planned" in text


def test_durations_in_words(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from flask import session
        session["lang"] = "en"
        day = datetime(2030, 2, 7, tzinfo=UTC)
        assert duration_words(day, day + relativedelta(years=1, months=2, days=5)) == "1 year and 2 months"
        assert duration_words(day, day + relativedelta(months=2)) == "2 months"
        assert duration_words(day, day + relativedelta(months=1, days=3)) == "1 month and 3 days"
        assert duration_words(day, day + timedelta(weeks=3)) == "3 weeks"
        assert duration_words(day, day + timedelta(days=10)) == "10 days"
        assert duration_words(day, day + timedelta(days=1)) == "1 day"


def test_a_project_without_incubation_has_a_short_timeline(make_project, make_user, login, client):
    project = make_project("submitted")
    login(make_user("staff"))
    html = client.get(f"/projects/{project.id}/timeline").get_data(as_text=True)
    assert 'class="trajectory"' in html and 'class="project-tabs"' not in html


def test_who_sees_the_timeline(make_project, make_user, login, client):
    inc = trajectory(make_project, make_user)
    for user in (inc.team[0], inc.coach, make_user("jury")):
        login(user)
        assert client.get(f"/projects/{inc.project.id}/timeline").status_code == 200
    login(make_user("agent"))
    assert client.get(f"/projects/{inc.project.id}/timeline").status_code == 404


def test_the_timeline_queries_do_not_grow(make_project, make_user, login, client, count_queries):
    small = trajectory(make_project, make_user, items=2, continues=1)
    big = trajectory(make_project, make_user, items=30, continues=6)
    login(small.staff)

    def queries(project_id: int) -> int:
        url = f"/projects/{project_id}/timeline"
        assert client.get(url).status_code == 200
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        return counter.count

    assert queries(big.project.id) == queries(small.project.id)
