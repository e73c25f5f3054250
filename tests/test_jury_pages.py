"""The jury pages through their HTML forms: sessions, the jury, score sheets, scoreboard, deliberation.

Every POST carries the CSRF token of the page it comes from, as a browser would send it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from incubator.extensions import db
from incubator.jury import operations as jury
from incubator.jury.models import Conflict, Criterion, Juror, JuryDraw, PitchSession, PitchSlot, ScoreSheet
from incubator.models import Project, User
from tests.conftest import csrf_token
from tests.test_pages import count, forms_of, fresh, location, submit, text


@dataclass
class Day:
    call: object
    projects: list[Project]
    session: PitchSession
    staff: User
    chair: User
    members: list[User]  # appointed jurors, the chair first
    criteria: list[Criterion]
    team: list[User] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"/jury/{self.session.id}"

    def score_url(self, project) -> str:
        return f"/jury/{self.session.id}/projects/{project.id}/score"

    def juror(self, user) -> Juror:
        return db.session.scalar(select(Juror).where(Juror.session_id == self.session.id, Juror.user_id == user.id))


@pytest.fixture
def day(make_user, make_call, make_project):
    call = make_call()
    team = [make_user("agent", service="Service des équipes")]
    projects = [make_project("shortlisted", call=call, title="Pau Partage", team=team),
                make_project("shortlisted", call=call, title="Poubelle Battle"),
                make_project("shortlisted", call=call, title="ID Quart")]
    staff = make_user("staff", name="Équipe Programme")
    chair = make_user("jury", name="Isabelle Rousseau")
    other = make_user("jury", name="Alain Dupuy")
    session = jury.create_session(call, title="Jury du 14 janvier", starts_at=datetime(2030, 1, 14, 8, tzinfo=UTC),
                                  place="Salle du conseil", minutes_per_pitch=15,
                                  project_ids=[p.id for p in projects])
    jury.appoint_juror(session, chair, chair=True)
    jury.appoint_juror(session, other)
    criteria = jury.ensure_criteria(call)
    db.session.commit()
    return Day(call, projects, session, staff, chair, [chair, other], criteria, team)


def score_all(day, users, projects, value=4, submit=True):
    for user in users:
        for project in projects:
            jury.save_scores(day.juror(user), project, {c.id: value for c in day.criteria}, submit=submit)
    db.session.commit()


# --- scheduling a session from the call page -----------------------------------------------------------


def test_staff_schedule_a_session_from_the_call_page(make_user, make_call, make_project, login, client):
    call = make_call()
    shortlisted = make_project("shortlisted", call=call, title="Histologe")
    make_project("submitted", call=call, title="Pas encore présélectionné")
    login(make_user("staff"))
    page = client.get(f"/calls/{call.id}")
    assert f'href="/jury/calls/{call.id}/sessions/new"' in page.get_data(as_text=True)

    form_page = client.get(f"/jury/calls/{call.id}/sessions/new")
    assert form_page.status_code == 200
    body = text(form_page)
    assert "Histologe" in body and "Pas encore présélectionné" not in body
    response = submit(client, form_page, f"/jury/calls/{call.id}/sessions/new", {
        "title": "Jury de janvier", "starts_at": "2030-01-14T09:00", "place": "Salle du conseil",
        "coaching_at": "2030-01-14T08:00", "coaching_place": "Salle B", "minutes_per_pitch": "20",
        "share_scores": "y", "projects": [str(shortlisted.id)]})
    session = db.session.scalar(select(PitchSession))
    assert location(response) == f"/jury/{session.id}"
    assert session.title == "Jury de janvier" and session.minutes_per_pitch == 20 and session.share_scores
    assert session.starts_at == datetime(2030, 1, 14, 8, tzinfo=UTC)
    assert [s.project_id for s in session.slots] == [shortlisted.id]
    assert "Jury de janvier" in text(client.get(f"/calls/{call.id}"))


def test_a_session_without_a_title_is_shown_again_with_its_error(make_user, make_call, login, client):
    call = make_call()
    login(make_user("staff"))
    page = client.get(f"/jury/calls/{call.id}/sessions/new")
    response = submit(client, page, f"/jury/calls/{call.id}/sessions/new",
                      {"title": "", "starts_at": "2030-01-14T09:00", "minutes_per_pitch": "15"})
    assert response.status_code == 422
    assert 'id="title-error"' in response.get_data(as_text=True)
    fresh()
    assert count(PitchSession) == 0


@pytest.mark.parametrize("role", ["agent", "jury", "coach"])
def test_only_the_programme_team_schedules(role, make_user, make_call, login, client):
    call = make_call()
    login(make_user(role))
    assert client.get(f"/jury/calls/{call.id}/sessions/new").status_code == 403
    assert "/sessions/new" not in client.get(f"/calls/{call.id}").get_data(as_text=True)


# --- the session page ---------------------------------------------------------------------------------


def test_the_session_page_shows_the_running_order_with_times_and_the_jury(day, login, client):
    login(day.staff)
    page = client.get(day.url)
    assert page.status_code == 200
    body = text(page)
    # 08:00 UTC is 09:00 in Paris; then every 15 minutes.
    for title, time in (("Pau Partage", "09:00"), ("Poubelle Battle", "09:15"), ("ID Quart", "09:30")):
        assert title in body and time in body
    assert "Isabelle Rousseau" in body and "Alain Dupuy" in body
    assert f'href="/projects/{day.projects[0].id}"' in page.get_data(as_text=True)


def test_who_sees_a_session(day, make_user, login, client):
    login(make_user("jury"))  # a jury member not sitting on this one
    assert client.get(day.url).status_code == 404
    login(make_user("agent"))
    assert client.get(day.url).status_code == 404
    login(day.members[1])
    page = client.get(day.url)
    assert page.status_code == 200
    assert "Mes notes" in text(page) or "My scores" in text(page)
    # A juror does not manage the session.
    assert f"/jury/{day.session.id}/draws" not in page.get_data(as_text=True)
    assert client.get(f"/jury/{day.session.id}/scoreboard").status_code == 403
    assert client.get(f"/jury/{day.session.id}/deliberation").status_code == 403


def test_staff_reorder_remove_and_add_projects(day, make_project, login, client):
    late = make_project("shortlisted", call=day.call, title="Simone & Co")
    login(day.staff)
    page = client.get(day.url)
    a, b, c = day.projects
    response = submit(client, page, f"/jury/{day.session.id}/order", {
        f"position-{a.id}": "3", f"position-{b.id}": "1", f"position-{c.id}": "2",
        "remove": [str(c.id)], "add": [str(late.id)]})
    assert location(response) == day.url
    fresh()
    session = db.session.get(PitchSession, day.session.id)
    assert [s.project_id for s in session.slots] == [b.id, a.id, late.id]


def test_staff_appoint_a_juror_and_make_them_chair(day, make_user, login, client):
    elected = make_user("jury", name="Claire Lafitte")
    login(day.staff)
    page = client.get(day.url)
    response = submit(client, page, f"/jury/{day.session.id}/jurors", {"user": str(elected.id), "chair": "y"})
    assert location(response) == day.url
    fresh()
    juror = day.juror(elected)
    assert juror.kind == "appointed" and juror.is_chair
    assert not day.juror(day.chair).is_chair


def test_staff_draw_agents_and_the_page_shows_how_to_check_it(day, make_user, login, client):
    for i in range(5):
        make_user("agent", service=f"Service {i}")
    login(day.staff)
    page = client.get(day.url)
    response = submit(client, page, f"/jury/{day.session.id}/draws", {"size": "2", "seed": "pau-2019"})
    assert location(response) == day.url
    fresh()
    draw = db.session.scalar(select(JuryDraw))
    assert draw.seed == "pau-2019" and len(draw.drawn) == 2
    assert not set(draw.drawn) & {u.id for u in day.team}
    body = text(client.get(day.url))
    assert "pau-2019" in body
    assert ", ".join(str(i) for i in draw.pool) in body
    assert ", ".join(str(i) for i in jury.rerun_draw(draw)) in body
    assert "badge--success" in body


def test_a_draw_larger_than_the_pool_is_refused_on_the_page(day, login, client):
    login(day.staff)
    page = client.get(day.url)
    response = submit(client, page, f"/jury/{day.session.id}/draws", {"size": "50", "seed": ""})
    assert response.status_code == 422
    assert 'id="size-error"' in response.get_data(as_text=True)
    fresh()
    assert count(JuryDraw) == 0


def test_staff_mark_a_juror_absent_then_replace_them(day, make_user, login, client):
    substitute = make_user("jury", name="Sylvie Perrin")
    other = day.juror(day.members[1])
    login(day.staff)
    page = client.get(day.url)
    response = submit(client, page, f"/jury/{day.session.id}/jurors/{other.id}/absent",
                      {f"j{other.id}-note": "Conseil municipal"})
    assert location(response) == day.url
    fresh()
    assert day.juror(day.members[1]).absent
    page = client.get(day.url)
    assert "Conseil municipal" in text(page)
    response = submit(client, page, f"/jury/{day.session.id}/jurors/{other.id}/replace",
                      {f"j{other.id}-user": str(substitute.id)})
    assert location(response) == day.url
    fresh()
    replacement = day.juror(substitute)
    assert replacement.kind == "replacement" and replacement.replaces_id == other.id
    body = text(client.get(day.url))
    assert "Remplace Alain Dupuy" in body or "Replaces Alain Dupuy" in body
    page = client.get(day.url)
    response = submit(client, page, f"/jury/{day.session.id}/jurors/{other.id}/present", {})
    assert location(response) == day.url
    fresh()
    assert not day.juror(day.members[1]).absent


def test_staff_edit_the_session(day, login, client):
    login(day.staff)
    page = client.get(f"{day.url}/edit")
    response = submit(client, page, f"{day.url}/edit", {"title": "Jury de printemps", "minutes_per_pitch": "10"})
    assert location(response) == day.url
    fresh()
    session = db.session.get(PitchSession, day.session.id)
    assert session.title == "Jury de printemps" and session.minutes_per_pitch == 10
    assert session.place == "Salle du conseil"


# --- the scoring grid ---------------------------------------------------------------------------------


def test_staff_edit_the_grid_empty_rows_are_ignored(day, login, client):
    login(day.staff)
    page = client.get(f"/jury/calls/{day.call.id}/criteria")
    assert page.status_code == 200
    fields = [f for f in forms_of(page) if f["action"].endswith("/criteria")][0]["fields"]
    assert "criteria-4-name" in fields and "criteria-5-name" not in fields  # 3 + 2 empty rows
    response = submit(client, page, f"/jury/calls/{day.call.id}/criteria", {
        "criteria-0-name": "Pertinence", "criteria-0-weight": "2",
        "criteria-3-name": "Faisabilité", "criteria-3-description": "Peut-on le faire ?"})
    assert response.status_code == 302
    fresh()
    grid = db.session.scalars(select(Criterion).where(Criterion.call_id == day.call.id)
                              .order_by(Criterion.position)).all()
    assert [(c.name, c.weight) for c in grid] == [("Pertinence", 2), (grid[1].name, 1), (grid[2].name, 1),
                                                  ("Faisabilité", 1)]


def test_an_invalid_grid_row_is_shown_with_its_error(day, login, client):
    login(day.staff)
    page = client.get(f"/jury/calls/{day.call.id}/criteria")
    response = submit(client, page, f"/jury/calls/{day.call.id}/criteria",
                      {"criteria-1-scale_min": "5", "criteria-1-scale_max": "3"})
    assert response.status_code == 422
    assert 'id="criteria-1-scale_max-error"' in response.get_data(as_text=True)


def test_the_grid_is_read_only_once_scores_exist(day, login, client):
    score_all(day, [day.chair], day.projects[:1])
    login(day.staff)
    page = client.get(f"/jury/calls/{day.call.id}/criteria")
    assert page.status_code == 200
    assert not [f for f in forms_of(page) if f["action"].endswith("/criteria")]
    response = client.post(f"/jury/calls/{day.call.id}/criteria",
                           data={"csrf_token": csrf_token(client), "criteria-0-name": "Autre"})
    assert response.status_code == 302
    fresh()
    assert "Autre" not in {c.name for c in db.session.scalars(select(Criterion))}


# --- score sheets -------------------------------------------------------------------------------------


def test_a_juror_saves_a_draft_then_submits_and_only_then_sees_the_others(day, login, client):
    project = day.projects[0]
    score_all(day, [day.members[1]], [project], value=2)  # the other juror submitted already
    login(day.chair)
    page = client.get(day.score_url(project))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'type="radio"' in html and "Pau Partage" in html
    assert "Alain Dupuy" not in text(page)  # the other sheet is hidden

    first = {f"criterion-{c.id}": "5" for c in day.criteria[:1]}
    response = submit(client, page, day.score_url(project), {**first, "comment": "Prometteur", "action": "draft"})
    assert location(response) == day.score_url(project)
    fresh()
    sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.project_id == project.id,
                                                       ScoreSheet.juror_id == day.juror(day.chair).id))
    assert sheet.submitted_at is None and sheet.comment == "Prometteur"
    page = client.get(day.score_url(project))
    assert "Alain Dupuy" not in text(page)
    assert re.search(r'value="5"[^>]*checked|checked[^>]*value="5"', page.get_data(as_text=True))

    # Submitting with a criterion missing is refused, with the field's error.
    response = client.post(day.score_url(project), data={
        "csrf_token": csrf_token(client), f"criterion-{day.criteria[0].id}": "5", "action": "submit"})
    assert response.status_code == 422
    assert f'id="criterion-{day.criteria[1].id}-error"' in response.get_data(as_text=True)

    page = client.get(day.score_url(project))
    values = {f"criterion-{c.id}": "4" for c in day.criteria}
    response = submit(client, page, day.score_url(project), {**values, "action": "submit"})
    assert location(response) == day.score_url(project)
    body = text(client.get(day.score_url(project)))
    assert "Alain Dupuy" in body


def test_a_juror_declares_a_conflict_and_no_longer_scores(day, login, client):
    project = day.projects[1]
    login(day.members[1])
    page = client.get(day.score_url(project))
    response = submit(client, page, f"/jury/{day.session.id}/projects/{project.id}/conflict",
                      {"reason": "Je travaille avec l'équipe"})
    assert location(response) == day.score_url(project)
    fresh()
    assert count(Conflict) == 1
    page = client.get(day.score_url(project))
    assert 'type="radio"' not in page.get_data(as_text=True)
    assert "Je travaille avec l'équipe" in text(page)
    # Posting scores anyway is refused.
    response = client.post(day.score_url(project), data={
        "csrf_token": csrf_token(client), "action": "submit", **{f"criterion-{c.id}": "3" for c in day.criteria}})
    assert response.status_code == 302
    fresh()
    assert count(ScoreSheet, ScoreSheet.project_id == project.id) == 0
    assert "Récusé" in text(client.get(day.url)) or "Recused" in text(client.get(day.url))


def test_a_conflict_without_a_reason_is_refused(day, login, client):
    project = day.projects[1]
    login(day.members[1])
    page = client.get(day.score_url(project))
    response = submit(client, page, f"/jury/{day.session.id}/projects/{project.id}/conflict", {"reason": ""})
    assert response.status_code == 422
    assert 'id="reason-error"' in response.get_data(as_text=True)
    fresh()
    assert count(Conflict) == 0


def test_the_juror_list_of_scores(day, login, client):
    score_all(day, [day.chair], day.projects[:1])
    score_all(day, [day.chair], day.projects[1:2], submit=False)
    login(day.chair)
    page = client.get(day.url)
    statuses = re.findall(r'class="badge badge--(success|warning|draft)"', page.get_data(as_text=True))
    assert statuses[:3] == ["success", "warning", "draft"]


def test_scores_are_read_only_once_closed(day, login, client):
    score_all(day, day.members, day.projects)
    jury.close_deliberation(day.session, day.staff)
    db.session.commit()
    login(day.chair)
    page = client.get(day.score_url(day.projects[0]))
    assert page.status_code == 200
    assert 'type="radio"' not in page.get_data(as_text=True)
    assert "Alain Dupuy" in text(page)


# --- scoreboard and deliberation ----------------------------------------------------------------------


def test_the_scoreboard_flags_disagreement_and_hides_unscored_rows_from_the_chair(day, login, client):
    jury.save_scores(day.juror(day.members[1]), day.projects[0], {c.id: 1 for c in day.criteria}, submit=True)
    jury.save_scores(day.juror(day.chair), day.projects[0], {c.id: 5 for c in day.criteria}, submit=True)
    jury.save_scores(day.juror(day.members[1]), day.projects[1], {c.id: 3 for c in day.criteria}, submit=True)
    db.session.commit()
    login(day.chair)
    page = client.get(f"{day.url}/scoreboard")
    assert page.status_code == 200
    body = text(page)
    assert "board__row--disagreement" in page.get_data(as_text=True)
    assert "Désaccord fort" in body or "Strong disagreement" in body
    assert re.search(r'board__mean">3[,.]0<', page.get_data(as_text=True))  # mean of 1 and 5
    assert "masqué" in body or "hidden until you submit" in body  # the chair has not scored project 2
    login(day.staff)
    body = text(client.get(f"{day.url}/scoreboard"))
    assert "hidden until you submit" not in body and "masqué jusqu" not in body


def test_scoreboard_queries_do_not_grow_with_projects_or_jurors(day, make_user, make_project, login, client,
                                                                 count_queries):
    login(day.staff)
    score_all(day, day.members, day.projects)
    # Paths computed outside the counting blocks: reading the test's expired objects would count.
    board, page_url, deliberation_url = f"{day.url}/scoreboard", day.url, f"{day.url}/deliberation"
    client.get(board)
    with count_queries() as few:
        assert client.get(board).status_code == 200
    with count_queries() as page:
        assert client.get(page_url).status_code == 200
    with count_queries() as deliberation:
        assert client.get(deliberation_url).status_code == 200
    more = [make_project("shortlisted", call=day.call, title=f"Projet {i}") for i in range(6)]
    jury.set_running_order(day.session, [p.id for p in day.projects + more])
    extra = [make_user("jury") for _ in range(4)]
    for user in extra:
        jury.appoint_juror(day.session, user)
    db.session.commit()
    score_all(day, day.members + extra, day.projects + more)
    with count_queries() as many:
        assert client.get(board).status_code == 200
    assert many.count == few.count
    with count_queries() as page_again:
        assert client.get(page_url).status_code == 200
    with count_queries() as deliberation_again:
        assert client.get(deliberation_url).status_code == 200
    assert page_again.count == page.count
    assert deliberation_again.count == deliberation.count


def test_a_decision_before_everyone_scored_is_refused_then_the_chair_overrides(day, login, client):
    project = day.projects[0]
    score_all(day, [day.chair], [project])
    login(day.chair)
    page = client.get(f"{day.url}/deliberation")
    assert page.status_code == 200
    path = f"/jury/{day.session.id}/projects/{project.id}/decision"
    prefix = f"p{project.id}"
    response = submit(client, page, path, {f"{prefix}-event": "select", f"{prefix}-rationale": "Très bon projet"})
    assert response.status_code == 422
    body = text(response)
    assert "Alain Dupuy" in body
    assert "Très bon projet" in body  # what was typed is kept
    fresh()
    assert db.session.get(Project, project.id).state == "shortlisted"

    page = client.get(f"{day.url}/deliberation")
    response = submit(client, page, path, {f"{prefix}-event": "select", f"{prefix}-rationale": "Très bon projet",
                                           f"{prefix}-override_reason": "Alain Dupuy a dû partir"})
    assert location(response) == f"{day.url}/deliberation"
    fresh()
    assert db.session.get(Project, project.id).state == "selected"
    slot = db.session.scalar(select(PitchSlot).where(PitchSlot.project_id == project.id))
    assert slot.override_reason == "Alain Dupuy a dû partir"


def test_staff_who_are_not_chair_cannot_override(day, login, client):
    project = day.projects[0]
    login(day.staff)
    page = client.get(f"{day.url}/deliberation")
    html = page.get_data(as_text=True)
    assert f"/projects/{project.id}/decision" not in html  # waiting for the jurors
    score_all(day, day.members, [project])
    page = client.get(f"{day.url}/deliberation")
    prefix = f"p{project.id}"
    response = submit(client, page, f"/jury/{day.session.id}/projects/{project.id}/decision",
                      {f"{prefix}-event": "reject", f"{prefix}-rationale": ""})
    assert response.status_code == 422
    assert f'id="{prefix}-rationale-error"' in response.get_data(as_text=True)
    page = client.get(f"{day.url}/deliberation")
    response = submit(client, page, f"/jury/{day.session.id}/projects/{project.id}/decision",
                      {f"{prefix}-event": "reject", f"{prefix}-rationale": "Hors du champ du programme"})
    assert response.status_code == 302
    fresh()
    assert db.session.get(Project, project.id).state == "rejected"


def test_notes_then_closing_makes_everything_read_only(day, login, client):
    login(day.chair)
    page = client.get(f"{day.url}/deliberation")
    response = submit(client, page, f"{day.url}/deliberation", {"notes": "Débat sur la faisabilité."})
    assert location(response) == f"{day.url}/deliberation"
    page = client.get(f"{day.url}/deliberation")
    assert "Débat sur la faisabilité." in text(page)
    response = submit(client, page, f"/jury/{day.session.id}/close", {})
    assert location(response) == f"{day.url}/deliberation"
    fresh()
    session = db.session.get(PitchSession, day.session.id)
    assert session.is_closed and session.deliberation_notes == "Débat sur la faisabilité."
    page = client.get(f"{day.url}/deliberation")
    assert not [f for f in forms_of(page) if "/jury/" in f["action"]]
    assert "Débat sur la faisabilité." in text(page)
    login(day.staff)
    page = client.get(day.url)
    assert not [f for f in forms_of(page) if "/jury/" in f["action"]]


# --- the project page and the home page ---------------------------------------------------------------


def test_the_team_sees_the_decision_and_the_shared_averages(day, login, client):
    day.session.share_scores = True
    score_all(day, day.members, day.projects[:1], value=4)
    project = day.projects[0]
    jury.decide(day.session, project, day.chair, "select", "Un besoin réel et bien documenté")
    db.session.commit()
    login(day.team[0])
    body = text(client.get(f"/projects/{project.id}"))
    assert "Un besoin réel et bien documenté" in body
    shared = re.compile(r"4[,.]0 (out of|sur) 5")
    assert not shared.search(body)  # not closed yet
    jury.close_deliberation(db.session.get(PitchSession, day.session.id), day.staff)
    db.session.commit()
    body = text(client.get(f"/projects/{project.id}"))
    assert shared.search(body)


def test_the_project_page_shows_the_mentor(day, make_user, login, client):
    project = day.projects[0]
    mentor = make_user("jury", name="Directrice Générale Adjointe")
    project.mentor = mentor
    db.session.commit()
    login(day.team[0])
    assert "Directrice Générale Adjointe" in text(client.get(f"/projects/{project.id}"))


def test_the_project_page_queries_stay_bounded_with_pitches(day, login, client, count_queries):
    login(day.staff)
    project = day.projects[0]
    url = f"/projects/{project.id}"
    client.get(url)
    with count_queries() as before:
        client.get(url)
    day.session.share_scores = True
    score_all(day, day.members, [project])
    jury.decide(day.session, project, day.chair, "select", "Oui")
    jury.close_deliberation(day.session, day.staff)
    db.session.commit()
    with count_queries() as after:
        client.get(url)
    assert after.count == before.count + 1  # the criterion averages


def test_the_home_page_lists_my_jury_sessions(day, make_user, login, client, count_queries):
    login(day.members[1])
    body = text(client.get("/"))
    assert "Jury du 14 janvier" in body
    login(make_user("jury"))
    assert "Jury du 14 janvier" not in text(client.get("/"))


def test_new_session_starts_in_the_future_far_enough(day):
    assert day.session.starts_at > datetime.now(UTC) + timedelta(days=1)


def test_a_recused_chair_sees_why_scores_are_hidden(day, login, client):
    project = day.projects[0]
    score_all(day, [day.members[1]], [project])
    jury.declare_conflict(day.juror(day.chair), project, "Ma direction porte le projet")
    db.session.commit()
    login(day.chair)
    body = text(client.get(f"{day.url}/scoreboard"))
    assert "hidden: you are recused" in body or "récus" in body
    body = text(client.get(day.score_url(project)))
    assert "Ma direction porte le projet" in body
    assert 'class="sheet-card"' not in client.get(day.score_url(project)).get_data(as_text=True)


def test_unknown_projects_and_jurors_are_404(day, make_project, login, client):
    outsider = make_project("shortlisted", call=day.call, title="Hors séance")
    login(day.chair)
    assert client.get(day.score_url(outsider)).status_code == 404
    assert client.get("/jury/999999").status_code == 404
    login(day.staff)
    response = client.post(f"/jury/{day.session.id}/jurors/999999/present", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 404


def _ids(response) -> list[str]:
    return re.findall(r'\sid="([^"]+)"', response.get_data(as_text=True))


@pytest.mark.parametrize("who", ["staff", "chair", "juror"])
def test_every_jury_page_has_unique_ids(day, make_user, who, login, client):
    for i in range(3):
        make_user("agent", service=f"Service {i}")
    jury.draw_jurors(day.session, 1, day.staff, seed="ids")
    jury.declare_conflict(day.juror(day.members[1]), day.projects[2], "Raison")
    score_all(day, [day.chair], day.projects[:1])
    user = {"staff": day.staff, "chair": day.chair, "juror": day.members[1]}[who]
    login(user)
    paths = [day.url, day.score_url(day.projects[0]), day.score_url(day.projects[2])]
    if who != "juror":
        paths += [f"{day.url}/scoreboard", f"{day.url}/deliberation"]
    if who == "staff":
        paths += [f"{day.url}/edit", f"/jury/calls/{day.call.id}/criteria", f"/jury/calls/{day.call.id}/sessions/new",
                  f"/calls/{day.call.id}", f"/projects/{day.projects[0].id}"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        ids = _ids(response)
        duplicates = {i for i in ids if ids.count(i) > 1}
        assert not duplicates, (path, duplicates)


def test_changes_posted_to_a_closed_session_are_refused(day, make_user, login, client):
    score_all(day, day.members, day.projects[:1])
    jury.close_deliberation(day.session, day.staff)
    db.session.commit()
    elected = make_user("jury")
    login(day.staff)
    token = csrf_token(client)
    project = day.projects[0]
    other = day.juror(day.members[1])
    posts = [
        (f"{day.url}/jurors", {"user": str(elected.id)}),
        (f"{day.url}/draws", {"size": "1"}),
        (f"{day.url}/order", {f"position-{project.id}": "1"}),
        (f"{day.url}/jurors/{other.id}/absent", {}),
        (f"{day.url}/jurors/{other.id}/chair", {}),
        (f"{day.url}/deliberation", {"notes": "Après coup"}),
        (f"/jury/{day.session.id}/projects/{project.id}/decision",
         {f"p{project.id}-event": "select", f"p{project.id}-rationale": "Après coup"}),
    ]
    for path, data in posts:
        response = client.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 302, path
    fresh()
    assert count(Juror, Juror.session_id == day.session.id) == 2
    assert db.session.get(Project, project.id).state == "shortlisted"
    assert db.session.get(PitchSession, day.session.id).deliberation_notes == ""
    assert "La délibération est close" in text(client.get(day.url)) or "closed" in text(client.get(day.url))


def test_a_recused_chair_gets_no_decision_form_for_that_project(day, login, client):
    project = day.projects[0]
    jury.declare_conflict(day.juror(day.chair), project, "Mon ancien service")
    score_all(day, [day.members[1]], [project])
    db.session.commit()
    login(day.chair)
    page = client.get(f"{day.url}/deliberation")
    html = page.get_data(as_text=True)
    assert f"/projects/{project.id}/decision" not in html
    assert f"/projects/{day.projects[1].id}/decision" in html


def test_a_drawn_agent_scores_on_the_session_pages(day, make_user, login, client):
    agent = make_user("agent", service="Service tiré", name="Agent Tiré")
    jury.draw_jurors(day.session, 1, day.staff, seed="tirage")
    db.session.commit()
    login(agent)
    home = text(client.get("/"))
    assert "Jury du 14 janvier" in home
    page = client.get(day.url)
    assert page.status_code == 200
    # The drawn agent may not open the projects' own pages: titles, no links.
    assert f'href="/projects/{day.projects[0].id}"' not in page.get_data(as_text=True)
    project = day.projects[0]
    sheet_page = client.get(day.score_url(project))
    assert sheet_page.status_code == 200 and "Un problème de terrain." in text(sheet_page)
    response = client.post(day.score_url(project), data={
        "csrf_token": csrf_token(client), "action": "submit", **{f"criterion-{c.id}": "3" for c in day.criteria}})
    assert location(response) == day.score_url(project)
    fresh()
    assert count(ScoreSheet, ScoreSheet.submitted_at.is_not(None)) == 1
