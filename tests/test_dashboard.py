"""The programme dashboard: who may open it, what the jury sees, the funnel's counting, the Gantt's
overdue flag, weekly-log compliance, the pictures as well-formed SVG, and fixed query counts."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale

from incubator.calls.operations import create_call
from incubator.dashboard import gantt
from incubator.dashboard.funnel import funnel
from incubator.dashboard.pictures import funnel_svg
from incubator.extensions import db
from incubator.incubation.models import WeeklyLog, week_start
from incubator.incubation.periods import monday_at, paris_date
from incubator.jury.models import Juror, PitchSession
from incubator.models import Call, Project, ProjectCoach, ProjectEvent, ProjectMember, User, UserRole
from incubator.projects.operations import assign_coach
from incubator.themes import THEMES, theme_label
from incubator.workflows import fire

PAGES = ["/dashboard/", "/dashboard/funnel", "/dashboard/board", "/dashboard/board/pau/pre_incubation",
         "/dashboard/promotions", "/dashboard/compliance"]
SVG_RE = re.compile(r"<svg\b.*?</svg>", re.S)
NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def login(login, client):
    """Logged in and reading the pages in English, so that the assertions do not depend on the French
    catalogue (which is completed separately)."""
    def do(user: User):
        login(user)
        with client.session_transaction() as session:
            session["lang"] = "en"
        return user

    return do


def now() -> datetime:
    return datetime.now(UTC)


def past_call(days_ago: int = 200, title: str = "Promotion passée", workflow: str = "pau"):
    """A call closed long ago, so that a project's selection can precede its incubation in time."""
    opens = now() - timedelta(days=days_ago)
    call = create_call(title=title, opens_at=opens, closes_at=opens + timedelta(days=30), workflow=workflow)
    db.session.commit()
    return call


def started(make_project, make_user, call, *, days_ago: int, title: str = "Projet incubé", coach=None,
            at: datetime | None = None) -> Project:
    """A project of `call` selected, then started `days_ago` days ago (or `at`), with a coach."""
    project = make_project("selected", call=call, title=title)
    staff = make_user("staff")
    fire(project, "start", staff, at=at or now() - timedelta(days=days_ago))
    assign_coach(project, coach or make_user("coach"))
    db.session.commit()
    return project


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(chunk) for chunk in SVG_RE.findall(html)]


# --- access -----------------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client, make_call):
    call = make_call()
    for path in [*PAGES, f"/dashboard/promotions/{call.id}"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["agent", "coach"])
def test_agents_and_coaches_are_refused(client, login, make_user, make_call, role):
    call = make_call()
    login(make_user(role))
    for path in [*PAGES, f"/dashboard/promotions/{call.id}"]:
        assert client.get(path).status_code == 403, path


@pytest.mark.parametrize("role", ["staff", "admin", "jury"])
def test_programme_team_admin_and_jury_open_every_page(client, login, make_user, make_project, role):
    project = make_project("pre_incubation")
    login(make_user(role))
    for path in [*PAGES, f"/dashboard/promotions/{project.call_id}"]:
        html = page(client, path)
        assert 'aria-current="page"' in html


def test_unknown_things_are_404(client, login, make_user, make_call):
    call = make_call()
    login(make_user("staff"))
    assert client.get("/dashboard/promotions/999999").status_code == 404
    assert client.get("/dashboard/board?workflow=nope").status_code == 404
    assert client.get("/dashboard/board?call=999999").status_code == 404
    assert client.get("/dashboard/board/pau/nope").status_code == 404
    assert client.get(f"/dashboard/board/idea_forum/idea?call={call.id}").status_code == 404


def test_jury_sees_only_the_projects_open_to_it(client, login, make_user, make_project, make_call):
    call = make_call(title="Appel commun")
    make_project("submitted", call=call, title="Candidature cachée")  # not open to the jury
    make_project("draft", call=call, title="Brouillon caché")
    make_project("shortlisted", call=call, title="Projet présélectionné")
    login(make_user("jury"))
    board = page(client, f"/dashboard/board?call={call.id}")
    assert "Projet présélectionné" in board
    assert "Candidature cachée" not in board and "Brouillon caché" not in board
    assert "1 project in all." in board
    # The columns of states the jury cannot see are left out rather than shown empty.
    assert 'id="open-submitted"' not in board and 'id="open-shortlisted"' in board
    assert 'class="dash-scope"' in board
    hidden_column = client.get(f"/dashboard/board/pau/submitted?call={call.id}")
    assert "Candidature cachée" not in hidden_column.get_data(as_text=True)
    funnel_page = page(client, f"/dashboard/funnel?call={call.id}")
    table = funnel_page[funnel_page.index("<table"):]
    first_count = re.search(r'<td class="num">(\d+)</td>', table).group(1)
    assert first_count == "1"  # the shortlisted project submitted once; the hidden one is not counted


def test_staff_sees_every_project(client, login, make_user, make_project, make_call):
    call = make_call()
    make_project("submitted", call=call, title="Candidature visible")
    login(make_user("staff"))
    board = page(client, f"/dashboard/board?call={call.id}")
    assert "Candidature visible" in board
    assert 'class="dash-scope"' not in board


# --- the funnel -------------------------------------------------------------------------------

def _counts(user, call) -> dict[str, int]:
    return {step.name: step.count for step in funnel(user, [call], "en")[call.id]}


def test_a_project_that_moved_on_counts_in_every_stage_it_passed(app, make_user, make_project, make_call):
    call = make_call()
    make_project("selected", call=call)
    counts = _counts(make_user("staff"), call)
    assert counts == {"submitted": 1, "shortlisted": 1, "selected": 1, "pre_incubation": 0, "startup": 0,
                      "outcome": 0}


def test_a_project_seen_twice_in_a_stage_counts_once(app, make_user, make_project, make_call):
    call = make_call()
    project = make_project("rework", call=call)
    team = project.members[0].user
    staff = make_user("staff")
    fire(project, "reopen", team)
    fire(project, "submit", team)
    fire(project, "shortlist", staff)
    db.session.commit()
    events = [e.to_state for e in project.history]
    assert events.count("submitted") == 2 and events.count("shortlisted") == 2
    counts = _counts(staff, call)
    assert counts["submitted"] == 1 and counts["shortlisted"] == 1 and counts["selected"] == 0


def test_hidden_projects_are_not_counted_for_the_jury(app, make_user, make_project, make_call):
    call = make_call()
    make_project("submitted", call=call)
    make_project("not_retained", call=call)
    make_project("shortlisted", call=call)
    assert _counts(make_user("staff"), call)["submitted"] == 3
    jury_counts = _counts(make_user("jury"), call)
    assert jury_counts["submitted"] == 1 and jury_counts["shortlisted"] == 1


def test_funnel_page_draws_each_chosen_call_with_its_table(client, login, make_user, make_project, make_call):
    first, second = make_call(title="Appel A"), make_call(title="Appel B", workflow="idea_forum")
    make_project("shortlisted", call=first)
    make_project("submitted", call=first)
    make_project("pitch", call=second)
    login(make_user("staff"))
    html = page(client, f"/dashboard/funnel?call={first.id}&call={second.id}")
    pictures = {tree.get("id"): tree for tree in svgs(html)}
    assert set(pictures) == {f"funnel-{first.id}", f"funnel-{second.id}"}
    desc = pictures[f"funnel-{first.id}"].find(f"{NS}desc").text
    assert "Submitted: 2." in desc and "Shortlisted: 1, 50% of the previous stage." in desc
    assert "50%" in html  # the rate written on the picture and in the table
    # Only the calls chosen; a call given that does not exist is ignored.
    only = page(client, f"/dashboard/funnel?call={second.id}&call=999999")
    assert len(svgs(only)) == 1 and "Appel B" in only


# --- the board ----------------------------------------------------------------------------------

def test_board_columns_are_bounded_with_a_link_to_the_rest(client, login, make_user, make_project, make_call):
    call = make_call()
    for i in range(8):
        make_project("submitted", call=call, title=f"Candidature {i}")
    login(make_user("staff"))
    html = page(client, f"/dashboard/board?call={call.id}")
    column = html[html.index('id="open-submitted"'):html.index('id="open-shortlisted"')]
    assert len(re.findall(r'<li class="dash-card[ "]', column)) == 6
    assert "8 projects" in column
    assert f"/dashboard/board/pau/submitted?call={call.id}" in column
    rest = page(client, f"/dashboard/board/pau/submitted?call={call.id}")
    assert all(f"Candidature {i}" in rest for i in range(8))


def test_board_cards_say_call_theme_coach_and_overdue(client, login, make_user, make_project):
    call = past_call()
    coach = make_user("coach", name="Camille Coach")
    late = started(make_project, make_user, call, days_ago=120, title="Projet en retard", coach=coach)
    late.theme = next(iter(THEMES))
    db.session.commit()
    login(make_user("staff"))
    html = page(client, f"/dashboard/board?workflow=pau&call={call.id}")
    card = html[html.index("Projet en retard") - 400:]
    card = card[:card.index("</li>")]
    assert f'href="/projects/{late.id}"' in card
    assert "Camille Coach" in card
    with client.application.test_request_context(), force_locale("en"):
        assert str(theme_label(late.theme)) in card
    assert "dash-card--overdue" in card and "Review overdue" in card


# --- the Gantt ----------------------------------------------------------------------------------

def test_gantt_flags_an_overdue_review_in_words_and_outline(client, login, make_user, make_project):
    call = past_call()
    late = started(make_project, make_user, call, days_ago=120, title="En retard")  # due 30 days ago
    on_time = started(make_project, make_user, call, days_ago=40, title="À l'heure")
    paused = started(make_project, make_user, call, days_ago=150, title="En pause")
    fire(paused, "pause", make_user("staff"), "Confinement", at=now() - timedelta(days=100))
    db.session.commit()
    login(make_user("staff"))
    html = page(client, f"/dashboard/promotions/{call.id}")
    svg = svgs(html)[0]
    rows = {g.get("data-project"): g for g in svg.iter(f"{NS}g") if g.get("data-project")}
    assert set(rows) == {str(late.id), str(on_time.id), str(paused.id)}

    def words(row):
        return " ".join(t.text or "" for t in row.iter(f"{NS}text"))

    def classes(row):
        return {c for el in row.iter() for c in (el.get("class") or "").split()}

    assert "Review overdue since" in words(rows[str(late.id)])
    assert "gantt__overdue" in classes(rows[str(late.id)])
    assert "gantt__overdue" not in classes(rows[str(on_time.id)])
    assert "Review on" in words(rows[str(on_time.id)])
    # On hold: the clock is stopped, nothing is overdue; the stand-by is hatched.
    assert "gantt__overdue" not in classes(rows[str(paused.id)]) and "gantt__hold" in classes(rows[str(paused.id)])
    assert "gantt__today" in {el.get("class") for el in svg.iter(f"{NS}g")}
    # The table says the same in words.
    table = html[html.index('id="phases-caption"'):]
    late_part = table[table.index("En retard"):]
    assert "Review overdue" in late_part[:late_part.index("</tbody>")]
    assert "On hold once" in table


def test_promotions_list_counts_incubated_running_and_overdue(client, login, make_user, make_project):
    call = past_call(title="Promotion comptée")
    started(make_project, make_user, call, days_ago=120, title="En retard")
    done = started(make_project, make_user, call, days_ago=60, title="Abandonné")
    fire(done, "abandon", make_user("staff"), "Plus de porteur")
    make_project("submitted", call=call)  # never reached incubation
    db.session.commit()
    login(make_user("staff"))
    html = page(client, "/dashboard/promotions")
    row = html[html.index("Promotion comptée"):]
    row = row[:row.index("</tr>")]
    assert re.findall(r'<td class="num">(?:<span class="tag tag--alert">)?(\d+)', row) == ["2", "1", "1"]


def test_gantt_plan_is_moved_later_by_a_stand_by(app):
    """Pure: planned end = start + phase months + time on hold; actual spans and the outcome from history."""
    start = datetime(2025, 1, 6, 9, tzinfo=UTC)

    def row(i, event, source, dest, days):  # a history row as the engine writes it
        return ProjectEvent(id=i, event=event, from_state=source, to_state=dest, at=start + timedelta(days=days),
                            comment="")

    # Transient objects, never added to the session: the rows as a page would have loaded them.
    project = Project(id=1, title="Kameha Meha", state="integrated", call=Call(workflow="pau", title="Appel"),
                      history=[row(1, "start", "selected", "pre_incubation", 0),
                               row(2, "pause", "pre_incubation", "on_hold", 30),
                               row(3, "resume", "on_hold", "pre_incubation", 60),
                               row(4, "graduate", "pre_incubation", "startup", 120),
                               row(5, "integrate", "startup", "integrated", 300)])
    with app.test_request_context():
        [row] = gantt.gantt_rows([project], start + timedelta(days=400), "en")
    pre = row.phases[0]
    assert pre.planned_end == datetime(2025, 4, 6, 9, tzinfo=UTC) + timedelta(days=30)  # 3 months + 30 days held
    assert [s.kind for s in row.spans] == ["phase", "phase", "phase", "hold"]
    assert row.outcome[0] == start + timedelta(days=300)
    assert not row.overdue
    svg = gantt.render([row], start + timedelta(days=400), svg_id="g")
    tree = ET.fromstring(str(svg))
    assert tree.find(f"{NS}title").text == "Timeline"
    # The promotion is over: the picture is not stretched to today, and no today line is drawn.
    assert "gantt__today" not in str(svg)


# --- weekly-log compliance ----------------------------------------------------------------------

def test_compliance_grid_and_counts_per_coach(client, login, make_user, make_project):
    today = paris_date(now())
    current = week_start(today)
    first = current - timedelta(weeks=6)
    call = past_call(days_ago=300)
    coach = make_user("coach", name="Ariane Coach")
    coached = started(make_project, make_user, call, days_ago=0, title="Projet suivi", coach=coach,
                      at=monday_at(first, 9))
    alone = make_project("selected", call=call, title="Projet sans coach")
    fire(alone, "start", make_user("staff"), at=monday_at(first, 9))
    for weeks_ago in (6, 5, 3):
        db.session.add(WeeklyLog(project_id=coached.id, week_start=current - timedelta(weeks=weeks_ago),
                                 confidence=3, days_spent=1))
    db.session.commit()
    login(make_user("staff"))
    html = page(client, "/dashboard/compliance")
    coaches = html[html.index('id="coaches-caption"'):html.index('id="grid-title"')]
    ariane = coaches[coaches.index("Ariane Coach"):]
    ariane = ariane[:ariane.index("</tr>")]
    assert re.findall(r'<td class="num">(?:<span class="tag tag--alert">)?(\d+)', ariane)[:4] == ["1", "6", "3", "3"]
    assert "50%" in ariane
    assert "No coach assigned" in coaches
    grid = html[html.index('id="grid-caption"'):]
    row = grid[grid.index("Projet suivi"):]
    row = row[:row.index("</tr>")]
    statuses = re.findall(r'coaching-cell--(\w+)', row)
    assert statuses == ["not_due"] * 3 + ["written", "written", "missing", "written", "missing", "missing",
                                          "in_progress"]
    # Filtered to one coach, the other project leaves the grid.
    only = page(client, f"/dashboard/compliance?coach={coach.id}")
    grid = only[only.index('id="grid-caption"'):]
    assert "Projet suivi" in grid and "Projet sans coach" not in grid
    nobody = page(client, "/dashboard/compliance?coach=0")
    grid = nobody[nobody.index('id="grid-caption"'):]
    assert "Projet sans coach" in grid and "Projet suivi" not in grid


# --- what falls due -----------------------------------------------------------------------------

def test_what_falls_due_lists_reviews_calls_and_sessions(client, login, make_user, make_project, make_call):
    call = past_call()
    started(make_project, make_user, call, days_ago=120, title="Revue en retard")
    started(make_project, make_user, call, days_ago=80, title="Revue prochaine")  # due in about 10 days
    started(make_project, make_user, call, days_ago=20, title="Revue lointaine")  # due in about 70 days
    closing = make_call(title="Appel qui ferme")  # closes in 20 days
    juror = make_user("jury")
    other_juror = make_user("jury")
    session = PitchSession(call=closing, title="Jury de décembre", starts_at=now() + timedelta(days=5),
                           coaching_at=now() + timedelta(days=5, hours=-4))
    session.jurors = [Juror(user=juror)]
    db.session.add(session)
    db.session.commit()
    login(make_user("staff"))
    html = page(client, "/dashboard/")
    overdue = html[html.index('id="overdue-title"'):html.index('id="upcoming-title"')]
    upcoming = html[html.index('id="upcoming-title"'):]
    assert "Revue en retard" in overdue and "Revue prochaine" not in overdue
    assert "Revue prochaine" in upcoming and "Revue lointaine" not in html
    assert "Appel qui ferme" in upcoming and "Jury de décembre" in upcoming
    # Sorted by date: the coaching morning, the pitch (in 5 days), the review (in ~10), the call (in 20).
    kinds = re.findall(r'class="dash-due__item dash-due__item--(\w+)"', upcoming)
    assert kinds == ["coaching", "pitch", "review", "call_closes"]
    # A juror sees the sessions they sit on, not the others.
    login(juror)
    assert "Jury de décembre" in page(client, "/dashboard/")
    login(other_juror)
    assert "Jury de décembre" not in page(client, "/dashboard/")


def test_late_timers_are_reported_to_the_programme_team_only(client, login, make_user):
    from incubator.notifications.models import Timer

    db.session.add(Timer(key="late-1", kind="review_due", due_at=now() - timedelta(hours=3)))
    db.session.commit()
    login(make_user("staff"))
    assert "incubator tick" in page(client, "/dashboard/")
    login(make_user("jury"))
    assert "incubator tick" not in page(client, "/dashboard/")


# --- pictures: well-formed SVG, every text escaped ----------------------------------------------

HOSTILE = '<script>alert("x")</script> & Cie'


def test_pictures_escape_hostile_titles_and_parse_as_xml(client, login, make_user, make_project):
    call = past_call(title='Appel "R&D" <b>gras</b>')
    project = started(make_project, make_user, call, days_ago=120, title=HOSTILE)
    login(make_user("staff"))
    for path in (f"/dashboard/promotions/{call.id}", f"/dashboard/funnel?call={call.id}",
                 f"/dashboard/board?call={call.id}", "/dashboard/compliance", "/dashboard/"):
        html = page(client, path)
        assert "<script>" not in html and "<b>gras" not in html, path
        for tree in svgs(html):
            assert tree.get("role") == "img"
            assert tree.find(f"{NS}title").text
    gantt_svg = svgs(page(client, f"/dashboard/promotions/{call.id}"))[0]
    titles = [t.text for t in gantt_svg.iter(f"{NS}text") if t.get("class") == "gantt__title"]
    assert "".join(titles).replace(" ", "") == HOSTILE.replace(" ", "")[:len("".join(titles).replace(" ", ""))]
    funnel_svg_tree = svgs(page(client, f"/dashboard/funnel?call={call.id}"))[0]
    assert funnel_svg_tree.find(f"{NS}title").text == 'Funnel of “Appel "R&D" <b>gras</b>”'
    assert project.id


def test_funnel_svg_is_pure_and_escapes(app):
    svg = funnel_svg([(HOSTILE, 10), ("Deux & trois", 4), ("Zéro", 0)], svg_id="f")
    tree = ET.fromstring(str(svg))
    labels = [t.text for t in tree.iter(f"{NS}text") if t.get("class") == "funnel__label"]
    assert labels[0].startswith("<script>")
    counts = [t.text for t in tree.iter(f"{NS}text") if "funnel__count" in (t.get("class") or "")]
    assert counts == ["10", "4", "0"]
    rates = [t.text for t in tree.iter(f"{NS}text") if t.get("class") == "funnel__rate"]
    assert rates == ["40 %", "0 %"]
    assert funnel_svg([], svg_id="e") == ""


# --- query counts do not grow with the number of projects ----------------------------------------

_bulk = itertools.count(1)


def bulk_projects(call, n: int, coach: User) -> None:
    """`n` projects straight into the tables: a third submitted, the rest in pre-incubation (started
    100 days ago, so a review is overdue) with a coach, their history and a few weekly logs."""
    at = now()
    begun = at - timedelta(days=100)
    rows, logs = [], []
    monday = week_start(paris_date(at))
    for k in range(n):
        i = next(_bulk)
        agent = User(email=f"dash{i}@example.org", name=f"Agent {i}", role_rows=[UserRole(role="agent")])
        history = [
            ProjectEvent(event="create", from_state=None, to_state="draft", at=begun - timedelta(days=60)),
            ProjectEvent(event="submit", from_state="draft", to_state="submitted", at=begun - timedelta(days=50)),
        ]
        if k % 3 == 0:
            rows.append(Project(call=call, title=f"Candidature {i}", state="submitted", history=history,
                                members=[ProjectMember(user=agent)], submitted_at=begun - timedelta(days=50)))
            continue
        history += [ProjectEvent(event="shortlist", from_state="submitted", to_state="shortlisted",
                                 at=begun - timedelta(days=40)),
                    ProjectEvent(event="select", from_state="shortlisted", to_state="selected",
                                 at=begun - timedelta(days=20)),
                    ProjectEvent(event="start", from_state="selected", to_state="pre_incubation", at=begun)]
        project = Project(call=call, title=f"Incubé {i}", state="pre_incubation", phase="pre_incubation",
                          phase_started_at=begun, review_due_at=begun + timedelta(days=91), history=history,
                          submitted_at=begun - timedelta(days=50), members=[ProjectMember(user=agent)],
                          coaches=[ProjectCoach(user=coach)])
        logs += [(project, monday - timedelta(weeks=w)) for w in (1, 3, 4)]
        rows.append(project)
    db.session.add_all(rows)
    db.session.flush()
    db.session.add_all([WeeklyLog(project_id=project.id, week_start=week, confidence=3, days_spent=1)
                        for project, week in logs])
    db.session.commit()


def _statements(client, count_queries, path: str) -> int:
    client.get(path)  # warm-up
    with count_queries() as counter:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return counter.count


@pytest.mark.parametrize("role", ["staff", "jury"])
def test_query_count_does_not_grow_with_projects(client, login, make_user, count_queries, role):
    call = past_call(days_ago=400)
    coach = make_user("coach")
    bulk_projects(call, 3, coach)
    session = PitchSession(call=call, title="Jury", starts_at=now() + timedelta(days=3))
    db.session.add(session)
    db.session.commit()
    login(make_user(role))
    paths = [*PAGES, f"/dashboard/promotions/{call.id}", f"/dashboard/board?call={call.id}",
             f"/dashboard/funnel?call={call.id}", f"/dashboard/compliance?coach={coach.id}"]
    small = {path: _statements(client, count_queries, path) for path in paths}
    bulk_projects(call, 30, coach)
    large = {path: _statements(client, count_queries, path) for path in paths}
    assert large == small
    assert max(small.values()) <= 14, small
