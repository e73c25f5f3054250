"""Open data: what the programme publishes, who is named, and that nothing personal leaks out."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from incubator.errors import Conflict, InvalidData
from incubator.extensions import db
from incubator.incubation import operations as ledger
from incubator.incubation.models import Indicator, IndicatorValue, Iteration, Validation
from incubator.jury import operations as jury
from incubator.models import Project, ProjectEvent, ProjectMember, User, UserRole
from incubator.opendata.export import FIELDS, safe_cell
from incubator.opendata.operations import (
    NotAllowed,
    may_be_published,
    publish_project,
    publishable_states,
    set_name_consent,
    unpublish_project,
)
from incubator.opendata.privacy import NameIndex, findings, scrub, scrub_markdown
from incubator.opendata.views import project_box_context
from incubator.projects.operations import assign_coach
from incubator.workflows import fire, get_definition
from tests.conftest import csrf_token, extract_csrf
from tests.jury_helpers import full

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)*")
SUMMARY = "Un service testé avec ses usagers."
PAU_PUBLISHABLE = {"selected", "pre_incubation", "startup", "on_hold", "integrated", "scaled", "spun_off",
                   "abandoned"}


def published(make_project, state="selected", *, by=None, summary=SUMMARY, **kwargs) -> Project:
    project = make_project(state, **kwargs)
    staff = by or db.session.scalar(select(User).join(UserRole).where(UserRole.role == "staff").limit(1))
    if staff is None:
        staff = User(email="publieur@example.org", name="Équipe Programme")
        staff.set_roles(["staff"])
        db.session.add(staff)
    publish_project(project, staff, summary)
    db.session.commit()
    return project


def get_csv(client, path="/open-data/projects.csv") -> tuple[str, list[dict]]:
    response = client.get(path)
    assert response.status_code == 200
    body = response.get_data().decode("utf-8")
    assert body.startswith("\ufeff")
    return body, list(csv.DictReader(io.StringIO(body[1:]), delimiter=";"))


def get_json(client) -> tuple[str, dict]:
    response = client.get("/open-data/projects.json")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    return body, json.loads(body)


# --- which projects may be published ------------------------------------------------------------------

def test_publishable_states_come_from_the_workflow_definitions():
    pau = get_definition("pau")
    assert publishable_states(pau) == PAU_PUBLISHABLE
    assert publishable_states(get_definition("idea_forum")) == {"launched"}
    assert {s for s in pau.states if may_be_published(pau, s)} == PAU_PUBLISHABLE | {
        "draft", "submitted", "shortlisted", "rework"}


@pytest.mark.parametrize("state", ["draft", "submitted", "withdrawn", "shortlisted", "not_retained", "rework",
                                   "rejected"])
def test_a_project_before_selection_cannot_be_published(state, make_project, make_user):
    project = make_project(state)
    with pytest.raises(Conflict):
        publish_project(project, make_user("staff"), SUMMARY)
    assert project.published_at is None


@pytest.mark.parametrize("state", sorted(PAU_PUBLISHABLE))
def test_a_project_past_selection_can_be_published(state, make_project, make_user):
    project = make_project(state)
    staff = make_user("staff")
    at = datetime(2031, 3, 4, 10, tzinfo=UTC)
    publish_project(project, staff, f"  {SUMMARY}  ", at, theme="health")
    db.session.commit()
    assert (project.published_at, project.published_by_id) == (at, staff.id)
    assert (project.public_summary, project.theme) == (SUMMARY, "health")


def test_an_update_keeps_who_published_and_when(make_project, make_user):
    project = make_project("startup")
    first, second = make_user("staff"), make_user("admin")
    at = datetime(2031, 3, 4, 10, tzinfo=UTC)
    publish_project(project, first, SUMMARY, at)
    publish_project(project, second, "Un autre résumé.", at + timedelta(days=3), theme="housing")
    assert (project.published_at, project.published_by_id) == (at, first.id)
    assert (project.public_summary, project.theme) == ("Un autre résumé.", "housing")
    unpublish_project(project, second)
    assert project.published_at is None and project.published_by_id is None
    assert project.public_summary == "Un autre résumé."


@pytest.mark.parametrize("summary", ["", "   ", "x" * 5001])
def test_a_publication_needs_a_summary(summary, make_project, make_user):
    project = make_project("selected")
    with pytest.raises(InvalidData) as caught:
        publish_project(project, make_user("staff"), summary)
    assert "summary" in caught.value.fields
    assert project.published_at is None


@pytest.mark.parametrize("text", ["Écrire à claire.dubois@mairie.fr", "Appeler le 06 12 34 56 78",
                                  "Avec Gaëlle Lefèvre-Marchand", "avec GAELLE lefevre-marchand",
                                  # markup or entities that hide them in the source, not on the page
                                  "Avec Ga**ël**le Lefèvre-Marchand", "Avec Gaëlle&#32;Lefèvre-Marchand",
                                  "Appeler le 06&#32;12 34 56 78"])
def test_the_summary_may_name_nobody_nor_give_contact_details(text, make_project, make_user):
    make_user("agent", name="Gaëlle Lefèvre-Marchand")
    project = make_project("selected")
    with pytest.raises(InvalidData) as caught:
        publish_project(project, make_user("staff"), f"Le projet. {text}.")
    assert "summary" in caught.value.fields


def test_only_the_programme_team_publishes(make_project, make_user):
    project = make_project("selected")
    for role in ("agent", "coach", "jury"):
        with pytest.raises(NotAllowed):
            publish_project(project, make_user(role), SUMMARY)
        with pytest.raises(NotAllowed):
            unpublish_project(project, make_user(role))


def test_only_the_member_gives_or_withdraws_consent(make_project, make_user):
    me, teammate = make_user("agent"), make_user("agent")
    project = make_project("selected", team=[me, teammate])
    member = next(m for m in project.members if m.user_id == me.id)
    for someone in (teammate, make_user("staff"), make_user("admin")):
        with pytest.raises(NotAllowed):
            set_name_consent(member, someone, True)
    assert member.name_public is False
    set_name_consent(member, me, True)
    assert member.name_public is True
    set_name_consent(member, me, False)
    assert member.name_public is False


# --- scrubbing ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "claire.dubois@mairie-pau.fr", "Claire.Dubois+projet@pau.fr", "agent@intranet", "<prenom.nom@ville.fr>",
    "[écrire](mailto:prenom.nom@ville.fr)",
])
def test_scrub_removes_email_addresses(text):
    out = scrub(f"Contact : {text} merci", NameIndex([]))
    assert "@" not in out
    assert "[e-mail address removed]" in out
    assert out.startswith("Contact : ") and out.endswith(" merci")


@pytest.mark.parametrize("text", ["06 12 34 56 78", "0612345678", "06.12.34.56.78", "06-12-34-56-78",
                                  "+33 6 12 34 56 78", "+33612345678", "0033 (0)5 59 27 85 80",
                                  "+44 20 7946 0958"])
def test_scrub_removes_phone_numbers(text):
    out = scrub(f"Tél. {text}.", NameIndex([]))
    assert out == "Tél. [phone number removed]."


@pytest.mark.parametrize("text", ["1 000 kits en un mois", "115 situations", "70 % des déchets", "promotion 2019-2020",
                                  "le 12/05/2021", "budget de 25 000 €", "version 1.2.3"])
def test_scrub_keeps_ordinary_numbers(text):
    assert scrub(text, NameIndex([])) == text
    assert findings(text, NameIndex([])) == []


def test_scrub_removes_full_names_whatever_their_case_accents_and_order():
    names = NameIndex(["Élodie Masson", "Jean-Pierre Martin", "Admin"])
    text = "Avec elodie MASSON, **Jean-Pierre** Martin et Martin Jean Pierre ; Élodie seule ; Admin."
    out = scrub(text, names)
    assert out == ("Avec [name removed], **[name removed] et [name removed] ; Élodie seule ; Admin.")
    assert findings(text, names) == ["elodie MASSON", "Jean-Pierre** Martin", "Martin Jean Pierre"]


def test_a_summary_whose_markup_hides_a_name_goes_out_as_plain_scrubbed_words():
    names = NameIndex(["Claire Dubois"])
    assert scrub_markdown("Un **bon** projet.", names) == "Un **bon** projet."  # formatting kept
    out = scrub_markdown("Porté par Cl**ai**re&#32;Dubois, 06&#32;12 34 56 78.", names)
    assert "Claire" not in out and "Dubois" not in out and "56 78" not in out
    assert out == "Porté par [name removed], [phone number removed]."


def test_safe_cell_neutralises_formulas():
    assert [safe_cell(v) for v in ("=1+1", "+33", "-2", "@SUM(A1)", "\tx", "ok", 12, None)] == [
        "'=1+1", "'+33", "'-2", "'@SUM(A1)", "'\tx", "ok", "12", ""]


# --- the acceptance test: no e-mail address, no name of anyone who did not agree -----------------------

@pytest.fixture
def story(make_user, make_call, make_project):
    """A published project with everyone around it: a consenting and a non-consenting member, a coach,
    a jury scorer, the publisher; e-mail addresses, phone numbers and names typed in its texts."""
    camille = make_user("agent", name="Camille Consentante", email="camille.consentante@ville.test")
    norbert = make_user("agent", name="Norbert Refusant", email="norbert.refusant@ville.test")
    coach = make_user("coach", name="Coralie Entraîneuse", email="coralie.entraineuse@ville.test")
    juror_user = make_user("jury", name="Jules Jurélu", email="jules.jurelu@ville.test")
    staff = make_user("staff", name="Stéphane Publieur", email="stephane.publieur@ville.test")
    leak = ("Écrire à norbert.refusant@ville.test ou camille.consentante@ville.test, 06 12 34 56 78. "
            "Norbert Refusant, Coralie Entraîneuse, Jules Jurélu, Stéphane Publieur, CAMILLE CONSENTANTE.")
    call = make_call()
    project = make_project("shortlisted", call=call, team=[camille, norbert], title="Kits solidaires",
                           problem=leak, proposal=leak, answers={"affected": leak, "frequency": leak})
    session = jury.create_session(call, title="Séance-secrète", starts_at=datetime.now(UTC) - timedelta(days=1),
                                  project_ids=[project.id])
    juror = jury.appoint_juror(session, juror_user, chair=True)
    criteria = jury.ensure_criteria(call)
    jury.save_scores(juror, project, full(criteria), comment=leak, submit=True)
    jury.decide(session, project, juror_user, "select", leak)
    fire(project, "start", staff, leak)
    assign_coach(project, coach)
    ledger.save_iteration(project, coach, title="Itération-secrète", hypothesis=leak, learning=leak,
                          started_on=date.today())
    indicator = ledger.declare_indicator(project, coach, name="Kits distribués", unit="kits", description=leak,
                                         target=1000)
    ledger.record_value(indicator, coach, measured_on=date.today(), value=420, note=leak)
    ledger.add_validation(project, coach, method="interviews", users_count=12, held_on=date.today(),
                          verdict="validated", notes=leak)
    publish_project(project, staff, SUMMARY, theme="health")
    project.public_summary = SUMMARY + "\n\n" + leak  # as if typed past the form: the second line of defence
    project.taken_over_by = "Service Solidarités (norbert.refusant@ville.test)"
    set_name_consent(next(m for m in project.members if m.user_id == camille.id), camille, True)
    db.session.commit()
    return {"project": project, "camille": camille, "norbert": norbert,
            "never": ["Norbert Refusant", "Refusant", "Coralie Entraîneuse", "Entraîneuse", "Jules Jurélu",
                      "Jurélu", "Stéphane Publieur", "Publieur"]}


def assert_nothing_personal(text: str, story: dict) -> None:
    assert not EMAIL.search(text), EMAIL.search(text).group()
    folded = text.casefold()
    for name in story["never"]:
        assert name.casefold() not in folded, name
    assert "06 12 34 56 78" not in text


def test_published_csv_and_json_hold_no_email_and_no_name_of_anyone_who_did_not_agree(story, app, client, login):
    body, rows = get_csv(client)
    assert_nothing_personal(body, story)
    assert [r["named_members"] for r in rows] == ["Camille Consentante"]
    assert rows[0]["team_size"] == "2"

    body, data = get_json(client)
    assert_nothing_personal(body, story)
    (record,) = data["projects"]
    assert record["named_members"] == ["Camille Consentante"]
    assert "[nom supprimé]" in record["summary"] and "[adresse électronique supprimée]" in record["summary"]
    assert record["indicators"][0]["value"] == 420
    assert (record["iterations"], record["validations"], record["users_consulted"]) == (1, 1, 12)

    # The pages say the same, to anyone.
    for path in ("/open-data/", f"/open-data/projects/{story['project'].id}"):
        page = client.get(path).get_data(as_text=True)
        assert_nothing_personal(page, story)
        assert "Camille Consentante" in page

    # Camille withdraws: her name leaves the downloads and the pages.
    login(story["camille"])
    response = client.post("/open-data/consent", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    anonymous = app.test_client()
    for text in (get_csv(anonymous)[0], get_json(anonymous)[0], anonymous.get("/open-data/").get_data(as_text=True)):
        assert "consentante" not in text.casefold()
    assert get_json(anonymous)[1]["projects"][0]["named_members"] == []


def test_the_downloads_never_hold_a_team_text(story, client):
    body = get_csv(client)[0] + get_json(client)[0]
    for text in ("Itération-secrète", "Séance-secrète", "Service de test"):
        assert text not in body
    for forbidden in ("problem", "proposal", "answers", "comment", "score", "email", "coach"):
        assert forbidden not in {f.name for f in FIELDS}


# --- the formats ----------------------------------------------------------------------------------------

def test_the_csv_is_excel_friendly_and_guarded_against_formulas(make_project, client):
    project = published(make_project, "startup", title="=HYPERLINK(\"http://evil.example\";\"x\")")
    project.taken_over_by = "@SOMME(A1:A3)"
    db.session.commit()
    response = client.get("/open-data/projects.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body, rows = get_csv(client)
    assert body.splitlines()[0] == "\ufeff" + ";".join(f.name for f in FIELDS)
    assert rows[0]["title"].startswith("'=HYPERLINK")
    assert rows[0]["summary"] == SUMMARY
    assert rows[0]["state_label"] == "Mode startup"  # the data's language, whatever the visitor's


def test_the_json_carries_its_metadata(make_project, client):
    published(make_project, "selected")
    published(make_project, "pre_incubation")
    data = get_json(client)[1]
    meta = data["metadata"]
    assert meta["licence"] == "Licence Ouverte / Etalab 2.0"
    assert meta["count"] == 2 == len(data["projects"])
    assert datetime.fromisoformat(meta["generated_at"]).tzinfo is not None
    assert [f["name"] for f in meta["fields"]] == [f.name for f in FIELDS]
    assert all(f["description"] for f in meta["fields"])
    assert list(data["projects"][0]) == [f.name for f in FIELDS]


def test_downloads_are_open_to_any_site_and_cacheable(make_project, client):
    published(make_project)
    for path in ("/open-data/projects.csv", "/open-data/projects.json"):
        response = client.get(path)
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "public" in response.headers["Cache-Control"]
        etag = response.headers["ETag"]
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    page = client.get("/open-data/")
    assert "public" not in page.headers["Cache-Control"]  # it holds the session's form token
    assert "Access-Control-Allow-Origin" not in page.headers


# --- who sees what --------------------------------------------------------------------------------------

ROLES = [None, "agent", "member", "coach", "jury", "staff", "admin"]


@pytest.mark.parametrize("role", ROLES)
def test_the_catalogue_never_reveals_an_unpublished_project(role, make_project, make_user, login, client):
    team = [make_user("agent")]
    coach = make_user("coach")
    hidden = [make_project(state, team=team, title=f"SECRET-{state}") for state in
              ("draft", "submitted", "shortlisted", "rejected", "selected", "startup")]
    for p in hidden:
        assign_coach(p, coach)
    withdrawn = published(make_project, "integrated", title="SECRET-unpublished", team=team)
    unpublish_project(withdrawn, make_user("staff"))
    shown = published(make_project, "startup", title="Projet public")
    db.session.commit()
    if role == "member":
        login(team[0])
    elif role == "coach":
        login(coach)
    elif role:
        login(make_user(role))
    for path in ("/open-data/", "/open-data/projects.csv", "/open-data/projects.json",
                 f"/open-data/projects/{shown.id}"):
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.get_data().decode("utf-8")
        assert "SECRET" not in text, path
        assert "Projet public" in text
    for p in [*hidden, withdrawn]:
        assert client.get(f"/open-data/projects/{p.id}").status_code == 404
    assert client.get("/open-data/projects/999999").status_code == 404


def test_a_published_project_whose_state_is_not_publishable_stays_hidden(make_project, make_user, client):
    project = make_project("submitted", title="SECRET-forced")
    project.published_at, project.public_summary = datetime.now(UTC), SUMMARY  # not through the operation
    db.session.commit()
    assert "SECRET" not in client.get("/open-data/projects.json").get_data(as_text=True)
    assert client.get(f"/open-data/projects/{project.id}").status_code == 404


# (role, the manage page, a project's publication page): who does not see the project does not even learn
# it exists (404); the jury sees a selected project, but may not publish it (403).
@pytest.mark.parametrize(("role", "status", "expected"), [("agent", 403, 404), ("coach", 403, 404),
                                                          ("jury", 403, 403), ("staff", 200, 200),
                                                          ("admin", 200, 200)])
def test_only_the_programme_team_manages_publications(role, status, expected, make_project, make_user, login,
                                                      client):
    project = make_project("selected")
    login(make_user(role))
    assert client.get("/open-data/manage").status_code == status
    assert client.get(f"/open-data/projects/{project.id}/publish").status_code == expected
    response = client.post(f"/open-data/projects/{project.id}/publish",
                           data={"csrf_token": csrf_token(client), "summary": SUMMARY, "publish": "y"})
    assert response.status_code == (302 if status == 200 else expected)
    db.session.expire_all()
    assert (db.session.get(Project, project.id).published_at is not None) == (status == 200)


def test_a_team_member_may_not_publish_their_own_project(make_project, make_user, login, client):
    agent = make_user("agent")
    project = make_project("selected", team=[agent])
    login(agent)
    assert client.get(f"/open-data/projects/{project.id}/publish").status_code == 403


def test_anonymous_visitors_are_sent_to_login_for_the_staff_and_consent_pages(make_project, client):
    project = make_project("selected")
    for path in ("/open-data/manage", f"/open-data/projects/{project.id}/publish", "/open-data/consent"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_forms_refuse_a_post_without_a_csrf_token(make_project, make_user, login, client):
    agent = make_user("agent")
    project = make_project("selected", team=[agent])
    login(make_user("staff"))
    assert client.post(f"/open-data/projects/{project.id}/publish",
                       data={"summary": SUMMARY, "publish": "y"}).status_code == 400
    login(agent)
    assert client.post("/open-data/consent", data={"projects": [str(project.id)]}).status_code == 400
    db.session.expire_all()
    project = db.session.get(Project, project.id)
    assert project.published_at is None and not project.members[0].name_public


# --- the pages ------------------------------------------------------------------------------------------

def test_staff_publishes_updates_and_unpublishes_through_the_form(make_project, make_user, login, client):
    project = make_project("startup", problem="Le problème vu du terrain.")
    login(make_user("staff"))
    page = client.get(f"/open-data/projects/{project.id}/publish").get_data(as_text=True)
    assert "Le problème vu du terrain." in page  # the summary starts from the team's problem statement
    url = f"/open-data/projects/{project.id}/publish"
    token = extract_csrf(page)

    response = client.post(url, data={"csrf_token": token, "summary": "", "theme": "", "publish": "y"})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    response = client.post(url, data={"csrf_token": token, "summary": "Contact : a.b@ville.fr", "publish": "y"})
    assert response.status_code == 422 and "a.b@ville.fr" in response.get_data(as_text=True)
    response = client.post(url, data={"csrf_token": token, "summary": "Bad", "theme": "nope", "publish": "y"})
    assert response.status_code == 422

    response = client.post(url, data={"csrf_token": token, "summary": SUMMARY, "theme": "health", "publish": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    project = db.session.get(Project, project.id)
    assert (project.public_summary, project.theme, project.published_at is not None) == (SUMMARY, "health", True)
    assert client.get(f"/open-data/projects/{project.id}").status_code == 200

    response = client.post(url, data={"csrf_token": token, "unpublish": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Project, project.id).published_at is None
    assert client.get(f"/open-data/projects/{project.id}").status_code == 404


def test_a_project_not_yet_selected_shows_why_it_cannot_be_published(make_project, make_user, login, client):
    project = make_project("shortlisted")
    login(make_user("staff"))
    page = client.get(f"/open-data/projects/{project.id}/publish")
    assert page.status_code == 200
    assert 'name="publish"' not in page.get_data(as_text=True)
    response = client.post(f"/open-data/projects/{project.id}/publish",
                           data={"csrf_token": csrf_token(client), "summary": SUMMARY, "publish": "y"})
    assert response.status_code == 409


def test_the_manage_page_lists_publishable_projects_with_their_status(make_project, make_user, login, client,
                                                                      make_call):
    call = make_call(title="Promotion A")
    published(make_project, "startup", title="Déjà publié", call=call)
    make_project("selected", title="À publier", call=call)
    make_project("submitted", title="Pas encore", call=call)
    login(make_user("staff"))
    page = client.get("/open-data/manage").get_data(as_text=True)
    assert "Déjà publié" in page and "À publier" in page and "Pas encore" not in page
    page = client.get("/open-data/manage?status=unpublished").get_data(as_text=True)
    assert "Déjà publié" not in page and "À publier" in page
    page = client.get("/open-data/manage?state=startup").get_data(as_text=True)
    assert "Déjà publié" in page and "À publier" not in page
    page = client.get(f"/open-data/manage?call={call.id + 1000}").get_data(as_text=True)
    assert "Déjà publié" not in page


def test_a_member_chooses_project_by_project(make_project, make_user, login, client):
    me, other = make_user("agent"), make_user("agent")
    mine = [make_project(state, team=[me], title=f"Mien {i}") for i, state in enumerate(("draft", "selected"))]
    make_project("not_retained", team=[me], title="Décliné")
    theirs = make_project("selected", team=[other], title="Le sien")
    login(me)
    page = client.get("/open-data/consent").get_data(as_text=True)
    assert "Mien 0" in page and "Mien 1" in page and "Le sien" not in page
    assert "Décliné" not in page  # it will never be published: no consent to give
    token = extract_csrf(page)
    assert client.post("/open-data/consent", data={"csrf_token": token,
                                                   "projects": [str(mine[1].id)]}).status_code == 302
    db.session.expire_all()
    assert [db.session.get(ProjectMember, (p.id, me.id)).name_public for p in mine] == [False, True]
    # Someone else's project is not a choice: refused, nothing changes.
    response = client.post("/open-data/consent", data={"csrf_token": token,
                                                       "projects": [str(theirs.id), str(mine[0].id)]})
    assert response.status_code == 422
    db.session.expire_all()
    assert [db.session.get(ProjectMember, (p.id, me.id)).name_public for p in mine] == [False, True]
    assert db.session.get(ProjectMember, (theirs.id, other.id)).name_public is False


def test_someone_on_no_team_is_told_why_the_consent_page_is_empty(make_user, login, client):
    login(make_user("coach"))
    response = client.get("/open-data/consent")
    assert response.status_code == 200
    assert 'type="checkbox"' not in response.get_data(as_text=True)


def test_the_catalogue_filters(make_project, make_call, client):
    call_a, call_b = make_call(title="Promotion A"), make_call(title="Promotion B")
    a = published(make_project, "startup", title="Projet A", call=call_a)
    b = published(make_project, "integrated", title="Projet B", call=call_b)
    a.theme, b.theme = "health", "housing"
    b.submitted_at = datetime(2019, 10, 3, 12, tzinfo=UTC)
    db.session.commit()

    def titles(query: str) -> set[str]:
        page = client.get("/open-data/" + query).get_data(as_text=True)
        return {t for t in ("Projet A", "Projet B") if t in page}

    assert titles("") == {"Projet A", "Projet B"}
    assert titles("?theme=health") == {"Projet A"}
    assert titles("?state=integrated") == {"Projet B"}
    assert titles(f"?call={call_a.id}") == {"Projet A"}
    assert titles("?year=2019") == {"Projet B"}
    assert titles("?theme=unknown&state=draft") == {"Projet A", "Projet B"}  # unknown filters are ignored


def test_the_catalogue_is_paginated(make_project, app, client):
    app.config["PER_PAGE"] = 2
    for i in range(3):
        published(make_project, "selected", title=f"Projet {i}")
    first = client.get("/open-data/").get_data(as_text=True)
    second = client.get("/open-data/?page=2").get_data(as_text=True)
    assert sum(f"Projet {i}" in first for i in range(3)) == 2
    assert sum(f"Projet {i}" in second for i in range(3)) == 1


def test_the_public_page_shows_what_is_published(story, client):
    page = client.get(f"/open-data/projects/{story['project'].id}").get_data(as_text=True)
    for text in ("Kits solidaires", SUMMARY, "Kits distribués", "420", "Camille Consentante"):
        assert text in page


def test_the_project_box_says_what_each_viewer_may_do(make_project, make_user):
    member, other = make_user("agent"), make_user("agent")
    project = make_project("startup", team=[member, other])
    staff = make_user("staff")
    box = project_box_context(staff, project)
    assert box["show"] and not box["published"] and box["manage_url"] and not box["consent_url"]
    box = project_box_context(member, project)
    assert box["show"] and box["is_member"] and box["consent_url"] and not box["manage_url"]
    assert not project_box_context(make_user("jury"), project)["show"]
    publish_project(project, staff, SUMMARY)
    box = project_box_context(make_user("jury"), project)
    assert box["show"] and box["public_url"].endswith(f"/open-data/projects/{project.id}")
    draft = make_project("draft")
    assert not project_box_context(staff, draft)["show"]


# --- the number of queries does not grow with the catalogue -------------------------------------------

def bulk_published(call, n: int, start: int) -> None:
    """`n` published projects in startup mode, written straight through the ORM: a team of two (one named),
    history, two indicators with values, an iteration and a validation each."""
    at = datetime(2030, 1, 7, 9, tzinfo=UTC)
    for i in range(start, start + n):
        members = []
        for k in range(2):
            user = User(email=f"bulk{i}-{k}@example.org", name=f"Bulk {i} {k}", role_rows=[UserRole(role="agent")])
            members.append(ProjectMember(user=user, name_public=k == 0))
        project = Project(call=call, title=f"Projet en nombre {i}", state="startup", submitted_at=at,
                          published_at=at, public_summary=SUMMARY, theme="health", members=members,
                          history=[ProjectEvent(event=e, from_state=None, to_state=s, at=at)
                                   for e, s in (("submit", "submitted"), ("start", "pre_incubation"),
                                                ("graduate", "startup"))])
        db.session.add(project)
        db.session.flush()
        for name in ("Usagers", "Kits"):
            db.session.add(Indicator(project_id=project.id, name=name, unit="u", values=[
                IndicatorValue(measured_on=date(2030, 2, d), value=d) for d in (1, 2)]))
        db.session.add(Iteration(project_id=project.id, number=1, title="T", hypothesis="H",
                                 started_on=date(2030, 1, 8)))
        db.session.add(Validation(project_id=project.id, method="survey", users_count=5, held_on=date(2030, 1, 9),
                                  verdict="validated"))
    db.session.commit()


@pytest.mark.parametrize("path", ["/open-data/", "/open-data/projects.csv", "/open-data/projects.json"])
def test_query_count_does_not_grow_with_the_published_projects(path, make_call, make_user, login, client,
                                                               count_queries):
    call = make_call()
    login(make_user("staff"))
    counts = []
    for n, start in ((3, 0), (27, 3)):
        bulk_published(call, n, start)
        with count_queries() as counter:
            response = client.get(path)
            body = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Projet en nombre 2" in body or path == "/open-data/"
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_the_manage_page_query_count_is_flat(make_call, make_user, login, client, count_queries):
    call = make_call()
    login(make_user("staff"))
    counts = []
    for n, start in ((3, 100), (27, 103)):
        bulk_published(call, n, start)
        with count_queries() as counter:
            assert client.get("/open-data/manage").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


# --- the demo --------------------------------------------------------------------------------------------

def test_the_demo_publishes_four_projects_and_names_one_member(app, client):
    from incubator.demo import load_demo
    from incubator.opendata.demo import load_demo_publications

    load_demo()  # it publishes, as its last step
    published = db.session.scalars(select(Project.title).where(Project.published_at.is_not(None))).all()
    assert sorted(published) == ["Histologe", "Pau Partage", "Poubelle Battle", "Simone & Co"]
    assert load_demo_publications() == []  # idempotent
    load_demo()
    db.session.commit()
    data = get_json(client)[1]
    assert data["metadata"]["count"] == 4
    named = {p["title"]: p["named_members"] for p in data["projects"]}
    assert named["Histologe"] == ["Claire Dubois"]
    assert sum(bool(v) for v in named.values()) == 1
    body = get_csv(client)[0] + json.dumps(data)
    assert not EMAIL.search(body)


def test_the_project_box_partial_renders_for_the_project_page(make_project, make_user, app):
    from flask import render_template_string
    from flask_login import login_user

    member = make_user("agent")
    project = make_project("startup", team=[member])
    staff = make_user("staff")
    publish_project(project, staff, SUMMARY)
    db.session.commit()
    template = '{% include "opendata/_project_box.html" %}'
    with app.test_request_context():
        login_user(staff)
        html = render_template_string(template, project=project)
        assert f"/open-data/projects/{project.id}/publish" in html and f"/open-data/projects/{project.id}" in html
        login_user(member)
        html = render_template_string(template, project=project)
        assert "/open-data/consent#consent-" in html and "/publish" not in html
        login_user(make_user("jury"))
        draft = make_project("draft")
        assert render_template_string(template, project=draft).strip() == ""


def test_hostile_texts_stay_inert_on_the_public_pages(make_project, client):
    hostile = '<script>alert(1)</script><img src=x onerror="alert(1)">[x](javascript:alert(1))'
    project = published(make_project, "startup", title=f"Titre {hostile}")
    project.public_summary = f"Résumé {hostile}"
    db.session.commit()
    for path in ("/open-data/", f"/open-data/projects/{project.id}"):
        page = client.get(path).get_data(as_text=True).lower()
        assert "<script>alert" not in page
        assert not re.search(r"<[a-z]+[^>]*\sonerror", page)
        assert not re.search(r"href=\"?javascript:", page)
    data = get_json(client)[1]
    assert data["projects"][0]["summary"].startswith("Résumé <script>")  # raw Markdown, as documented
