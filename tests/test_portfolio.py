"""A project's portfolio: who reads it, what it says (page, Markdown, PDF), in a fixed number of queries."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from werkzeug.datastructures import FileStorage

from incubator.calls.operations import create_call
from incubator.extensions import db
from incubator.incubation import operations as ops
from incubator.incubation.periods import paris_date
from incubator.projects.operations import assign_coach
from incubator.workflows import fire
from tests.conftest import csrf_token
from tests.incubation_helpers import incubate

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HOSTILE = "Le problème <script>alert('x')</script> [lien](javascript:alert(1)) <img src=x onerror=alert(2)>"


def monday_weeks_ago(n: int) -> datetime:
    today = paris_date(datetime.now(UTC))
    monday = today - timedelta(days=today.weekday(), weeks=n)
    return datetime(monday.year, monday.month, monday.day, 9, 0, tzinfo=UTC)


T0 = monday_weeks_ago(40)


def story(make_project, make_user, *, items: int = 2, outcome: bool = True, title: str = "Poubelle Battle"):
    """Incubated at T0: `items` iterations (the first pivots), evidence with a file, an indicator with
    `items` values, a stand-by, logs; graduated, then integrated into a service with a reason."""
    now = datetime.now(UTC)
    call = create_call(title="Appel de l'an dernier", opens_at=now - timedelta(days=400),
                       closes_at=now - timedelta(days=330))
    db.session.commit()
    inc = incubate(make_project, make_user, at=T0, call=call, title=title)
    project, coach, staff = inc.project, inc.coach, inc.staff
    project.problem = HOSTILE
    for i in range(items):
        ops.save_iteration(
            project, coach, at=T0 + timedelta(days=30), title=f"Jeu de tri {i}",
            hypothesis="Les habitants trient mieux s'ils jouent", experiment="Un jeu en pied d'immeuble",
            audience="Résidents du quartier Saragosse", users_count=15, measure="Taux de tri",
            target="+20 %", result="Peu de participation", learning="Le jeu ne les intéresse pas",
            started_on=(T0 + timedelta(days=7)).date(), ended_on=(T0 + timedelta(days=28)).date(),
            decision="pivot" if i == 0 else "persevere",
            pivot_change="Une plateforme d'échange entre voisins" if i == 0 else "")
        ops.add_validation(project, coach, at=T0 + timedelta(days=21), method="interviews", users_count=12,
                           held_on=(T0 + timedelta(days=20 - i % 15)).date(), verdict="not_validated",
                           notes=f"Les habitants ne veulent pas de gamification {i}",
                           files=[FileStorage(stream=io.BytesIO(PDF), filename=f"entretiens-{i}.pdf")])
    indicator = ops.declare_indicator(project, coach, name="Bacs collectés", unit="bacs", target=500,
                                      at=T0 + timedelta(days=1))
    for i in range(items):
        ops.record_value(indicator, coach, measured_on=(T0 + timedelta(days=2 + i)).date(), value=100 + i,
                         at=T0 + timedelta(days=60))
    for week in range(min(items, 20)):
        ops.save_log(project, coach, (T0 + timedelta(weeks=week)).date(), done="Ateliers", days_spent=2,
                     confidence=3, at=T0 + timedelta(weeks=week, days=4))
    fire(project, "pause", staff, "Élections municipales : le projet attend", at=T0 + timedelta(days=70))
    fire(project, "resume", staff, "Reprise", at=T0 + timedelta(days=100))
    fire(project, "graduate", staff, "Bilan positif : les voisins échangent", at=T0 + timedelta(days=120))
    if outcome:
        fire(project, "integrate", staff, "Le service propreté reprend la plateforme",
             at=T0 + timedelta(days=250), taken_over_by="Direction de la propreté urbaine")
    db.session.commit()
    return inc


@pytest.fixture
def english(login, client):
    def as_user(user):
        login(user)
        client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client)})
        return client
    return as_user


def test_who_reads_the_portfolio(make_project, make_user, login, client):
    inc = story(make_project, make_user)
    other_coach = make_user("coach")
    urls = [f"/projects/{inc.project.id}/portfolio", f"/projects/{inc.project.id}/portfolio.md"]
    for url in urls:
        assert client.get(url).status_code == 302  # anonymous: to the login page
    for user in (inc.team[0], inc.team[1], inc.coach, inc.staff, make_user("admin"), make_user("jury")):
        login(user)
        for url in urls:
            assert client.get(url).status_code == 200, (user.roles, url)
    for user in (make_user("agent"), other_coach):
        login(user)
        for url in urls + [f"/projects/{inc.project.id}/portfolio.pdf"]:
            assert client.get(url).status_code == 404
    assert client.get("/projects/999999/portfolio").status_code == 404


def test_the_jury_reads_only_shortlisted_projects_onwards(make_project, make_user, login, client):
    jury = make_user("jury")
    draft = make_project("submitted")
    shortlisted = make_project("shortlisted")
    coach = make_user("coach")
    assign_coach(shortlisted, coach)
    db.session.commit()
    login(jury)
    assert client.get(f"/projects/{draft.id}/portfolio").status_code == 404
    assert client.get(f"/projects/{shortlisted.id}/portfolio").status_code == 200
    login(coach)
    assert client.get(f"/projects/{shortlisted.id}/portfolio").status_code == 200


def test_the_page_tells_the_whole_story(make_project, make_user, english):
    inc = story(make_project, make_user)
    client = english(inc.team[0])
    html = client.get(f"/projects/{inc.project.id}/portfolio").get_data(as_text=True)
    assert "Poubelle Battle" in html
    assert "Integrated into a service" in html or "Integrate into a service" in html
    assert "Direction de la propreté urbaine" in html
    assert "Le service propreté reprend la plateforme" in html  # the outcome's reason
    assert "Élections municipales : le projet attend" in html  # a stand-by's reason
    assert "Bilan positif : les voisins échangent" in html  # a review's rationale
    assert "What changed" in html and "échange entre voisins" in html, html[html.find("What changed"):][:400]
    assert "Résidents du quartier Saragosse" in html and "+20 %" in html
    assert "entretiens-0.pdf" in html and "entretiens-1.pdf" in html
    assert "Les habitants ne veulent pas de gamification 1" in html
    assert "Bacs collectés" in html and "101 bacs" in html and "500 bacs" in html
    for member in inc.team:
        assert member.display_name in html
    assert inc.coach.display_name in html
    assert f"/projects/{inc.project.id}/portfolio.pdf" in html
    assert f"/projects/{inc.project.id}/portfolio.md" in html
    # Hostile Markdown in the problem comes out sanitised.
    assert "<script>alert" not in html and "javascript:" not in html and "onerror" not in html
    assert " style=" not in html


def test_the_markdown_export(make_project, make_user, english):
    inc = story(make_project, make_user)
    client = english(inc.coach)
    response = client.get(f"/projects/{inc.project.id}/portfolio.md")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="portfolio-{inc.project.id}.md"'
    text = response.get_data(as_text=True)
    assert text.startswith("# Portfolio: Poubelle Battle\n")
    for heading in ("## Outcome", "## The field problem", "## The team", "## Decisions and reasons",
                    "## Iterations", "## User-validation evidence", "## Impact indicators", "## Time spent"):
        assert f"\n{heading}\n" in text
    assert "Taken over by Direction de la propreté urbaine." in text
    assert "Le service propreté reprend la plateforme" in text
    assert "Élections municipales : le projet attend" in text
    assert "**What changed:** Une plateforme d'échange entre voisins" in text  # kept as written
    assert "**Decision:** Pivot" in text
    assert "entretiens-0.pdf, " not in text and "**Files:** entretiens-1.pdf" in text
    assert "**Latest value:** 101 bacs on" in text and "**Target:** 500 bacs" in text
    assert HOSTILE in text  # user text as written: it is Markdown, not HTML


def test_a_project_without_outcome_or_ledger(make_project, make_user, english):
    project = make_project("shortlisted", title="Idée neuve")
    client = english(make_user("staff"))
    html = client.get(f"/projects/{project.id}/portfolio").get_data(as_text=True)
    assert "No outcome yet." in html and "No iteration recorded." in html
    text = client.get(f"/projects/{project.id}/portfolio.md").get_data(as_text=True)
    assert "No outcome yet" in text and "No indicator declared." in text


def test_the_pdf(make_project, make_user, login, client):
    inc = story(make_project, make_user)
    login(inc.staff)
    response = client.get(f"/projects/{inc.project.id}/portfolio.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="portfolio-{inc.project.id}.pdf"'
    assert response.data.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Poubelle Battle" in text
    assert "Direction de la propreté urbaine" in text


def test_the_portfolio_queries_do_not_grow(make_project, make_user, login, client, count_queries):
    small = story(make_project, make_user, items=2, title="Petit")
    big = story(make_project, make_user, items=25, title="Grand")
    login(small.staff)

    def queries(project_id: int, suffix: str) -> int:
        url = f"/projects/{project_id}/portfolio{suffix}"
        assert client.get(url).status_code == 200
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        return counter.count

    for suffix in ("", ".md"):
        assert queries(big.project.id, suffix) == queries(small.project.id, suffix)
