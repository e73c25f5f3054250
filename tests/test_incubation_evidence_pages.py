"""The phase review page, the validations list and the project page's incubation links, per role."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from incubator.calls.operations import create_call
from incubator.extensions import db
from incubator.incubation import operations as ops
from incubator.incubation.models import PhaseReview
from incubator.incubation.periods import paris_date
from incubator.incubation.summary import evidence_summary
from incubator.models import Project
from tests.conftest import csrf_token
from tests.helpers import committed, unchanged
from tests.incubation_helpers import incubate

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def last_year_call():
    now = datetime.now(UTC)
    call = create_call(title="Appel de l'an dernier", opens_at=now - timedelta(days=300),
                       closes_at=now - timedelta(days=200))
    db.session.commit()
    return call


@pytest.fixture
def inc(make_project, make_user):
    """Pre-incubation started 100 days ago: its review is overdue."""
    return incubate(make_project, make_user, at=datetime.now(UTC) - timedelta(days=100), call=last_year_call())


@pytest.fixture
def startup(make_project, make_user):
    return incubate(make_project, make_user, at=datetime.now(UTC) - timedelta(days=200), state="startup",
                    call=last_year_call())


def english(client) -> None:
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client)})


def as_user(login, client, user):
    login(user)
    english(client)
    return client


def offered(html: str) -> set[str]:
    return set(re.findall(r'type="radio" id="decision-\w+" name="event" value="(\w+)"', html))


def decide(client, project_id: int, **data):
    return client.post(f"/projects/{project_id}/review", data={"csrf_token": csrf_token(client), **data})


def refreshed(project_id: int) -> Project:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(Project, project_id)


def add_evidence(inc, n: int = 1) -> None:
    today = paris_date(datetime.now(UTC))
    for i in range(n):
        ops.add_validation(inc.project, inc.coach, method="interviews", users_count=8, held_on=today,
                           verdict="validated" if i % 2 == 0 else "mixed", notes=f"Entretiens {i}",
                           files=[FileStorage(io.BytesIO(PDF), f"cr-{i}.pdf")] if i == 0 else ())
        ops.save_iteration(inc.project, inc.coach, title=f"Essai {i}", hypothesis="Les usagers veulent X",
                           started_on=today, decision="pivot", learning="Non", pivot_change=f"Vers Y {i}")
    db.session.commit()


# --- the review page per role ----------------------------------------------------------------------------

def test_the_review_page_per_role(inc, make_user, login, client):
    add_evidence(inc)
    pid = inc.project.id
    staff = as_user(login, client, inc.staff).get(f"/projects/{pid}/review")
    html = staff.get_data(as_text=True)
    assert staff.status_code == 200
    assert offered(html) == {"graduate", "continue", "pause", "abandon"}
    assert "Overdue by" in html  # started 100 days ago, due after 3 months
    assert "8 users consulted" in html and "Vers Y 0" in html  # the evidence summary, pivots included
    assert 'name="taken_over_by"' in html and "the association that runs it" in html
    assert 'aria-current="page"' in html and "Phase review" in html

    jury = as_user(login, client, make_user("jury")).get(f"/projects/{pid}/review")
    assert jury.status_code == 200
    assert offered(jury.get_data(as_text=True)) == {"graduate", "continue", "abandon"}

    for reader in (inc.team[0], inc.coach):
        page = as_user(login, client, reader).get(f"/projects/{pid}/review")
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and offered(text) == set()
        assert "8 users consulted" in text and "The jury or the programme team decides" in text
        assert decide(client, pid, event="continue", comment="Non").status_code == 403

    login(make_user("agent"))
    assert client.get(f"/projects/{pid}/review").status_code == 404


def test_a_project_never_incubated_has_no_review_page(make_project, make_user, login, client):
    project = make_project("submitted")
    login(make_user("staff"))
    assert client.get(f"/projects/{project.id}/review").status_code == 404
    assert client.get(f"/projects/{project.id}/validations").status_code == 404


def test_continue_sets_the_next_review_a_phase_later_and_keeps_the_evidence(inc, login, client):
    add_evidence(inc, 2)
    pid = inc.project.id
    as_user(login, client, inc.staff)
    response = decide(client, pid, event="continue", comment="Encore un trimestre : les tests continuent.")
    assert response.status_code == 302
    project = refreshed(pid)
    review = db.session.scalar(select(PhaseReview).where(PhaseReview.project_id == pid))
    assert project.state == "pre_incubation"
    assert review.decision == "continue" and review.phase == "pre_incubation"
    assert project.review_due_at == review.decided_at + relativedelta(months=3)
    assert review.summary["validations"]["count"] == 2 and review.summary["validations"]["users"] == 16
    assert review.summary["iterations"]["by_decision"] == {"pivot": 2}

    page = " ".join(client.get(f"/projects/{pid}/review").get_data(as_text=True).split())
    assert "Past reviews" in page and "Encore un trimestre" in page
    assert "16 users consulted, 2 pieces of evidence" in page  # the snapshot, compact
    assert "Overdue by" not in page and "In 3 months" in page


def test_an_outcome_without_who_takes_over_changes_nothing(startup, login, client):
    pid = startup.project.id
    before = committed(pid)
    as_user(login, client, startup.staff)
    response = decide(client, pid, event="integrate", comment="Le service des sports le reprend.")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was changed." in html
    assert 'id="taken_over_by-error"' in html and 'href="#taken_over_by"' in html
    assert "Le service des sports le reprend." in html  # the typed rationale is kept
    assert re.search(r'value="integrate"[^>]*checked', html)  # and the chosen decision
    unchanged(pid, before)
    assert db.session.scalar(select(PhaseReview).where(PhaseReview.decision == "integrate")) is None

    response = decide(client, pid, event="integrate", comment="Le service des sports le reprend.",
                      taken_over_by="Direction des sports")
    assert response.status_code == 302
    project = refreshed(pid)
    assert (project.state, project.taken_over_by) == ("integrated", "Direction des sports")
    assert project.review_due_at is None
    page = client.get(f"/projects/{pid}").get_data(as_text=True)
    assert "Taken over by" in page and "Direction des sports" in page
    review = client.get(f"/projects/{pid}/review").get_data(as_text=True)
    assert offered(review) == set() and "Direction des sports" in review


def test_the_rationale_is_required(inc, login, client):
    pid = inc.project.id
    before = committed(pid)
    as_user(login, client, inc.staff)
    response = decide(client, pid, event="graduate", comment="  ")
    assert response.status_code == 422
    assert 'id="comment-error"' in response.get_data(as_text=True)
    unchanged(pid, before)


def test_a_juror_may_graduate_but_not_pause(inc, make_user, login, client):
    pid = inc.project.id
    before = committed(pid)
    as_user(login, client, make_user("jury"))
    response = decide(client, pid, event="pause", comment="Élections")
    assert response.status_code == 403
    assert "reserved for other roles" in response.get_data(as_text=True)
    unchanged(pid, before)
    response = decide(client, pid, event="resume", comment="Pas une décision de revue")
    assert response.status_code == 422
    unchanged(pid, before)

    response = decide(client, pid, event="graduate", comment="Les usagers valident.")
    assert response.status_code == 302
    project = refreshed(pid)
    assert project.state == "startup" and project.phase == "startup"
    assert db.session.scalar(select(PhaseReview.decision)) == "graduate"


def test_the_review_page_on_hold_says_the_clock_stopped(inc, login, client):
    pid = inc.project.id
    as_user(login, client, inc.staff)
    assert decide(client, pid, event="pause", comment="Élections municipales").status_code == 302
    html = client.get(f"/projects/{pid}/review").get_data(as_text=True)
    assert "Stopped on" in html and "On hold for" in html and "from “Pre-incubation”" in html
    assert offered(html) == {"abandon"}


# --- the project page ------------------------------------------------------------------------------------

def test_the_project_page_links_to_the_ledger(inc, login, client):
    pid = inc.project.id
    html = as_user(login, client, inc.team[0]).get(f"/projects/{pid}").get_data(as_text=True)
    assert 'class="project-tabs"' in html
    for tail in ("/timeline", "/review", "/validations"):
        assert f'href="/projects/{pid}{tail}"' in html
    assert 'id="incubation"' in html and "Next phase review" in html and "Overdue" in html
    missing = evidence_summary(inc.project)["logs"]["missing"]
    assert missing >= 12  # 100 days without a single log
    assert "Weekly logs missing" in html and f"{missing} weeks" in html


def test_the_project_page_asks_who_takes_over_for_an_outcome(startup, login, client):
    pid = startup.project.id
    as_user(login, client, startup.staff)
    page = client.get(f"/projects/{pid}").get_data(as_text=True)
    assert 'id="taken-over-by-integrate"' in page and 'id="taken-over-by-pause"' not in page
    before = committed(pid)
    response = client.post(f"/projects/{pid}/events", data={
        "csrf_token": csrf_token(client), "event": "spin_off", "comment": "Une association reprend."})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="taken-over-by-spin_off-error"' in html and 'href="#taken-over-by-spin_off"' in html
    unchanged(pid, before)
    response = client.post(f"/projects/{pid}/events", data={
        "csrf_token": csrf_token(client), "event": "spin_off", "comment": "Une association reprend.",
        "taken_over_by": "Association Les Recycleurs"})
    assert response.status_code == 302
    project = refreshed(pid)
    assert (project.state, project.taken_over_by) == ("spun_off", "Association Les Recycleurs")
    page = client.get(f"/projects/{pid}").get_data(as_text=True)
    assert "Association Les Recycleurs" in page and 'id="incubation"' not in page


# --- query counts ----------------------------------------------------------------------------------------

def queries(client, url: str, count_queries) -> int:
    assert client.get(url).status_code == 200
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_the_evidence_pages_do_not_grow_with_the_evidence(make_project, make_user, login, client, count_queries):
    small = incubate(make_project, make_user, at=datetime.now(UTC) - timedelta(days=100), call=last_year_call())
    big = incubate(make_project, make_user, at=datetime.now(UTC) - timedelta(days=100), call=last_year_call())
    add_evidence(small, 2)
    add_evidence(big, 30)
    login(small.staff)
    for tail in ("/validations", "/review", "/validations/new"):
        few = queries(client, f"/projects/{small.project.id}{tail}", count_queries)
        many = queries(client, f"/projects/{big.project.id}{tail}", count_queries)
        assert many == few, (tail, few, many)
