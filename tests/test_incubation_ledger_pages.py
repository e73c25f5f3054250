"""The ledger's pages: weekly logs and the time budget, iterations, impact indicators, the coach's page,
the programme's time budget; who may read and write; query counts that do not grow."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from incubator.calls.operations import create_call
from incubator.extensions import db
from incubator.incubation.charts import line_chart, nice_ticks
from incubator.incubation.models import Indicator, IndicatorValue, Iteration, WeeklyLog, week_label
from incubator.incubation.periods import paris_date
from incubator.models import Programme
from incubator.projects.operations import assign_coach
from incubator.workflows import fire
from tests.conftest import csrf_token
from tests.incubation_helpers import Incubating, incubate


def this_monday() -> date:
    today = paris_date(datetime.now(UTC))
    return today - timedelta(days=today.weekday())


def weeks_ago(n: int) -> datetime:
    """The Monday `n` weeks back, 10:00 in Paris."""
    monday = this_monday() - timedelta(weeks=n)
    return datetime(monday.year, monday.month, monday.day, 9, 0, tzinfo=UTC)


def label_ago(n: int) -> str:
    return week_label(this_monday() - timedelta(weeks=n))


def past_call(weeks: int):
    """A call closed before a project started `weeks` ago: its projects' history is in the past."""
    now = datetime.now(UTC)
    call = create_call(title="Appel passé", opens_at=now - timedelta(weeks=weeks + 20),
                       closes_at=now - timedelta(weeks=weeks + 2))
    db.session.commit()
    return call


def started(make_project, make_user, weeks: int = 5, **kwargs) -> Incubating:
    return incubate(make_project, make_user, at=weeks_ago(weeks), call=past_call(weeks), **kwargs)


@pytest.fixture
def inc(make_project, make_user) -> Incubating:
    return started(make_project, make_user)


def add_log(project, author, weeks_back: int, *, confidence: int = 3, days: float = 1.5, done: str = "Des tests"):
    monday = this_monday() - timedelta(weeks=weeks_back)
    log = WeeklyLog(project_id=project.id, week_start=monday, done=done, learnt="Des choses", days_spent=days,
                    confidence=confidence, author_id=author.id, updated_by_id=author.id)
    db.session.add(log)
    db.session.commit()
    return log


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def flagged(response, field_id: str) -> bool:
    """The field carries its error: a message tied to it, and the summary links to it."""
    body = response.get_data(as_text=True)
    return f'id="{field_id}-error"' in body and f'href="#{field_id}"' in body


def fresh():
    db.session.rollback()
    db.session.expire_all()


# --- who sees and who writes ---------------------------------------------------------------------

@pytest.mark.parametrize(("who", "read", "write"), [
    ("team", 200, 200), ("coach", 200, 200), ("staff", 200, 200), ("jury", 200, 403),
    ("other_coach", 404, 404), ("other_agent", 404, 404),
])
def test_who_reads_and_who_writes_the_ledger(who, read, write, inc, make_user, login, client):
    user = {"team": inc.team[0], "coach": inc.coach, "staff": inc.staff, "jury": make_user("jury"),
            "other_coach": make_user("coach"), "other_agent": make_user("agent")}[who]
    login(user)
    pid = inc.project.id
    for tail in ("journal", "iterations", "indicators"):
        response = client.get(f"/projects/{pid}/{tail}")
        assert response.status_code == read, tail
        if read == 200:
            assert 'aria-current="page"' in response.get_data(as_text=True)
    assert client.get(f"/projects/{pid}/journal/{label_ago(1)}").status_code == write
    assert client.get(f"/projects/{pid}/iterations/new").status_code == write
    token = csrf_token(client)
    posts = [
        (f"/projects/{pid}/journal/{label_ago(1)}", {"done": "x", "days_spent": "1", "confidence": "3"}),
        (f"/projects/{pid}/iterations/new", {"title": "T", "hypothesis": "H", "started_on": "2020-01-01"}),
        (f"/projects/{pid}/indicators", {"name": "Kits"}),
    ]
    for path, data in posts:
        response = client.post(path, data={**data, "csrf_token": token})
        if write == 200:
            assert response.status_code == 302, path
        else:
            assert response.status_code == write, path
    fresh()
    saved = db.session.scalar(select(WeeklyLog).where(WeeklyLog.project_id == pid))
    assert (saved is not None) == (write == 200)


def test_the_write_buttons_show_only_to_contributors(inc, make_user, login, client):
    pid = inc.project.id
    login(inc.team[0])
    page = client.get(f"/projects/{pid}/journal").get_data(as_text=True)
    assert f"/projects/{pid}/journal/{label_ago(0)}" in page
    login(make_user("jury"))
    page = client.get(f"/projects/{pid}/journal").get_data(as_text=True)
    assert f"/projects/{pid}/journal/{label_ago(0)}" not in page
    assert f"/projects/{pid}/journal/{label_ago(1)}" not in page
    assert f"/projects/{pid}/iterations/new" not in client.get(f"/projects/{pid}/iterations").get_data(as_text=True)
    indicators = client.get(f"/projects/{pid}/indicators").get_data(as_text=True)
    assert f'action="/projects/{pid}/indicators"' not in indicators and "/values" not in indicators


def test_a_final_project_is_read_only(inc, login, client):
    fire(inc.project, "abandon", inc.staff, "Fin", at=datetime.now(UTC))
    db.session.commit()
    login(inc.team[0])
    pid = inc.project.id
    assert client.get(f"/projects/{pid}/journal").status_code == 200
    assert client.get(f"/projects/{pid}/journal/{label_ago(1)}").status_code == 403


# --- weekly logs ------------------------------------------------------------------------------------

def test_the_journal_marks_missing_weeks_in_words_and_the_current_week_in_progress(inc, login, client):
    add_log(inc.project, inc.coach, 4, done="Première **semaine**")
    add_log(inc.project, inc.coach, 2, confidence=5)
    login(inc.team[0])
    response = client.get(f"/projects/{inc.project.id}/journal")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    for weeks_back in (5, 3, 1):
        assert re.search(rf'class="week week--missing" id="week-{label_ago(weeks_back)}"', body)
        assert f'href="/projects/{inc.project.id}/journal/{label_ago(weeks_back)}"' in body
    for weeks_back in (4, 2):
        assert re.search(rf'class="week week--written" id="week-{label_ago(weeks_back)}"', body)
    assert re.search(rf'class="week week--in_progress" id="week-{label_ago(0)}"', body)
    assert "<strong>semaine</strong>" in body  # Markdown rendered
    # Missing weeks are said in words, not only by colour: the badge text of the missing status.
    missing_words = re.search(r'class="tag tag--alert week-missing">([^<]+)<', body).group(1)
    assert missing_words.strip()
    assert body.count(missing_words) >= 3
    # The budget: one day a week per member in pre-incubation, against 3 declared days.
    assert "<meter" in body
    assert re.search(r'<meter class="budget__meter" min="0" max="[0-9.]+" value="3.0"', body)


def test_the_budget_link_is_for_the_programme_team(inc, login, client):
    programme_id = inc.project.call.programme_id
    login(inc.team[0])
    assert f"/programmes/{programme_id}/settings" not in client.get(
        f"/projects/{inc.project.id}/journal").get_data(as_text=True)
    login(inc.staff)
    assert f"/programmes/{programme_id}/settings" in client.get(
        f"/projects/{inc.project.id}/journal").get_data(as_text=True)


def test_a_log_is_written_then_edited_through_the_form(inc, login, client):
    pid, week = inc.project.id, label_ago(1)
    login(inc.coach)
    page = client.get(f"/projects/{pid}/journal/{week}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for name in ("done", "learnt", "blockers", "next_steps", "team_note", "days_spent"):
        assert f'name="{name}"' in body
    assert body.count('name="confidence" type="radio"') == 5
    assert "<fieldset" in body and "<legend" in body

    response = client.post(f"/projects/{pid}/journal/{week}", data={
        "done": "Entretiens avec **12** habitants", "learnt": "Le tri est mal compris", "blockers": "",
        "next_steps": "Prototype", "team_note": "", "days_spent": "2,5", "confidence": "4",
        "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/projects/{pid}/journal?week={week}#week-{week}")
    fresh()
    log = db.session.scalar(select(WeeklyLog).where(WeeklyLog.project_id == pid))
    assert (log.week, log.days_spent, log.confidence, log.author_id) == (week, 2.5, 4, inc.coach.id)
    journal = client.get(f"/projects/{pid}/journal?week={week}").get_data(as_text=True)
    assert "<strong>12</strong>" in journal

    login(inc.team[0])
    page = client.get(f"/projects/{pid}/journal/{week}")
    assert "Entretiens avec **12** habitants" in text(page)
    assert inc.coach.display_name in text(page)
    response = client.post(f"/projects/{pid}/journal/{week}", data={
        "done": "Entretiens avec 12 habitants", "team_note": "Nous ajoutons un point", "days_spent": "3",
        "confidence": "5", "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    fresh()
    log = db.session.scalar(select(WeeklyLog).where(WeeklyLog.project_id == pid))
    assert (log.author_id, log.updated_by_id, log.team_note, log.confidence) == (
        inc.coach.id, inc.team[0].id, "Nous ajoutons un point", 5)
    assert db.session.scalar(select(db.func.count()).select_from(WeeklyLog)) == 1
    page = text(client.get(f"/projects/{pid}/journal/{week}"))
    assert inc.coach.display_name in page and inc.team[0].display_name in page


@pytest.mark.parametrize(("changes", "fields"), [
    ({"done": "  "}, ["done"]),
    ({"confidence": None}, ["confidence"]),
    ({"confidence": "9"}, ["confidence"]),
    ({"days_spent": "beaucoup"}, ["days_spent"]),
    ({"days_spent": "-1"}, ["days_spent"]),
    ({"days_spent": "", "done": ""}, ["days_spent", "done"]),
], ids=["no-done", "no-confidence", "confidence-9", "days-text", "days-negative", "two-fields"])
def test_an_invalid_log_is_refused_with_its_fields_flagged(changes, fields, inc, login, client):
    pid, week = inc.project.id, label_ago(1)
    login(inc.coach)
    data = {"done": "Des tests", "days_spent": "1", "confidence": "3", **changes}
    data = {k: v for k, v in data.items() if v is not None}
    response = client.post(f"/projects/{pid}/journal/{week}", data={**data, "csrf_token": csrf_token(client)})
    assert response.status_code == 422
    for name in fields:
        assert flagged(response, name), name
    assert 'class="error-summary"' in response.get_data(as_text=True)
    fresh()
    assert db.session.scalar(select(WeeklyLog)) is None


@pytest.mark.parametrize("week", ["2026-47", "nonsense", "2026-W99"])
def test_a_malformed_week_is_not_found(week, inc, login, client):
    login(inc.coach)
    assert client.get(f"/projects/{inc.project.id}/journal/{week}").status_code == 404


def test_a_week_before_the_start_or_to_come_cannot_be_written(inc, login, client):
    login(inc.coach)
    pid = inc.project.id
    for week in (label_ago(9), week_label(this_monday() + timedelta(weeks=1))):
        page = client.get(f"/projects/{pid}/journal/{week}")
        assert page.status_code == 200
        assert 'name="done"' not in page.get_data(as_text=True)
        response = client.post(f"/projects/{pid}/journal/{week}", data={
            "done": "x", "days_spent": "1", "confidence": "3", "csrf_token": csrf_token(client)})
        assert response.status_code == 422
    fresh()
    assert db.session.scalar(select(WeeklyLog)) is None


def test_the_journal_is_paginated(make_project, make_user, login, client):
    inc = started(make_project, make_user, weeks=40)
    login(inc.staff)
    first = client.get(f"/projects/{inc.project.id}/journal").get_data(as_text=True)
    assert first.count('class="week week--') == 26
    second = client.get(f"/projects/{inc.project.id}/journal?page=2").get_data(as_text=True)
    assert second.count('class="week week--') == 41 - 26
    beyond = client.get(f"/projects/{inc.project.id}/journal?page=99").get_data(as_text=True)
    assert beyond.count('class="week week--') == 41 - 26  # the last page
    # A link to a week opens the page that holds it.
    old = client.get(f"/projects/{inc.project.id}/journal?week={label_ago(38)}").get_data(as_text=True)
    assert f'id="week-{label_ago(38)}"' in old


def test_journal_queries_do_not_grow_with_weeks(make_project, make_user, login, client, count_queries):
    few = started(make_project, make_user, weeks=45, title="Peu de semaines")
    many = started(make_project, make_user, weeks=45, title="Beaucoup de semaines")
    for n in (1, 2):
        add_log(few.project, few.coach, n)
    for n in range(1, 41):
        add_log(many.project, many.coach if n % 2 else many.team[0], n)
    login(few.staff)
    counts = []
    for inc in (few, many):
        client.get(f"/projects/{inc.project.id}/journal")  # warm
        with count_queries() as counter:
            assert client.get(f"/projects/{inc.project.id}/journal").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


# --- iterations ---------------------------------------------------------------------------------------

ITERATION = {"title": "Le jeu de tri", "hypothesis": "Les habitants trient mieux si c'est un **jeu**.",
             "experiment": "Une application de défis", "audience": "Habitants du quartier", "users_count": "40",
             "measure": "Taux de tri", "target": "+20 %", "started_on": "2020-03-02", "ended_on": "",
             "result": "", "learning": "", "decision": "", "pivot_change": ""}


def test_iterations_are_created_then_decided_with_a_pivot(inc, login, client):
    pid = inc.project.id
    login(inc.team[0])
    page = client.get(f"/projects/{pid}/iterations/new")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert body.count('name="decision" type="radio"') == 4
    assert 'type="date"' in body and 'name="pivot_change"' in body
    response = client.post(f"/projects/{pid}/iterations/new", data={**ITERATION, "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/projects/{pid}/iterations#iteration-1")
    fresh()
    iteration = db.session.scalar(select(Iteration))
    assert (iteration.number, iteration.users_count, iteration.decision) == (1, 40, None)

    edit = f"/projects/{pid}/iterations/1/edit"
    form = client.get(edit)
    assert 'value="40"' in form.get_data(as_text=True)
    decided = {**ITERATION, "result": "Peu de joueurs", "learning": "Le jeu n'intéresse pas", "decision": "pivot"}
    response = client.post(edit, data={**decided, "csrf_token": csrf_token(client)})
    assert response.status_code == 422
    assert flagged(response, "pivot_change")
    fresh()
    assert db.session.scalar(select(Iteration)).decision is None

    response = client.post(edit, data={**decided, "pivot_change": "Une plateforme d'échange d'objets",
                                       "ended_on": "2020-04-30", "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    fresh()
    iteration = db.session.scalar(select(Iteration))
    assert (iteration.decision, iteration.decided_by_id, iteration.ended_on) == (
        "pivot", inc.team[0].id, date(2020, 4, 30))
    listing = client.get(f"/projects/{pid}/iterations")
    body = listing.get_data(as_text=True)
    assert 'class="pivot-change"' in body
    assert "Une plateforme d&#39;échange d&#39;objets" in body or "Une plateforme d'échange d'objets" in text(listing)
    assert "<strong>jeu</strong>" in body
    assert 'class="iteration iteration--pivot" id="iteration-1"' in body


@pytest.mark.parametrize(("changes", "field"), [
    ({"title": ""}, "title"),
    ({"hypothesis": ""}, "hypothesis"),
    ({"decision": "persevere"}, "learning"),
    ({"started_on": ""}, "started_on"),
    ({"started_on": "2020-03-02", "ended_on": "2020-01-01"}, "ended_on"),
    ({"users_count": "beaucoup"}, "users_count"),
    ({"decision": "maybe", "learning": "x"}, "decision"),
])
def test_an_invalid_iteration_is_refused(changes, field, inc, login, client):
    login(inc.coach)
    response = client.post(f"/projects/{inc.project.id}/iterations/new",
                           data={**ITERATION, **changes, "csrf_token": csrf_token(client)})
    assert response.status_code == 422
    assert flagged(response, field)
    fresh()
    assert db.session.scalar(select(Iteration)) is None


def test_an_unknown_iteration_is_not_found(inc, login, client):
    login(inc.coach)
    assert client.get(f"/projects/{inc.project.id}/iterations/7/edit").status_code == 404


# --- indicators ---------------------------------------------------------------------------------------

def test_an_indicator_is_declared_and_measured_and_drawn_with_its_table(inc, login, client):
    pid = inc.project.id
    login(inc.team[0])
    response = client.post(f"/projects/{pid}/indicators", data={
        "name": "Situations résolues", "unit": "situations", "description": "Signalements clos",
        "target": "115", "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    fresh()
    indicator = db.session.scalar(select(Indicator))
    assert (indicator.name, indicator.target) == ("Situations résolues", 115.0)
    values = f"/projects/{pid}/indicators/{indicator.id}/values"
    prefix = f"indicator-{indicator.id}"
    for day, value in (("2020-01-15", "12"), ("2020-03-15", "48,5"), ("2020-06-15", "97")):
        response = client.post(values, data={f"{prefix}-measured_on": day, f"{prefix}-value": value,
                                             f"{prefix}-note": "", "csrf_token": csrf_token(client)})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    fresh()
    assert [v.value for v in db.session.scalars(select(IndicatorValue).order_by(IndicatorValue.measured_on))] == [
        12, 48.5, 97]
    page = client.get(f"/projects/{pid}/indicators")
    body = page.get_data(as_text=True)
    svg = re.search(r"<svg class=\"chart\".*?</svg>", body, re.S).group(0)
    assert "<title" in svg and "<desc" in svg and svg.count("<circle") == 3
    assert "stroke-dasharray" in svg  # the target line
    assert "<table" in body and "2020" in body
    assert f'name="{prefix}-value"' in body and 'name="name"' in body


def test_indicator_errors_are_shown_on_their_fields(inc, login, client):
    pid = inc.project.id
    login(inc.coach)
    response = client.post(f"/projects/{pid}/indicators", data={"name": "", "target": "beaucoup",
                                                                "csrf_token": csrf_token(client)})
    assert response.status_code == 422
    assert flagged(response, "name") or flagged(response, "target")
    indicator = Indicator(project_id=pid, name="Kits distribués", unit="kits")
    db.session.add(indicator)
    db.session.commit()
    prefix = f"indicator-{indicator.id}"
    future = (this_monday() + timedelta(days=30)).isoformat()
    response = client.post(f"/projects/{pid}/indicators/{indicator.id}/values", data={
        f"{prefix}-measured_on": future, f"{prefix}-value": "abc", "csrf_token": csrf_token(client)})
    assert response.status_code == 422
    assert flagged(response, f"{prefix}-value") and flagged(response, f"{prefix}-measured_on")
    assert " open>" in response.get_data(as_text=True)  # the failed form is shown open
    fresh()
    assert db.session.scalar(select(IndicatorValue)) is None
    # An indicator of another project is not found here.
    other = Indicator(project_id=pid, name="Autre")
    db.session.add(other)
    db.session.commit()
    assert client.post(f"/projects/{pid + 1000}/indicators/{other.id}/values",
                       data={"csrf_token": csrf_token(client)}).status_code == 404


def test_indicator_names_are_escaped_in_the_chart(inc, login, client):
    indicator = Indicator(project_id=inc.project.id, name="<script>alert(1)</script>", unit="<b>u</b>", target=3)
    db.session.add(indicator)
    db.session.flush()
    db.session.add(IndicatorValue(indicator_id=indicator.id, measured_on=date(2020, 1, 1), value=2))
    db.session.commit()
    login(inc.coach)
    body = client.get(f"/projects/{inc.project.id}/indicators").get_data(as_text=True)
    assert "<script>alert" not in body and "<b>u</b>" not in body
    assert "&lt;script&gt;" in body


def test_the_chart_function_is_pure_and_safe():
    assert line_chart([], title="Rien") == ""
    svg = str(line_chart([(date(2020, 1, 1), 1), (date(2020, 2, 1), 5)], title='A "b" <c>',
                         description="d & e", target=10, chart_id="x", unit="kits"))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<title id=\"x-title\">A &#34;b&#34; &lt;c&gt;</title>" in svg
    assert "d &amp; e" in svg and "style=" not in svg and "<script" not in svg
    assert svg.count("<circle") == 2 and "<polyline" in svg
    single = str(line_chart([(date(2020, 1, 1), 0)], title="Un point"))
    assert single.count("<circle") == 1 and "<polyline" not in single
    assert nice_ticks(0, 115)[0] == 0 and nice_ticks(0, 115)[-1] >= 115


# --- the coach's page ---------------------------------------------------------------------------------

def test_the_coach_page_shows_the_missing_weeks(inc, make_user, login, client):
    add_log(inc.project, inc.coach, 1, confidence=4)
    add_log(inc.project, inc.coach, 3)
    login(inc.coach)
    response = client.get("/coaching")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<caption>" in body and inc.project.title in body
    assert body.count('class="coaching-cell coaching-cell--missing"') == 3  # weeks 5, 4, 2 back
    assert body.count('class="coaching-cell coaching-cell--written"') == 2
    assert body.count('class="coaching-cell coaching-cell--not_expected"') == 2  # before the start
    assert body.count('class="coaching-cell coaching-cell--in_progress"') == 1
    for weeks_back in (5, 4, 2):
        assert f'href="/projects/{inc.project.id}/journal/{label_ago(weeks_back)}"' in body
    assert 'class="visually-hidden"' in body
    # The programme team may look at any coach's page; other people may not.
    login(inc.staff)
    assert client.get(f"/coaching?coach={inc.coach.id}").status_code == 200
    assert inc.project.title in client.get(f"/coaching?coach={inc.coach.id}").get_data(as_text=True)
    assert client.get("/coaching").status_code == 200  # a choice of coaches
    assert client.get("/coaching?coach=999999").status_code == 404
    login(make_user("coach"))
    assert client.get(f"/coaching?coach={inc.coach.id}").status_code == 403
    assert inc.project.title not in client.get("/coaching").get_data(as_text=True)
    for role in ("agent", "jury"):
        login(make_user(role))
        assert client.get("/coaching").status_code == 403
        assert client.get(f"/coaching?coach={inc.coach.id}").status_code == 403


def test_the_coach_page_lists_projects_in_incubation_only(inc, make_project, make_user, login, client):
    on_hold = started(make_project, make_user, title="En pause")
    fire(on_hold.project, "pause", on_hold.staff, "Confinement", at=weeks_ago(2))
    done = started(make_project, make_user, title="Abandonné")
    fire(done.project, "abandon", done.staff, "Fin", at=weeks_ago(1))
    for project in (on_hold.project, done.project):
        assign_coach(project, inc.coach)
    db.session.commit()
    login(inc.coach)
    body = text(client.get("/coaching"))
    assert inc.project.title in body and "En pause" in body and "Abandonné" not in body


def coached_projects(make_project, make_user, coach, n: int, call):
    staff = make_user("staff")
    for index in range(n):
        project = make_project("selected", call=call, title=f"Projet {index}")
        fire(project, "start", staff, at=weeks_ago(10))
        assign_coach(project, coach)
        db.session.commit()
        add_log(project, coach, 1 + index % 3)


def test_coach_page_queries_do_not_grow_with_projects(make_project, make_user, login, client, count_queries):
    call = past_call(10)
    coach_few, coach_many = make_user("coach"), make_user("coach")
    coached_projects(make_project, make_user, coach_few, 2, call)
    coached_projects(make_project, make_user, coach_many, 12, call)
    counts = []
    for coach in (coach_few, coach_many):
        login(coach)
        client.get("/coaching")
        with count_queries() as counter:
            response = client.get("/coaching")
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


# --- the programme's time budget ----------------------------------------------------------------------

def test_the_programme_team_sets_the_time_budget(inc, make_user, login, client):
    programme_id = inc.project.call.programme_id
    path = f"/programmes/{programme_id}/settings"
    for role in ("coach", "agent", "jury"):
        login(make_user(role))
        assert client.get(path).status_code == 403
        assert client.post(path, data={"phase_pre_incubation": "2", "csrf_token": csrf_token(client)}
                           ).status_code == 403
    login(inc.staff)
    page = client.get(path)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'name="phase_pre_incubation"' in body and 'name="phase_startup"' in body
    assert re.search(r'<input[^>]*name="phase_pre_incubation"[^>]*value="1"', body)  # the default budget

    for bad in ("7", "beaucoup", "-1"):
        response = client.post(path, data={"phase_pre_incubation": bad, "phase_startup": "",
                                           "csrf_token": csrf_token(client)})
        assert response.status_code == 422
        assert flagged(response, "phase_pre_incubation")
    response = client.post(path, data={"phase_pre_incubation": "1,5", "phase_startup": "0.5",
                                       "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    fresh()
    assert db.session.get(Programme, programme_id).time_budget == {"pre_incubation": 1.5, "startup": 0.5}
    response = client.post(path, data={"phase_pre_incubation": "", "phase_startup": "2",
                                       "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    fresh()
    assert db.session.get(Programme, programme_id).time_budget == {"startup": 2.0}
    assert client.get("/programmes/999999/settings").status_code == 404
