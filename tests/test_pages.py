"""The user interface through its HTML forms: calls, proposals, team, coaches, lists, home, session.

Every POST carries the CSRF token of the page it comes from, as a browser would send it.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from incubator.extensions import db
from incubator.models import Call, Project, ProjectCoach, ProjectEvent, ProjectMember
from incubator.workflows import fire
from tests.conftest import csrf_token
from tests.helpers import committed, unchanged

# --- reading pages ------------------------------------------------------------------------------------


class FormParser(HTMLParser):
    """The forms of a page: action, method, fields (name -> value), select options, buttons."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._option: list | None = None

    def handle_starttag(self, tag, attrs):
        a = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get").lower(),
                          "fields": {}, "options": {}, "buttons": []}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag == "input" and a.get("name"):
            self._form["fields"].setdefault(a["name"], a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self._form["fields"].setdefault(a["name"], "")
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["fields"].setdefault(a["name"], "")
            self._form["options"][a["name"]] = []
        elif tag == "option" and self._select:
            self._option = [a.get("value", ""), ""]
            self._form["options"][self._select].append(self._option)
        elif tag == "button":
            self._form["buttons"].append({"disabled": "disabled" in a})

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            if self._option is not None:
                self._option[1] = self._option[1].strip()
            self._option = None


def forms_of(response) -> list[dict]:
    parser = FormParser()
    parser.feed(response.get_data(as_text=True))
    parser.close()
    return parser.forms


def form_posting_to(response, path: str, **fields) -> dict:
    """The one form of the page whose action is `path` (and whose fields hold these values)."""
    found = [f for f in forms_of(response)
             if urlsplit(f["action"]).path == path and f["method"] == "post"
             and all(f["fields"].get(k) == v for k, v in fields.items())]
    assert len(found) == 1, (path, fields, [f["action"] for f in forms_of(response)])
    return found[0]


def text(response) -> str:
    """The page as a reader sees its characters (entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


def location(response) -> str:
    assert response.status_code == 302, response.status_code
    return urlsplit(response.headers["Location"]).path


def submit(client, page, path: str, data: dict, **match):
    """Post `data` through the form of `page` that posts to `path`, with that form's own token."""
    form = form_posting_to(page, path, **match)
    return client.post(path, data={**form["fields"], **data})


def fresh():
    """Forget what the test's session remembers: the requests ran in sessions of their own."""
    db.session.rollback()
    db.session.expire_all()


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def local(value: str) -> str:
    """A datetime-local string for a moment given as aware UTC (the form's format, in Paris time)."""
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(value).astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M")


# --- creating and editing calls ------------------------------------------------------------------------

CALL_FORM = {
    "title": "Appel 2027 : services publics de proximité",
    "description": "Un appel pour **tous** les agents.",
    "workflow": "pau",
    "opens_at": "2026-12-01T09:00",
    "closes_at": "2027-06-30T18:00",
    "questionnaire": "* Qui est concerné ?\nCombien cela coûte-t-il ?\n\n*   Quel est le délai ?  ",
}


def test_staff_creates_a_call_through_the_form(make_user, login, client):
    staff_id = login(make_user("staff")).id
    page = client.get("/calls/new")
    assert page.status_code == 200
    assert "Nouvel appel à projets" in text(page)
    # The questionnaire starts with the reference questions.
    assert "* Qui subit ce problème ?" in text(page)

    response = submit(client, page, "/calls/new", CALL_FORM)

    call = db.session.scalar(select(Call))
    assert location(response) == f"/calls/{call.id}"
    assert call.title == CALL_FORM["title"]
    assert call.description == CALL_FORM["description"]
    assert call.workflow == "pau"
    assert call.created_by_id == staff_id
    # Paris time: UTC+1 in December, UTC+2 in June.
    assert call.opens_at == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert call.closes_at == datetime(2027, 6, 30, 16, 0, tzinfo=UTC)
    assert call.questionnaire == [
        {"key": "qui_est_concerne", "label": "Qui est concerné ?", "required": True},
        {"key": "combien_cela_coute_t_il", "label": "Combien cela coûte-t-il ?", "required": False},
        {"key": "quel_est_le_delai", "label": "Quel est le délai ?", "required": True},
    ]

    shown = client.get(f"/calls/{call.id}")
    assert shown.status_code == 200
    page_text = text(shown)
    assert "L'appel à projets est créé." in page_text
    assert CALL_FORM["title"] in page_text
    assert "<strong>tous</strong>" in shown.get_data(as_text=True)
    assert "Qui est concerné ?" in page_text and "Quel est le délai ?" in page_text
    assert "01/12/2026 09:00" in page_text  # shown back in Paris time
    assert "30/06/2027 18:00" in page_text


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"closes_at": "2026-11-30T09:00"}, "closes_at",
     "La date de clôture de l'appel doit être postérieure à sa date d'ouverture."),
    ({"closes_at": "2026-12-01T09:00"}, "closes_at",
     "La date de clôture de l'appel doit être postérieure à sa date d'ouverture."),
    ({"title": ""}, "title", "Le titre est obligatoire."),
    ({"title": "   "}, "title", "Le titre est obligatoire."),
    ({"opens_at": ""}, "opens_at", "Saisissez une date et une heure."),
], ids=["closes-before-opens", "closes-when-opens", "no-title", "blank-title", "no-opening"])
def test_an_invalid_call_is_shown_again_with_a_french_error(changes, field, message, make_user, login, client):
    login(make_user("staff"))
    page = client.get("/calls/new")
    response = submit(client, page, "/calls/new", {**CALL_FORM, **changes})
    assert response.status_code == 422
    body = text(response)
    assert message in body
    assert f'id="{field}-error"' in body
    assert 'lang="fr"' in body
    # What was typed is kept.
    assert CALL_FORM["questionnaire"].split("\n")[0] in body
    fresh()
    assert count(Call) == 0


@pytest.mark.parametrize("role", ["agent", "coach", "jury"])
def test_only_the_programme_team_creates_calls(role, make_user, login, client):
    login(make_user(role))
    assert client.get("/calls/new").status_code == 403
    response = client.post("/calls/new", data={**CALL_FORM, "csrf_token": csrf_token(client)})
    assert response.status_code == 403
    assert "Nouvel appel à projets" not in text(client.get("/calls/"))
    fresh()
    assert count(Call) == 0


def test_staff_edits_a_call_and_question_keys_stay_stable(make_user, make_call, make_project, login, client):
    call = make_call(questionnaire=[
        {"key": "affected", "label": "Qui est concerné ?", "required": True},
        {"key": "cost", "label": "Combien cela coûte-t-il ?", "required": False},
        {"key": "delay", "label": "Quel délai ?", "required": False},
    ])
    project = make_project("submitted", call=call, answers={"affected": "Les usagers", "cost": "Peu"})
    call_id, project_id = call.id, project.id
    login(make_user("staff"))
    page = client.get(f"/calls/{call_id}/edit")
    assert page.status_code == 200
    form = form_posting_to(page, f"/calls/{call_id}/edit")
    assert form["fields"]["title"] == call.title
    assert form["fields"]["opens_at"] == local(call.opens_at.isoformat())
    assert "* Qui est concerné ?\nCombien cela coûte-t-il ?\nQuel délai ?" in text(page)

    response = submit(client, page, f"/calls/{call_id}/edit", {
        "title": "Appel renommé",
        # A new question first, one label changed, one made required, one removed.
        "questionnaire": "Une nouvelle question ?\n* Combien cela coûte-t-il ?\n* Qui est concerné ?\nQuel budget ?",
    })
    assert location(response) == f"/calls/{call_id}"
    fresh()
    call = db.session.get(Call, call_id)
    assert call.title == "Appel renommé"
    assert call.questionnaire == [
        {"key": "une_nouvelle_question", "label": "Une nouvelle question ?", "required": False},
        {"key": "cost", "label": "Combien cela coûte-t-il ?", "required": True},
        {"key": "affected", "label": "Qui est concerné ?", "required": True},
        {"key": "quel_budget", "label": "Quel budget ?", "required": False},
    ]
    # The answers already given still show under their questions.
    body = text(client.get(f"/projects/{project_id}"))
    assert body.index("Combien cela coûte-t-il ?") < body.index("Peu")
    assert body.index("Qui est concerné ?") < body.index("Les usagers")


def test_a_new_question_never_takes_the_key_of_a_question_kept(make_user, make_call, login, client):
    """A new label whose key would collide with a kept question's key gets another one."""
    call = make_call(questionnaire=[
        {"key": "budget", "label": "Budget ?", "required": False},
        {"key": "delai", "label": "Délai", "required": False},
    ])
    call_id = call.id
    login(make_user("staff"))
    page = client.get(f"/calls/{call_id}/edit")
    response = submit(client, page, f"/calls/{call_id}/edit", {
        "questionnaire": "Budget !\nBudget ?\nDélai ?\nDélai",
    })
    assert location(response) == f"/calls/{call_id}"
    fresh()
    questions = {q["label"]: q["key"] for q in db.session.get(Call, call_id).questionnaire}
    assert questions["Budget ?"] == "budget"
    assert questions["Délai"] == "delai"
    assert len(set(questions.values())) == 4


def test_an_invalid_edit_changes_nothing(make_user, make_call, login, client):
    call = make_call(title="Appel intact")
    call_id, opens, closes = call.id, call.opens_at, call.closes_at
    login(make_user("staff"))
    page = client.get(f"/calls/{call_id}/edit")
    response = submit(client, page, f"/calls/{call_id}/edit", {
        "title": "Nouveau titre", "closes_at": local(opens.isoformat())})
    assert response.status_code == 422
    assert "La date de clôture de l'appel doit être postérieure à sa date d'ouverture." in text(response)
    fresh()
    call = db.session.get(Call, call_id)
    assert (call.title, call.opens_at, call.closes_at) == ("Appel intact", opens, closes)


def test_an_agent_may_not_edit_a_call(make_user, make_call, login, client):
    call_id = make_call().id
    login(make_user("agent"))
    assert client.get(f"/calls/{call_id}/edit").status_code == 403
    assert "Modifier l'appel" not in text(client.get(f"/calls/{call_id}"))


# --- proposing, editing and submitting a project -------------------------------------------------------

def proposal_data(page, **answers) -> dict:
    """The proposal form's data: the fixed fields filled, the call's questions answered by label."""
    form = form_posting_to(page, urlsplit(page.request.url).path)
    data = {"title": "Guichet unique", "problem": "Les usagers font **trois** guichets.",
            "proposal": "Un seul guichet.", "service": "Direction des usagers", "team": ""}
    labels = {}
    body = page.get_data(as_text=True)
    for name in form["fields"]:
        if name.startswith("q_"):
            start = body.index(f'for="{name}"')
            labels[name] = html.unescape(body[body.index(">", start) + 1:body.index("<", start)]).strip()
    for name, label in labels.items():
        data[name] = answers.get(label, "")
    return data


def test_an_agent_proposes_a_project_with_teammates(make_user, make_call, login, client):
    call = make_call()
    call_id, questions = call.id, call.questionnaire
    teammates = [make_user("agent", name="Awa Diallo"), make_user("agent", name="Bruno Petit")]
    teammate_ids = {u.id for u in teammates}
    agent = login(make_user("agent", name="Chloé Martin", service="Direction de l'état civil"))
    agent_id = agent.id

    page = client.get(f"/calls/{call_id}/propose")
    assert page.status_code == 200
    assert form_posting_to(page, f"/calls/{call_id}/propose")["fields"]["service"] == "Direction de l'état civil"
    data = proposal_data(page, **{questions[0]["label"]: "Les familles", questions[1]["label"]: "Chaque jour"})
    data["team"] = f"{teammates[0].email.upper()},\n {teammates[1].email} ; {agent.email}"
    response = submit(client, page, f"/calls/{call_id}/propose", data)

    project = db.session.scalar(select(Project))
    assert location(response) == f"/projects/{project.id}"
    assert project.state == "draft"
    assert project.call_id == call_id
    assert (project.title, project.problem, project.proposal, project.service) == (
        data["title"], data["problem"], data["proposal"], data["service"])
    assert {m.user_id for m in project.members} == teammate_ids | {agent_id}
    assert project.answers[questions[0]["key"]] == "Les familles"
    assert project.answers[questions[1]["key"]] == "Chaque jour"
    assert set(project.answers) <= {q["key"] for q in questions}
    history = [(h.event, h.from_state, h.to_state, h.actor_id) for h in project.history]
    assert history == [("create", None, "draft", agent_id)]

    body = text(client.get(f"/projects/{project.id}"))
    assert "Votre brouillon est enregistré." in body
    for name in ("Awa Diallo", "Bruno Petit", "Chloé Martin"):
        assert name in body
    assert "Les familles" in body


def test_an_unknown_teammate_creates_nothing(make_user, make_call, login, client):
    call_id = make_call().id
    known = make_user("agent")
    login(make_user("agent"))
    page = client.get(f"/calls/{call_id}/propose")
    data = proposal_data(page)
    data["team"] = f"{known.email}, inconnu@example.org"
    response = submit(client, page, f"/calls/{call_id}/propose", data)
    assert response.status_code == 422
    body = text(response)
    assert "Aucun compte actif pour : inconnu@example.org." in body
    assert known.email not in body.split("Aucun compte actif pour")[1][:80]
    assert 'id="team-error"' in body
    assert data["title"] in body  # what was typed is kept
    fresh()
    assert count(Project) == 0
    assert count(ProjectEvent) == 0


def test_a_proposal_without_a_title_is_refused_in_french(make_user, make_call, login, client):
    call_id = make_call().id
    login(make_user("agent"))
    page = client.get(f"/calls/{call_id}/propose")
    response = submit(client, page, f"/calls/{call_id}/propose", {**proposal_data(page), "title": ""})
    assert response.status_code == 422
    assert "Le titre est obligatoire." in text(response)
    fresh()
    assert count(Project) == 0


def test_a_closed_call_takes_no_new_proposal(make_user, make_call, login, client):
    call_id = make_call(open_=False).id
    login(make_user("agent"))
    message = "Cet appel à projets n'est pas ouvert : aucune nouvelle candidature ne peut être commencée."
    assert f"/calls/{call_id}/propose" not in client.get(f"/calls/{call_id}").get_data(as_text=True)
    response = client.get(f"/calls/{call_id}/propose")
    assert location(response) == f"/calls/{call_id}"
    assert message in text(client.get(f"/calls/{call_id}"))
    response = client.post(f"/calls/{call_id}/propose", data={
        "csrf_token": csrf_token(client), "title": "Trop tard", "problem": "p", "proposal": "p"})
    assert location(response) == f"/calls/{call_id}"
    assert message in text(client.get(f"/calls/{call_id}"))
    fresh()
    assert count(Project) == 0


@pytest.mark.parametrize("role", ["staff", "coach", "jury"])
def test_only_agents_propose(role, make_user, make_call, login, client):
    call_id = make_call().id
    login(make_user(role))
    assert client.get(f"/calls/{call_id}/propose").status_code == 403


def test_the_team_edits_its_draft(make_project, login, client):
    project = make_project("draft", answers={"affected": "Les habitants", "frequency": "Chaque jour"})
    project_id, keys = project.id, [q["key"] for q in project.call.questionnaire]
    login(project.members[0].user)
    page = client.get(f"/projects/{project_id}/edit")
    assert page.status_code == 200
    form = form_posting_to(page, f"/projects/{project_id}/edit")
    assert form["fields"]["title"] == "Projet de test"
    assert "Les habitants" in text(page)  # the answers are filled in

    response = submit(client, page, f"/projects/{project_id}/edit", {
        "title": "Projet renommé", "problem": "Nouveau problème", "proposal": "Nouvelle idée",
        "service": "DSI", "q_0": "Les agents", "q_1": "Une fois par mois", "q_2": "Une enquête",
    })
    assert location(response) == f"/projects/{project_id}"
    fresh()
    project = db.session.get(Project, project_id)
    assert (project.title, project.problem, project.proposal, project.service, project.state) == (
        "Projet renommé", "Nouveau problème", "Nouvelle idée", "DSI", "draft")
    assert project.answers == dict(zip(keys, ["Les agents", "Une fois par mois", "Une enquête"], strict=True))
    assert "Vos modifications sont enregistrées." in text(client.get(f"/projects/{project_id}"))


def test_a_submitted_proposal_can_no_longer_be_edited(make_project, login, client):
    project = make_project("submitted")
    project_id = project.id
    before = committed(project_id)
    login(project.members[0].user)
    assert f"/projects/{project_id}/edit" not in client.get(f"/projects/{project_id}").get_data(as_text=True)
    assert client.get(f"/projects/{project_id}/edit").status_code == 403
    response = client.post(f"/projects/{project_id}/edit", data={
        "csrf_token": csrf_token(client), "title": "Modifié après coup", "problem": "p", "proposal": "p"})
    assert response.status_code == 403
    unchanged(project_id, before)
    fresh()
    assert db.session.get(Project, project_id).title == "Projet de test"


def test_staff_may_not_edit_a_proposal_through_the_page(make_project, make_user, login, client):
    project_id = make_project("draft").id
    login(make_user("staff"))
    assert client.get(f"/projects/{project_id}/edit").status_code == 403


def test_the_team_submits_through_the_action_form(make_project, login, client):
    project = make_project("draft")
    project_id, user_id = project.id, project.members[0].user_id
    login(project.members[0].user)
    page = client.get(f"/projects/{project_id}")
    form = form_posting_to(page, f"/projects/{project_id}/events", event="submit")
    assert not any(b["disabled"] for b in form["buttons"])
    assert "Déposer la candidature" in text(page)

    response = client.post(f"/projects/{project_id}/events", data={**form["fields"], "comment": "Prêt !"})
    assert location(response) == f"/projects/{project_id}"
    after = committed(project_id)
    assert after.state == "submitted"
    assert after.submitted_at is not None
    assert after.history[-1][1:5] == ("submit", "draft", "submitted", user_id)
    body = text(client.get(f"/projects/{project_id}"))
    assert "C'est fait : le projet est maintenant à l'état “Candidature déposée”." in body
    assert "Prêt !" in body


def test_on_a_closed_call_submitting_is_blocked_with_the_reason(make_project, make_call, login, client):
    project = make_project("draft", call=make_call(open_=False))
    project_id = project.id
    before = committed(project_id)
    reason = "L'appel à projets est clos : plus aucune candidature n'est acceptée."
    login(project.members[0].user)
    page = client.get(f"/projects/{project_id}")
    form = form_posting_to(page, f"/projects/{project_id}/events", event="submit")
    assert form["buttons"] and all(b["disabled"] for b in form["buttons"])
    body = text(page)
    assert "Pas encore possible." in body
    assert reason in body

    # Sent anyway (an old page, a crafted request): refused with the reason, nothing changes.
    response = client.post(f"/projects/{project_id}/events", data={**form["fields"], "comment": ""})
    assert response.status_code == 422
    assert reason in text(response)
    assert "Rien n'a été modifié." in text(response)
    unchanged(project_id, before)


def test_an_incomplete_proposal_shows_what_is_missing(make_project, login, client):
    project = make_project("draft", answers={"affected": "Les habitants"}, problem="")
    project_id, before = project.id, committed(project.id)
    login(project.members[0].user)
    page = client.get(f"/projects/{project_id}")
    form = form_posting_to(page, f"/projects/{project_id}/events", event="submit")
    assert all(b["disabled"] for b in form["buttons"])
    body = text(page)
    assert "La candidature est incomplète : Le problème de terrain, À quelle fréquence se produit-il ?." in body
    response = client.post(f"/projects/{project_id}/events", data=form["fields"])
    assert response.status_code == 422
    unchanged(project_id, before)


# --- the team ------------------------------------------------------------------------------------------

def test_the_team_adds_a_teammate_by_email(make_project, make_user, login, client):
    project = make_project("draft")
    project_id, author = project.id, project.members[0].user
    newcomer = make_user("agent", name="Denise Roux")
    newcomer_id, newcomer_email = newcomer.id, newcomer.email
    login(author)
    page = client.get(f"/projects/{project_id}")
    response = submit(client, page, f"/projects/{project_id}/members", {"email": newcomer_email.upper()})
    assert location(response) == f"/projects/{project_id}"
    fresh()
    assert count(ProjectMember, ProjectMember.project_id == project_id, ProjectMember.user_id == newcomer_id) == 1
    assert "Denise Roux fait désormais partie de l'équipe." in text(client.get(f"/projects/{project_id}"))
    # The newcomer now sees the draft.
    login(db.session.get(type(newcomer), newcomer_id))
    assert client.get(f"/projects/{project_id}").status_code == 200


@pytest.mark.parametrize(("email", "message"), [
    ("personne@example.org", "Aucun compte actif pour : personne@example.org."),
    ("pas-une-adresse", "Saisissez une adresse électronique valide."),
    ("MEMBER", "fait déjà partie de l'équipe."),
    ("DEACTIVATED", "Aucun compte actif pour"),
], ids=["unknown", "malformed", "already-member", "deactivated"])
def test_adding_a_teammate_is_refused_with_a_french_message(email, message, make_project, make_user, login,
                                                            client):
    teammate = make_user("agent", name="Émile Blanc")
    project = make_project("draft", team=[make_user("agent"), teammate])
    gone = make_user("agent")
    gone.is_active_account = False
    db.session.commit()
    email = {"MEMBER": teammate.email, "DEACTIVATED": gone.email}.get(email, email)
    project_id = project.id
    members = count(ProjectMember, ProjectMember.project_id == project_id)
    login(project.members[0].user)
    page = client.get(f"/projects/{project_id}")
    response = submit(client, page, f"/projects/{project_id}/members", {"email": email})
    assert response.status_code == 422
    body = text(response)
    assert message in body
    if email == teammate.email:
        assert "Émile Blanc fait déjà partie de l'équipe." in body
    fresh()
    assert count(ProjectMember, ProjectMember.project_id == project_id) == members


def test_the_team_removes_a_teammate_but_never_the_last_member(make_project, make_user, login, client):
    author, teammate = make_user("agent"), make_user("agent", name="Fanny Leroy")
    project = make_project("draft", team=[author, teammate])
    project_id, author_id, teammate_id = project.id, author.id, teammate.id
    login(author)
    page = client.get(f"/projects/{project_id}")
    remove = f"/projects/{project_id}/members/{teammate_id}/remove"
    response = submit(client, page, remove, {})
    assert location(response) == f"/projects/{project_id}"
    fresh()
    assert [m.user_id for m in db.session.get(Project, project_id).members] == [author_id]
    page = client.get(f"/projects/{project_id}")
    assert "Fanny Leroy ne fait plus partie de l'équipe." in text(page)

    # Alone now: leaving is refused, the project keeps its member.
    response = submit(client, page, f"/projects/{project_id}/members/{author_id}/remove", {})
    assert location(response) == f"/projects/{project_id}"
    assert ("Un projet doit garder au moins un membre dans son équipe ; retirez plutôt la candidature."
            in text(client.get(f"/projects/{project_id}")))
    fresh()
    assert [m.user_id for m in db.session.get(Project, project_id).members] == [author_id]


def test_a_member_may_leave_the_team(make_project, make_user, login, client):
    author, teammate = make_user("agent"), make_user("agent")
    project = make_project("draft", team=[author, teammate])
    project_id, teammate_id = project.id, teammate.id
    login(teammate)
    page = client.get(f"/projects/{project_id}")
    response = submit(client, page, f"/projects/{project_id}/members/{teammate_id}/remove", {})
    assert location(response) == "/"
    assert "Vous avez quitté l'équipe." in text(client.get("/"))
    assert client.get(f"/projects/{project_id}").status_code == 404


def test_the_team_is_fixed_once_submitted(make_project, make_user, login, client):
    author, teammate, newcomer = make_user("agent"), make_user("agent"), make_user("agent")
    project = make_project("submitted", team=[author, teammate])
    project_id, teammate_id, newcomer_email = project.id, teammate.id, newcomer.email
    login(author)
    page = client.get(f"/projects/{project_id}")
    paths = {urlsplit(f["action"]).path for f in forms_of(page)}
    assert f"/projects/{project_id}/members" not in paths
    assert f"/projects/{project_id}/members/{teammate_id}/remove" not in paths
    token = csrf_token(client)
    assert client.post(f"/projects/{project_id}/members",
                       data={"csrf_token": token, "email": newcomer_email}).status_code == 403
    assert client.post(f"/projects/{project_id}/members/{teammate_id}/remove",
                       data={"csrf_token": token}).status_code == 403
    fresh()
    assert count(ProjectMember, ProjectMember.project_id == project_id) == 2


# --- coaches -------------------------------------------------------------------------------------------

def test_staff_assigns_and_removes_a_coach(make_project, make_user, login, client):
    project = make_project("submitted")
    project_id = project.id
    coach = make_user("coach", name="Gaël Coach")
    other_coach = make_user("coach", "agent", name="Hélène Coach")
    agent = make_user("agent", name="Ivan Agent")
    staff = make_user("staff", name="Jeanne Staff")
    coach_id, other_id = coach.id, other_coach.id

    login(coach)
    assert client.get(f"/projects/{project_id}").status_code == 404  # not assigned yet

    login(staff)
    page = client.get(f"/projects/{project_id}")
    form = form_posting_to(page, f"/projects/{project_id}/coaches")
    offered = dict(form["options"]["coach"])
    assert offered == {str(coach_id): "Gaël Coach", str(other_id): "Hélène Coach"}
    assert str(agent.id) not in offered and str(staff.id) not in offered

    response = submit(client, page, f"/projects/{project_id}/coaches", {"coach": str(coach_id)})
    assert location(response) == f"/projects/{project_id}"
    fresh()
    assert count(ProjectCoach, ProjectCoach.project_id == project_id) == 1
    page = client.get(f"/projects/{project_id}")
    assert "Gaël Coach est désormais coach de ce projet." in text(page)
    # An assigned coach is no longer offered.
    assert dict(form_posting_to(page, f"/projects/{project_id}/coaches")["options"]["coach"]) == {
        str(other_id): "Hélène Coach"}

    login(db.session.get(type(coach), coach_id))
    coach_page = client.get(f"/projects/{project_id}")
    assert coach_page.status_code == 200
    assert "Projet de test" in text(coach_page)

    login(db.session.get(type(staff), staff.id))
    page = client.get(f"/projects/{project_id}")
    response = submit(client, page, f"/projects/{project_id}/coaches/{coach_id}/remove", {})
    assert location(response) == f"/projects/{project_id}"
    assert "Gaël Coach n'est plus coach de ce projet." in text(client.get(f"/projects/{project_id}"))
    fresh()
    assert count(ProjectCoach, ProjectCoach.project_id == project_id) == 0
    login(db.session.get(type(coach), coach_id))
    assert client.get(f"/projects/{project_id}").status_code == 404


def test_only_a_coach_can_be_assigned(make_project, make_user, login, client):
    project = make_project("submitted")
    project_id = project.id
    make_user("coach")
    agent_id = make_user("agent").id
    login(make_user("staff"))
    page = client.get(f"/projects/{project_id}")
    response = submit(client, page, f"/projects/{project_id}/coaches", {"coach": str(agent_id)})
    assert response.status_code == 422
    fresh()
    assert count(ProjectCoach) == 0


def test_an_agent_may_not_assign_a_coach(make_project, make_user, login, client):
    project = make_project("draft")
    project_id = project.id
    coach = make_user("coach")
    login(project.members[0].user)
    page = client.get(f"/projects/{project_id}")
    assert f"/projects/{project_id}/coaches" not in {urlsplit(f["action"]).path for f in forms_of(page)}
    response = client.post(f"/projects/{project_id}/coaches",
                           data={"csrf_token": csrf_token(client), "coach": str(coach.id)})
    assert response.status_code == 403
    fresh()
    assert count(ProjectCoach) == 0


def test_an_agent_may_not_remove_a_coach(make_project, make_user, login, client):
    project = make_project("draft")
    coach = make_user("coach")
    project.coaches.append(ProjectCoach(user=coach))
    db.session.commit()
    project_id, coach_id = project.id, coach.id
    login(project.members[0].user)
    response = client.post(f"/projects/{project_id}/coaches/{coach_id}/remove",
                           data={"csrf_token": csrf_token(client)})
    assert response.status_code == 403
    fresh()
    assert count(ProjectCoach) == 1


# --- the call page -------------------------------------------------------------------------------------

@pytest.fixture
def busy_call(make_call, make_project, make_user):
    """A call with projects in several states, each with a recognisable title and service."""
    call = make_call()
    projects = {}
    for state, title, service in [
        ("draft", "Brouillon caché", "Direction A"),
        ("submitted", "Cantine bio", "Direction de l'éducation"),
        ("submitted", "Parking malin", "Direction des mobilités"),
        ("shortlisted", "Guichet unique", "Direction des usagers"),
        ("shortlisted", "Jardins partagés", "Direction des espaces verts"),
    ]:
        team = [make_user("agent", name=f"Agent de {title}")]
        projects[title] = make_project(state, call=call, team=team, title=title, service=service)
    return call, projects


def titles_listed(response, projects) -> set[str]:
    body = response.get_data(as_text=True)
    return {title for title, p in projects.items() if f'href="/projects/{p.id}"' in body}


def test_staff_filters_the_call_page_by_state(busy_call, make_user, login, client):
    call, projects = busy_call
    login(make_user("staff"))
    page = client.get(f"/calls/{call.id}")
    assert page.status_code == 200
    assert titles_listed(page, projects) == {"Cantine bio", "Parking malin", "Guichet unique", "Jardins partagés"}
    assert "Candidatures" in text(page)
    # The team's names are shown.
    assert "Agent de Cantine bio" in text(page)

    page = client.get(f"/calls/{call.id}?state=shortlisted")
    assert titles_listed(page, projects) == {"Guichet unique", "Jardins partagés"}
    page = client.get(f"/calls/{call.id}?state=draft")
    assert titles_listed(page, projects) == {"Brouillon caché"}
    # An unknown state is ignored rather than showing nothing.
    page = client.get(f"/calls/{call.id}?state=nonsense")
    assert page.status_code == 200
    assert len(titles_listed(page, projects)) == 4


@pytest.mark.parametrize(("query", "expected"), [
    ("cantine", {"Cantine bio"}),
    ("MOBILITÉS".lower(), {"Parking malin"}),
    ("PARKING", {"Parking malin"}),
    ("mobilit", {"Parking malin"}),
    ("Direction des", {"Parking malin", "Guichet unique", "Jardins partagés"}),
    ("introuvable", set()),
    ("%", {"Cantine bio", "Parking malin", "Guichet unique", "Jardins partagés"}),
])
def test_staff_searches_the_call_page_by_title_or_service(query, expected, busy_call, make_user, login, client):
    call, projects = busy_call
    login(make_user("staff"))
    page = client.get(f"/calls/{call.id}", query_string={"q": query})
    assert page.status_code == 200
    assert titles_listed(page, projects) == expected
    if not expected:
        assert "Aucun projet ne correspond à ces filtres." in text(page)


def test_search_and_state_combine(busy_call, make_user, login, client):
    call, projects = busy_call
    login(make_user("staff"))
    page = client.get(f"/calls/{call.id}", query_string={"q": "direction des", "state": "shortlisted"})
    assert titles_listed(page, projects) == {"Guichet unique", "Jardins partagés"}


def test_the_call_page_is_paginated(busy_call, make_user, login, client, app):
    call, projects = busy_call
    app.config["PER_PAGE"] = 3
    login(make_user("staff"))
    first = client.get(f"/calls/{call.id}")
    second = client.get(f"/calls/{call.id}?page=2")
    assert second.status_code == 200
    on_first, on_second = titles_listed(first, projects), titles_listed(second, projects)
    assert len(on_first) == 3 and len(on_second) == 1
    assert on_first | on_second == {"Cantine bio", "Parking malin", "Guichet unique", "Jardins partagés"}
    assert f"/calls/{call.id}?page=2" in first.get_data(as_text=True)
    assert "Page 2 sur 2" in text(second)
    # Filters are kept in the page links.
    app.config["PER_PAGE"] = 1
    page = client.get(f"/calls/{call.id}?state=shortlisted")
    assert "state=shortlisted" in page.get_data(as_text=True).split('class="pagination"', 1)[1]
    beyond = client.get(f"/calls/{call.id}?page=99")
    assert beyond.status_code == 200 and titles_listed(beyond, projects) == set()


def test_an_agent_sees_only_their_own_proposals_on_the_call_page(busy_call, make_user, make_project, login,
                                                                  client):
    call, projects = busy_call
    agent = make_user("agent")
    mine = {"Mon brouillon": make_project("draft", call=call, team=[agent], title="Mon brouillon"),
            "Ma candidature": make_project("submitted", call=call, team=[agent], title="Ma candidature")}
    login(agent)
    page = client.get(f"/calls/{call.id}")
    assert page.status_code == 200
    assert titles_listed(page, projects) == set()
    assert titles_listed(page, mine) == set(mine)
    body = text(page)
    assert "Mes candidatures à cet appel" in body
    for title in projects:
        assert title not in body
    assert titles_listed(client.get(f"/calls/{call.id}?state=shortlisted"), projects) == set()


def test_the_calls_list_counts_only_what_the_viewer_sees(busy_call, make_user, login, client):
    call, _projects = busy_call
    login(make_user("staff"))
    assert client.get("/calls/").status_code == 200
    assert call.title in text(client.get("/calls/"))
    login(make_user("agent"))
    page = text(client.get("/calls/"))
    row = page.split(call.title)[1].split("</tr>")[0]
    assert row.rstrip().endswith('<td class="num">0</td>')


# --- the projects list ---------------------------------------------------------------------------------

def test_the_projects_list_of_an_agent_shows_only_their_projects(busy_call, make_user, make_project, login,
                                                                 client):
    call, projects = busy_call
    agent = make_user("agent")
    mine = {"À moi": make_project("submitted", call=call, team=[agent], title="À moi")}
    login(agent)
    page = client.get("/projects/")
    assert page.status_code == 200
    assert titles_listed(page, mine) == {"À moi"}
    assert titles_listed(page, projects) == set()
    # "mine=0" does not widen an agent's view.
    assert titles_listed(client.get("/projects/?mine=0"), projects) == set()


def test_the_projects_list_of_staff_shows_all_with_the_state_filter(busy_call, make_user, login, client):
    _call, projects = busy_call
    login(make_user("staff"))
    assert titles_listed(client.get("/projects/"), projects) == set(projects)
    assert titles_listed(client.get("/projects/?state=submitted"), projects) == {"Cantine bio", "Parking malin"}
    page = client.get("/projects/?state=withdrawn")
    assert titles_listed(page, projects) == set()
    assert "Aucun projet n'est dans cet état." in text(page)


def test_the_projects_list_of_the_jury(busy_call, make_user, login, client):
    _call, projects = busy_call
    login(make_user("jury"))
    assert titles_listed(client.get("/projects/"), projects) == {"Guichet unique", "Jardins partagés"}


# --- the home page -------------------------------------------------------------------------------------

@pytest.fixture
def home_world(make_call, make_project, make_user):
    open_call = make_call(title="Appel ouvert à tous")
    closed_call = make_call(title="Appel déjà clos", open_=False)
    agent, coach = make_user("agent"), make_user("coach")
    world = {
        "agent": agent, "coach": coach,
        "draft": make_project("draft", call=open_call, team=[agent], title="Mon brouillon à moi"),
        "submitted": make_project("submitted", call=open_call, title="Candidature à examiner"),
        "shortlisted": make_project("shortlisted", call=closed_call, title="Projet présélectionné"),
        "coached": make_project("startup", call=closed_call, title="Startup coachée"),
    }
    world["coached"].coaches.append(ProjectCoach(user=coach))
    db.session.commit()
    return world


def home_sections(response) -> dict[str, str]:
    """The home page's sections by their heading id."""
    body = text(response)
    sections = {}
    for part in body.split("<section")[1:]:
        heading = part.split('aria-labelledby="')[1].split('"')[0]
        sections[heading] = part.split("</section>")[0]
    return sections


@pytest.mark.parametrize("role", ["agent", "coach", "staff", "jury", "admin"])
def test_the_home_page_renders_for_every_role(role, home_world, make_user, login, client):
    user = home_world[role] if role in home_world else make_user(role, name=f"Personne {role}")
    name = user.display_name
    login(user)
    response = client.get("/")
    assert response.status_code == 200
    sections = home_sections(response)
    assert f"Bonjour {name}" in text(response)
    assert "Appel ouvert à tous" in sections["calls-title"]
    assert "Appel déjà clos" not in sections["calls-title"]
    shown = {key: home_world[key].title for key in ("draft", "submitted", "shortlisted", "coached")}
    body = text(response)
    expected = {
        "agent": {"draft"}, "coach": {"coached"}, "staff": {"submitted", "shortlisted", "coached"},
        "jury": {"shortlisted", "coached"}, "admin": None,
    }[role]
    if expected is not None:
        assert {key for key, title in shown.items() if title in body} == expected
    if role == "agent":
        assert "Mon brouillon à moi" in sections["mine-title"]
    if role == "coach":
        assert "Startup coachée" in sections["coached-title"]
    if role in ("staff", "jury"):
        awaiting = sections["awaiting-title"]
        assert "Projet présélectionné" in awaiting
        assert ("Candidature à examiner" in awaiting) == (role == "staff")
        assert "Mon brouillon à moi" not in awaiting


def test_the_home_page_for_visitors_invites_to_log_in(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "/login" in response.get_data(as_text=True)


# --- the session: logging out, the language ------------------------------------------------------------

def test_logout_is_a_post_that_ends_the_session(make_user, login, client):
    login(make_user("agent"))
    assert client.get("/logout").status_code == 405
    assert client.get("/projects/").status_code == 200  # still logged in
    page = client.get("/")
    response = submit(client, page, "/logout", {})
    assert location(response) == "/login"
    assert "Vous êtes déconnecté." in text(client.get("/login"))
    response = client.get("/projects/")
    assert location(response) == "/login"


def test_the_language_switch_goes_to_english_and_back(make_user, login, client):
    login(make_user("agent"))
    page = client.get("/projects/")
    assert 'lang="fr"' in page.get_data(as_text=True)
    response = submit(client, page, "/language", {}, lang="en")
    assert location(response) == "/projects/"
    page = client.get("/projects/")
    assert 'lang="en"' in page.get_data(as_text=True)
    assert "My projects" in text(page) and "Mes projets" not in text(page)
    response = submit(client, page, "/language", {}, lang="fr")
    assert location(response) == "/projects/"
    page = client.get("/projects/")
    assert 'lang="fr"' in page.get_data(as_text=True)
    assert "Mes projets" in text(page)


def test_the_language_survives_logging_out(make_user, login, client):
    login(make_user("agent"))
    submit(client, client.get("/"), "/language", {}, lang="en")
    submit(client, client.get("/"), "/logout", {})
    assert 'lang="en"' in client.get("/login").get_data(as_text=True)


# --- the history ---------------------------------------------------------------------------------------

def test_the_history_shows_each_decision_with_its_comment_and_actor(make_project, make_user, login, client):
    project = make_project("submitted")
    staff = make_user("staff", name="Karine Programme")
    jury = make_user("jury", name="Louis Jury")
    fire(project, "shortlist", staff, "Dossier **solide**, à présenter au jury.")
    fire(project, "ask_rework", jury, "Préciser le *budget* :\n\n- coût\n- calendrier")
    db.session.commit()
    project_id = project.id
    author_name = project.members[0].user.display_name
    login(project.members[0].user)
    response = client.get(f"/projects/{project_id}")
    assert response.status_code == 200
    raw = response.get_data(as_text=True)
    history = raw.split('id="history"')[1]
    assert "Dossier <strong>solide</strong>, à présenter au jury." in history
    assert "<em>budget</em>" in history and "<li>coût</li>" in history
    body = html.unescape(history)
    assert "Par Karine Programme" in body and "Par Louis Jury" in body and f"Par {author_name}" in body
    # Most recent first: rework, shortlist, submit, creation.
    assert body.index("Demander de retravailler") < body.index("Présélectionner") < body.index(
        "Déposer la candidature") < body.index("Brouillon créé")


def test_a_proposal_is_filed_under_a_theme_the_team_may_change(make_user, make_call, login, client):
    call_id = make_call().id
    login(make_user("agent"))
    page = client.get(f"/calls/{call_id}/propose")
    assert 'id="theme"' in page.get_data(as_text=True)
    submit(client, page, f"/calls/{call_id}/propose", {**proposal_data(page), "theme": "housing"})
    project = db.session.scalar(select(Project))
    project_id = project.id
    assert project.theme == "housing"
    assert "Logement" in text(client.get(f"/projects/{project_id}"))

    page = client.get(f"/projects/{project_id}/edit")
    response = submit(client, page, f"/projects/{project_id}/edit",
                      {**form_posting_to(page, f"/projects/{project_id}/edit")["fields"], "theme": "nowhere"})
    assert response.status_code == 422
    fresh()
    assert db.session.get(Project, project_id).theme == "housing"
    page = client.get(f"/projects/{project_id}/edit")
    submit(client, page, f"/projects/{project_id}/edit",
           {**form_posting_to(page, f"/projects/{project_id}/edit")["fields"], "theme": ""})
    fresh()
    assert db.session.get(Project, project_id).theme is None


HUGE = "99999999999999999999"


def test_numbers_too_large_for_the_database_are_not_found_never_a_server_error(make_user, login, client):
    assert client.get(f"/open-data/projects/{HUGE}").status_code == 404
    for path in (f"/open-data/?page={HUGE}", f"/open-data/?call={HUGE}&year={HUGE}"):
        assert client.get(path).status_code == 200, path
    login(make_user("staff"))
    for path in (f"/projects/{HUGE}", f"/dashboard/promotions/{HUGE}", f"/calls/{HUGE}"):
        assert client.get(path).status_code == 404, path
    for path in (f"/projects/?page={HUGE}", f"/dashboard/board?call={HUGE}", f"/dashboard/funnel?call={HUGE}",
                 f"/dashboard/compliance?page={HUGE}&coach={HUGE}", f"/open-data/manage?call={HUGE}",
                 f"/search/?q=compost&call={HUGE}&page={HUGE}", f"/notifications?page={HUGE}"):
        assert client.get(path).status_code == 200, path
