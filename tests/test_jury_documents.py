"""The jury's documents: the minutes (procès-verbal) and the mission letter, as pages and PDF."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from pypdf import PdfReader

from incubator.extensions import db
from incubator.jury import letters
from incubator.jury import operations as jury
from incubator.jury.models import Juror, PitchSession
from incubator.models import Call, Programme, Project, User
from tests.conftest import csrf_token

SEED = "graine-pau-2026"
RECUSAL = "Son conjoint porte le projet au sein de la même direction."
OVERRIDE = "Le juré remplaçant a dû quitter la séance avant la fin."
DECISION_LABELS = {"select": "Sélectionner", "ask_rework": "Demander de retravailler", "reject": "Refuser"}


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@dataclass
class PitchDay:
    call: Call
    session: PitchSession
    projects: list[Project]
    staff: User
    chair: Juror
    jurors: list[Juror]  # every juror, the chair first
    team_member: User
    mentor: User
    outsider: User
    pool: list[User] = field(default_factory=list)

    @property
    def selected(self) -> Project:
        return self.projects[0]

    @property
    def idle_agent(self) -> User:
        """An agent of the draw's pool who was not drawn."""
        sitting = {j.user_id for j in self.session.jurors}
        return next(u for u in self.pool if u.id not in sitting)

    @property
    def drawn(self) -> Juror:
        return next(j for j in self.jurors if j.kind == "drawn" and not j.absent)


@pytest.fixture
def pitch_day(make_user, make_call, make_project):
    """A pitch day as it happens: appointed and drawn jurors, an absence and its replacement, a recusal,
    scores, three decisions (one by the chair's override)."""

    def build(n_projects: int = 3, n_appointed: int = 2, n_drawn: int = 2, close: bool = True,
              rationale: str = "Un problème chiffré, un test peu coûteux.") -> PitchDay:
        call = make_call()
        projects = [make_project("shortlisted", call=call, title=f"Projet numéro {i + 1}")
                    for i in range(n_projects)]
        pool = [make_user("agent", service=f"Service {i}", name=f"Agent tiré {i}") for i in range(n_drawn + 4)]
        staff = make_user("staff", name="Nathalie Garnier")
        chair_user = make_user("jury", name="Isabelle Rousseau")
        chair_user.title = "Directrice générale des services"
        others = [make_user("jury", name=f"Élu {i}") for i in range(n_appointed - 1)]
        mentor = make_user("jury", name="Sylvie Perrin")
        mentor.title = "Directrice générale adjointe"
        outsider = make_user("agent", name="Agent extérieur")
        now = datetime.now(UTC)
        session = jury.create_session(call, title="Jury de sélection 2026", starts_at=now + timedelta(hours=1),
                                      place="Hôtel de ville, salle du conseil", coaching_at=now,
                                      coaching_place="Salle 204", project_ids=[p.id for p in projects])
        chair = jury.appoint_juror(session, chair_user, chair=True)
        for user in others:
            jury.appoint_juror(session, user)
        if n_drawn:
            jury.draw_jurors(session, n_drawn, staff, seed=SEED)
            drawn = [j for j in session.jurors if j.kind == "drawn"]
            jury.mark_absent(drawn[-1], "Excusé : formation obligatoire.")
            jury.replace_juror(drawn[-1], staff)
        jurors = list(session.jurors)
        recused = jurors[1] if len(jurors) > 1 else chair
        if n_projects > 1:
            jury.declare_conflict(recused, projects[1], RECUSAL)
        criteria = jury.ensure_criteria(call)
        late = next((j for j in jurors if j.kind == "replacement"), None)
        for k, juror in enumerate(jurors):
            if juror.absent:
                continue
            for n, project in enumerate(projects):
                if juror is recused and n == 1:
                    continue
                if juror is late and n == 2:
                    continue
                jury.save_scores(juror, project, {c.id: 1 + (k + n + c.position) % 5 for c in criteria},
                                 comment=f"Avis de {juror.user.display_name}", submit=True)
        jury.decide(session, projects[0], chair_user, "select", rationale)
        if n_projects > 1:
            jury.decide(session, projects[1], chair_user, "ask_rework", "Préciser les usagers concernés.")
        if n_projects > 2:
            jury.decide(session, projects[2], chair_user, "reject", "Hors du champ du programme.",
                        override_reason=OVERRIDE if late else "")
        if close:
            jury.close_deliberation(session, chair_user, "Le jury salue la **qualité** des pitchs.")
        db.session.commit()
        return PitchDay(call=call, session=session, projects=projects, staff=staff, chair=chair, jurors=jurors,
                        team_member=projects[0].members[0].user, mentor=mentor, outsider=outsider, pool=pool)

    return build


def minutes_url(day: PitchDay, pdf: bool = False) -> str:
    return f"/jury/{day.session.id}/minutes" + (".pdf" if pdf else "")


def letter_url(day: PitchDay, project: Project | None = None, pdf: bool = False) -> str:
    project = project or day.selected
    return f"/jury/{day.session.id}/projects/{project.id}/mission-letter" + (".pdf" if pdf else "")


def name_mentor(day: PitchDay, client, login) -> None:
    login(day.staff)
    response = client.post(f"/jury/{day.session.id}/projects/{day.selected.id}/mentor",
                           data={"mentor": str(day.mentor.id), "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


# --- The minutes ----------------------------------------------------------------------------------

def test_the_minutes_pdf_lists_every_decision_and_recusal(pitch_day, login, client):
    day = pitch_day()
    login(day.staff)

    response = client.get(minutes_url(day, pdf=True))

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'inline; filename="proces-verbal-jury-de-selection-2026.pdf"'
    text = pdf_text(response.data)
    for project in day.projects:
        assert project.title in text
    for label in DECISION_LABELS.values():
        assert label in text
    assert RECUSAL in text
    assert OVERRIDE in text
    assert SEED in text
    assert "Un problème chiffré, un test peu coûteux." in text
    assert "Excusé : formation obligatoire." in text
    for juror in day.jurors:
        assert juror.user.display_name in text
    with force_locale("fr"):
        assert _("PROVISIONAL") not in text


def test_the_minutes_page_shows_the_session_jury_draw_scores_and_closing(pitch_day, login, client):
    day = pitch_day()
    login(day.chair.user)

    page = client.get(minutes_url(day)).get_data(as_text=True)

    assert "Hôtel de ville, salle du conseil" in page and "Salle 204" in page
    assert SEED in page
    draw = day.session.draws[0]
    assert ", ".join(str(i) for i in draw.pool) in page
    assert f"[:{draw.size}]" in page  # the line that re-runs it
    replacement = next(j for j in day.jurors if j.kind == "replacement")
    absent = next(j for j in day.jurors if j.absent)
    assert replacement.user.display_name in page and absent.user.display_name in page
    for juror in day.jurors:
        if not juror.absent:
            assert f"Avis de {juror.user.display_name}" in page  # each sheet with its comment
    assert "Le jury salue la <strong>qualité</strong> des pitchs." in page
    assert "stamp--final" in page and "stamp--provisional" not in page
    assert day.chair.user.display_name in page


def test_minutes_before_the_deliberation_closes_are_marked_provisional(pitch_day, login, client):
    day = pitch_day(close=False)
    login(day.staff)

    page = client.get(minutes_url(day)).get_data(as_text=True)
    text = pdf_text(client.get(minutes_url(day, pdf=True)).data)

    assert "stamp--provisional" in page
    with force_locale("fr"):
        label = _("PROVISIONAL")
    assert label in page
    assert label in text


def test_a_juror_sees_no_other_score_in_provisional_minutes_before_submitting(pitch_day, make_user, login,
                                                                              client):
    day = pitch_day(close=False)
    late = next(j for j in day.jurors if j.kind == "replacement")
    login(late.user)

    page = client.get(minutes_url(day)).get_data(as_text=True)

    last = day.projects[-1]
    section = page.split(f"3. {last.title}")[1].split("</div>")[0]
    assert "Avis de" not in section
    assert f"Avis de {day.chair.user.display_name}" in page  # projects they scored show the sheets


def test_minutes_render_hostile_markdown_inert(pitch_day, login, client):
    hostile = ('<script>alert("x")</script> <img src=x onerror=alert(1)> [clic](javascript:alert(1)) '
               '<a href="https://evil.example" onclick="steal()">lien</a>')
    day = pitch_day(rationale="Motivation " + hostile, close=False)
    jury.close_deliberation(day.session, day.chair.user, "Notes " + hostile)
    db.session.commit()
    login(day.staff)

    page = client.get(minutes_url(day)).get_data(as_text=True)
    document = page.split('<article class="document')[1]

    for live in ("<script", "<img", "onerror=", "javascript:", "onclick"):
        assert live not in document, live
    assert "Motivation" in document and "Notes" in document
    assert client.get(minutes_url(day, pdf=True)).status_code == 200


ROLES_MINUTES = [("staff", 200), ("chair", 200), ("juror", 200), ("team", 404), ("mentor", 404),
                 ("outsider", 404), ("pool_agent", 404)]


def _user(day: PitchDay, who: str) -> User:
    return {"staff": day.staff, "chair": day.chair.user, "juror": day.drawn.user, "team": day.team_member,
            "mentor": day.mentor, "outsider": day.outsider, "pool_agent": day.idle_agent}[who]


@pytest.mark.parametrize(("who", "status"), ROLES_MINUTES)
def test_who_reads_the_minutes(who, status, pitch_day, login, client):
    day = pitch_day()
    login(_user(day, who))
    assert client.get(minutes_url(day)).status_code == status
    assert client.get(minutes_url(day, pdf=True)).status_code == status


def test_the_minutes_need_a_login_and_an_existing_session(pitch_day, login, client):
    day = pitch_day()
    assert client.get(minutes_url(day)).status_code == 302
    login(day.staff)
    assert client.get("/jury/999999/minutes").status_code == 404
    assert client.get("/jury/999999/minutes.pdf").status_code == 404


def test_the_minutes_query_count_does_not_grow_with_projects_or_jurors(pitch_day, login, client, count_queries):
    small = pitch_day(n_projects=2, n_appointed=1, n_drawn=1)
    large = pitch_day(n_projects=6, n_appointed=4, n_drawn=3)
    login(small.staff)

    def queries(day):
        client.get(minutes_url(day))  # warm-up
        with count_queries() as counter:
            response = client.get(minutes_url(day))
        assert response.status_code == 200
        return counter.count

    assert len(large.session.slots) > len(small.session.slots)
    assert len(large.jurors) > len(small.jurors)
    assert queries(large) == queries(small)
    assert queries(large) <= 30


# --- The mentor and the mission letter ------------------------------------------------------------

def test_staff_names_a_mentor_and_the_letter_carries_title_team_and_mentor(pitch_day, login, client):
    day = pitch_day()
    name_mentor(day, client, login)
    db.session.expire_all()
    project = db.session.get(Project, day.selected.id)
    assert project.mentor_id == day.mentor.id

    page = client.get(letter_url(day)).get_data(as_text=True)
    response = client.get(letter_url(day, pdf=True))

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'inline; filename="lettre-de-mission-projet-numero-1.pdf"'
    text = pdf_text(response.data)
    team = [m.user for m in project.members]
    for content in (page, text):
        assert project.title in content
        assert "Sylvie Perrin" in content and "Directrice générale adjointe" in content
        for member in team:
            assert member.display_name in content
        assert "Un problème chiffré, un test peu coûteux." in content
        assert "pré-incubation de 3 mois" in content
        assert "Un jour par semaine" in content


def test_the_mentor_form_offers_jury_and_staff_but_not_the_team(pitch_day, make_user, login, client):
    day = pitch_day()
    coach = make_user("coach", name="Coach Martin")
    login(day.staff)

    page = client.get(letter_url(day)).get_data(as_text=True)

    options = re.findall(r'<option[^>]*value="(\d+)"', page)
    assert str(day.mentor.id) in options and str(day.staff.id) in options and str(day.chair.user.id) in options
    assert str(coach.id) not in options and str(day.team_member.id) not in options


def test_a_mentor_must_be_jury_or_staff(pitch_day, login, client):
    day = pitch_day()
    login(day.staff)

    response = client.post(f"/jury/{day.session.id}/projects/{day.selected.id}/mentor",
                           data={"mentor": str(day.outsider.id), "csrf_token": csrf_token(client)})

    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Project, day.selected.id).mentor_id is None


def test_assign_mentor_refuses_a_team_member_and_an_agent(pitch_day):
    day = pitch_day()
    with pytest.raises(letters.InvalidData):
        letters.assign_mentor(day.selected, day.outsider)
    day.team_member.set_roles(["agent", "jury"])
    with pytest.raises(letters.InvalidData):
        letters.assign_mentor(day.selected, day.team_member)
    letters.assign_mentor(day.selected, day.mentor)
    assert day.selected.mentor is day.mentor


ROLES_LETTER = [("staff", 200), ("chair", 200), ("juror", 200), ("team", 200), ("mentor", 200),
                ("outsider", 404), ("pool_agent", 404)]


@pytest.mark.parametrize(("who", "status"), ROLES_LETTER)
def test_who_reads_the_mission_letter(who, status, pitch_day, login, client):
    day = pitch_day()
    name_mentor(day, client, login)
    login(_user(day, who))
    assert client.get(letter_url(day)).status_code == status
    assert client.get(letter_url(day, pdf=True)).status_code == status


@pytest.mark.parametrize(("who", "status"), [("chair", 403), ("juror", 403), ("team", 403), ("mentor", 403),
                                             ("outsider", 404)])
def test_only_staff_names_the_mentor(who, status, pitch_day, login, client):
    day = pitch_day()
    name_mentor(day, client, login)
    login(_user(day, who))
    response = client.post(f"/jury/{day.session.id}/projects/{day.selected.id}/mentor",
                           data={"mentor": str(day.staff.id), "csrf_token": csrf_token(client)})
    assert response.status_code == status
    db.session.expire_all()
    assert db.session.get(Project, day.selected.id).mentor_id == day.mentor.id


def test_only_the_staff_sees_the_mentor_form(pitch_day, login, client):
    day = pitch_day()
    login(day.chair.user)
    assert 'name="mentor"' not in client.get(letter_url(day)).get_data(as_text=True)
    login(day.staff)
    assert 'name="mentor"' in client.get(letter_url(day)).get_data(as_text=True)


def test_no_mission_letter_for_a_project_the_jury_did_not_select(pitch_day, login, client):
    day = pitch_day()
    login(day.staff)
    for project in day.projects[1:]:
        assert client.get(letter_url(day, project)).status_code == 404
        assert client.post(f"/jury/{day.session.id}/projects/{project.id}/mentor",
                           data={"mentor": str(day.mentor.id), "csrf_token": csrf_token(client)}).status_code == 404
    other = pitch_day()
    assert client.get(f"/jury/{day.session.id}/projects/{other.selected.id}/mission-letter").status_code == 404


def test_is_selection_follows_the_decision_tone(pitch_day):
    day = pitch_day()
    slots = {s.project_id: s for s in day.session.slots}
    assert letters.is_selection(slots[day.projects[0].id])
    assert not letters.is_selection(slots[day.projects[1].id])
    assert not letters.is_selection(slots[day.projects[2].id])


def test_the_letter_uses_the_programme_template(pitch_day, login, client):
    day = pitch_day()
    programme = day.call.programme
    programme.mission_letter_template = "# Lettre pour ${project_title}\n\nMentor : ${mentor_name}. ${unknown}"
    db.session.commit()
    login(day.staff)

    page = client.get(letter_url(day)).get_data(as_text=True)

    assert f"<h2>Lettre pour {day.selected.title}</h2>" in page
    assert "Mentor : (mentor à désigner)." in page
    assert "${unknown}" in page  # safe_substitute leaves what it does not know


def test_hostile_markdown_in_template_rationale_and_project_is_inert(pitch_day, login, client):
    hostile = ('<script>alert("x")</script> <img src=x onerror=alert(1)> [clic](javascript:alert(1)) '
               '**gras** <a href="https://evil.example">lien</a>')
    day = pitch_day(rationale="Motivation " + hostile)
    project = day.selected
    project.title = "Titre <script>alert(2)</script> **gras**"
    project.problem = "# Titre injecté\n\n" + hostile
    project.members[0].user.name = "Nom [piège](https://evil.example) <b>gras</b>"
    day.call.programme.mission_letter_template = (
        "Modèle <script>alert(3)</script> [lien](javascript:alert(4)) <img src=x onerror=alert(5)>\n\n"
        "${project_title}\n\n${team}\n\n${problem}\n\n${rationale}")
    db.session.commit()
    login(day.staff)

    page = client.get(letter_url(day)).get_data(as_text=True)
    letter = page.split('class="letter prose"')[1]

    for live in ("<script", "<img", "onerror=", "javascript:", 'href="https://evil', "<strong>gras</strong>",
                 "<b>gras</b>", "<h2>Titre injecté</h2>", "<h1"):
        assert live not in letter, live
    # The values are shown, as text.
    assert "**gras**" in page and "&lt;b&gt;gras&lt;/b&gt;" in letter
    assert client.get(letter_url(day, pdf=True)).status_code == 200


def test_placeholder_values_cannot_inject_markdown(app):
    values = "# titre\n1. liste\n> citation\n| a | b |\n---\n    code\n<b>x</b> & [l](http://e) *i* `c` ${x}"
    data = letters.LetterData(
        project_title=values, team=[(values, values, values)], mentor_name=values, mentor_title=values,
        problem=values, proposal=values, decision_date=None, rationale=values, call_title=values,
        programme_name=values, organisation=values, session_date=None, chair_name=values,
        letter_date=datetime(2026, 1, 5, 10, tzinfo=UTC))
    template = "\n\n".join(f"${{{name}}}" for name in letters.PLACEHOLDERS)
    body = str(letters.render_markdown(letters.fill_template(template, data)))
    for tag in ("<h2>titre", "<ol>", "<blockquote>", "<table><thead><tr><th>a", "<hr", "<pre>", "<b>", "<a ",
                "<em>i", "<code>"):
        assert tag not in body, tag
    assert "&lt;b&gt;x&lt;/b&gt;" in body


def test_the_default_letter_is_french_and_uses_only_known_placeholders(app):
    assert letters.unknown_placeholders(letters.DEFAULT_MISSION_LETTER) == []
    text = letters.DEFAULT_MISSION_LETTER
    for phrase in ("Objet : lettre de mission", "3 mois", "un jour par semaine", "Signatures"):
        assert phrase.lower() in text.lower()


# --- The template's edit page ---------------------------------------------------------------------

def test_staff_edits_previews_and_resets_the_template(pitch_day, login, client):
    day = pitch_day()
    programme = day.call.programme
    url = f"/jury/programmes/{programme.id}/mission-letter-template"
    login(day.staff)

    page = client.get(url).get_data(as_text=True)
    assert "${project_title}" in page and "${mentor_title}" in page  # documented
    assert "Objet : lettre de mission" in page  # prefilled with the default

    preview = client.post(url, data={"template": "Aperçu pour ${project_title}", "preview": "1",
                                     "csrf_token": csrf_token(client)})
    assert preview.status_code == 200
    assert "Aperçu pour Projet d" in preview.get_data(as_text=True)
    assert "exemple : des bancs pour souffler" in preview.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Programme, programme.id).mission_letter_template == ""

    refused = client.post(url, data={"template": "Bonjour ${projet}", "save": "1", "csrf_token": csrf_token(client)})
    assert refused.status_code == 422
    assert "${projet}" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Programme, programme.id).mission_letter_template == ""

    saved = client.post(url, data={"template": "Bonjour ${mentor_name}", "save": "1",
                                   "csrf_token": csrf_token(client)})
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Programme, programme.id).mission_letter_template == "Bonjour ${mentor_name}"

    client.post(url, data={"template": letters.DEFAULT_MISSION_LETTER, "save": "1", "csrf_token": csrf_token(client)})
    db.session.expire_all()
    assert db.session.get(Programme, programme.id).mission_letter_template == ""


@pytest.mark.parametrize("who", ["chair", "juror", "team", "mentor", "outsider"])
def test_only_staff_edits_the_template(who, pitch_day, login, client):
    day = pitch_day()
    login(_user(day, who))
    url = f"/jury/programmes/{day.call.programme.id}/mission-letter-template"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"template": "x", "save": "1", "csrf_token": csrf_token(client)}).status_code == 403


# --- The PDF never reaches the network ------------------------------------------------------------

def test_the_pdf_reads_only_the_static_folder(app, monkeypatch):
    import socket
    from pathlib import Path

    from incubator import pdf

    connections = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: connections.append(address))
    root = Path(app.static_folder).resolve()
    with pytest.raises(pdf.ForbiddenResource):
        pdf._static_path("http://127.0.0.1:9/x.css", root)
    with pytest.raises(pdf.ForbiddenResource):
        pdf._static_path("file:///etc/passwd", root)
    assert pdf._static_path((root / "css" / "print.css").as_uri(), root) == root / "css" / "print.css"

    with app.test_request_context():
        data = pdf.html_to_pdf('<link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
                               '<link rel="stylesheet" href="css/print.css">'
                               '<img src="https://example.org/x.png"><img src="file:///etc/hostname">'
                               '<p>Bonjour</p>')

    assert data.startswith(b"%PDF")
    assert "Bonjour" in pdf_text(data)
    assert connections == []


def test_the_printed_line_re_runs_the_draw(pitch_day):
    import contextlib

    from incubator.jury.minutes import rerun_instructions

    day = pitch_day()
    for draw in day.session.draws:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(rerun_instructions(draw), {})
        assert out.getvalue().strip() == str(list(draw.drawn))
