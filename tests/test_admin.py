"""The accounts administration: who may use it, creating and changing accounts, the list.

Every POST carries the CSRF token of the page it comes from, as a browser would send it.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from incubator.extensions import db
from incubator.models import User, UserRole
from tests.conftest import PASSWORD, csrf_token, extract_csrf

NEW_PASSWORD = "un mot de passe assez long"

NEW_ACCOUNT = {
    "email": "Nadia.Benali@Ville.example",
    "name": "Nadia Benali",
    "service": "Direction du numérique",
    "title": "Cheffe de projet",
    "roles": ["agent", "coach"],
    "password": NEW_PASSWORD,
    "password_confirm": NEW_PASSWORD,
}


def text(response) -> str:
    """The page as a reader sees its characters (entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


def location(response) -> str:
    assert response.status_code == 302, response.status_code
    return urlsplit(response.headers["Location"]).path


def listed(response) -> str:
    """The rows of the accounts table (the header names the logged-in administrator too)."""
    body = text(response)
    return body.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in body else ""


def post_form(client, path: str, data: dict):
    """Open the form's page, then post `data` with the page's own CSRF token."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(path, data={**data, "csrf_token": extract_csrf(page.get_data(as_text=True))})


class CheckedBoxes(HTMLParser):
    def __init__(self, name: str):
        super().__init__()
        self.name, self.values = name, set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "checkbox" and a.get("name") == self.name and "checked" in a:
            self.values.add(a.get("value"))


def checked_boxes(response, name: str) -> set[str]:
    parser = CheckedBoxes(name)
    parser.feed(response.get_data(as_text=True))
    return parser.values


def fresh():
    """Forget what the test's session remembers: the requests ran in sessions of their own."""
    db.session.rollback()
    db.session.expire_all()


def users_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def stored(user_id: int) -> User:
    fresh()
    return db.session.get(User, user_id)


def logs_in(app, email: str, password: str) -> bool:
    """Whether a fresh browser logs in with these credentials."""
    other = app.test_client()
    page = other.get("/login")
    response = other.post("/login", data={"email": email, "password": password,
                                          "csrf_token": extract_csrf(page.get_data(as_text=True))})
    return response.status_code == 302 and other.get("/projects/").status_code == 200


def edit_data(user: User, **changes) -> dict:
    """The edit form as it comes, with `changes`: what a browser sends when only those are touched."""
    data = {"name": user.name, "service": user.service, "title": user.title, "roles": sorted(user.roles),
            "active": "y" if user.is_active_account else None, "password": "", "password_confirm": ""}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def admin(make_user, login):
    return login(make_user("admin", name="Alice Admin", email="alice.admin@ville.example"))


# --- who may use the area ------------------------------------------------------------------------------

PAGES = ["/admin/users", "/admin/users/new", "/admin/users/{id}/edit"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", ["agent", "coach", "staff", "jury", "admin"])
def test_only_administrators_see_the_admin_pages(role, path, make_user, login, client):
    target = make_user("agent")
    login(make_user(role))
    response = client.get(path.format(id=target.id))
    assert response.status_code == (200 if role == "admin" else 403)
    if role != "admin":
        assert "Nadia" not in text(response) and target.email not in text(response)


@pytest.mark.parametrize("path", PAGES)
def test_visitors_are_sent_to_the_login_page(path, make_user, client):
    target = make_user("agent")
    response = client.get(path.format(id=target.id))
    assert location(response) == "/login"
    assert parse_qs(urlsplit(response.headers["Location"]).query)["next"] == [path.format(id=target.id)]


@pytest.mark.parametrize("role", ["agent", "coach", "staff", "jury"])
def test_others_may_not_create_or_change_accounts(role, make_user, login, client):
    target = make_user("agent", name="Cible")
    login(make_user(role))
    before = users_count()
    response = client.post("/admin/users/new", data={**NEW_ACCOUNT, "csrf_token": csrf_token(client)})
    assert response.status_code == 403
    response = client.post(f"/admin/users/{target.id}/edit",
                           data={**edit_data(target, roles=["admin"], name="Pris"),
                                 "csrf_token": csrf_token(client)})
    assert response.status_code == 403
    user = stored(target.id)
    assert users_count() == before
    assert (user.name, user.roles) == ("Cible", {"agent"})


def test_an_unknown_account_is_not_found(admin, client):
    assert client.get("/admin/users/999999/edit").status_code == 404


@pytest.mark.parametrize("role", ["agent", "coach", "staff", "jury", "admin"])
def test_the_accounts_link_is_in_the_menu_of_administrators_only(role, make_user, login, client):
    login(make_user(role))
    body = text(client.get("/"))
    assert ('href="/admin/users"' in body) == (role == "admin")
    assert (">Comptes</a>" in body) == (role == "admin")


# --- creating an account --------------------------------------------------------------------------------

def test_an_administrator_creates_an_account_that_can_log_in(admin, client, app):
    page = client.get("/admin/users/new")
    body = text(page)
    assert "Nouveau compte" in body
    for label in ("Agent", "Coach", "Équipe du programme", "Jury", "Administrateur"):
        assert f"> {label}</label>" in body
    assert "<legend" in body and "Rôles" in body

    response = client.post("/admin/users/new",
                           data={**NEW_ACCOUNT, "csrf_token": extract_csrf(page.get_data(as_text=True))})

    assert location(response) == "/admin/users"
    listing = client.get(response.headers["Location"])  # the list, searched for the new account
    assert "Le compte de Nadia Benali est créé." in text(listing)
    assert "nadia.benali@ville.example" in listed(listing)
    fresh()
    user = db.session.scalar(select(User).where(User.email == "nadia.benali@ville.example"))
    assert user is not None  # stored normalised
    assert user.roles == {"agent", "coach"}
    assert (user.name, user.service, user.title) == ("Nadia Benali", "Direction du numérique", "Cheffe de projet")
    assert user.is_active
    assert user.password_hash != NEW_PASSWORD and user.check_password(NEW_PASSWORD)

    assert logs_in(app, "nadia.benali@ville.example", NEW_PASSWORD)
    assert not logs_in(app, "nadia.benali@ville.example", "pas le bon mot de passe")


def test_a_duplicate_email_is_refused_in_french_and_nothing_is_created(admin, make_user, client):
    make_user("agent", email="nadia.benali@ville.example", name="Déjà là")
    before = users_count()
    response = post_form(client, "/admin/users/new", {**NEW_ACCOUNT, "email": "NADIA.benali@ville.example"})
    assert response.status_code == 422
    body = text(response)
    assert "Un compte existe déjà avec cette adresse électronique." in body
    assert 'id="email-error"' in body and 'aria-describedby="email-hint email-error"' in body
    assert 'value="NADIA.benali@ville.example"' in body  # what was typed is kept, the password is not
    assert NEW_PASSWORD not in body
    fresh()
    assert users_count() == before
    assert db.session.scalar(select(User).where(User.email == "nadia.benali@ville.example")).roles == {"agent"}


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"password": "court-11car", "password_confirm": "court-11car"}, "password",
     "Le mot de passe doit comporter au moins 12 caractères."),
    ({"password_confirm": NEW_PASSWORD + "!"}, "password_confirm",
     "Les deux mots de passe ne sont pas identiques."),
    ({"password": "", "password_confirm": ""}, "password", "Saisissez un mot de passe."),
    ({"roles": []}, "roles", "Choisissez au moins un rôle."),
    ({"roles": ["agent", "superuser"]}, "roles", "n'est pas un choix valide"),
    ({"name": "  "}, "name", "Saisissez le nom de la personne."),
    ({"email": "pas-une-adresse"}, "email", "Saisissez une adresse électronique valide."),
], ids=["short-password", "mismatched-passwords", "no-password", "no-role", "unknown-role", "no-name",
        "bad-email"])
def test_an_invalid_account_is_shown_again_with_a_french_error(changes, field, message, admin, client):
    before = users_count()
    response = post_form(client, "/admin/users/new", {**NEW_ACCOUNT, **changes})
    assert response.status_code == 422
    body = text(response)
    assert message in body
    assert f'id="{field}-error"' in body
    assert 'lang="fr"' in body
    fresh()
    assert users_count() == before


def test_the_role_checkboxes_are_a_group_with_its_errors_tied(admin, client):
    response = post_form(client, "/admin/users/new", {**NEW_ACCOUNT, "roles": []})
    body = text(response)
    fieldset = body.split('<fieldset class="field checkbox-group field--error" id="roles"')[1].split("</fieldset>")[0]
    assert 'aria-describedby="roles-hint roles-error"' in fieldset
    assert "<legend" in fieldset and "Rôles" in fieldset
    assert fieldset.count('type="checkbox"') == 5
    assert "required" not in fieldset.split("<ul")[1]  # the rule is the group's, not each box's
    assert 'href="#roles"' in body  # the error summary links to the group


# --- changing an account -------------------------------------------------------------------------------

def test_an_administrator_changes_roles_service_title_and_status(admin, make_user, client, app):
    user = make_user("agent", name="Paul Martin", service="Direction des sports")
    response = post_form(client, f"/admin/users/{user.id}/edit", edit_data(
        user, name="Paul Martin-Durand", service="Direction de la culture", title="Chargé de mission",
        roles=["coach", "jury"], active=None))
    assert location(response) == "/admin/users"
    changed = stored(user.id)
    assert changed.roles == {"coach", "jury"}
    assert (changed.name, changed.service, changed.title) == (
        "Paul Martin-Durand", "Direction de la culture", "Chargé de mission")
    assert not changed.is_active
    assert changed.check_password(PASSWORD)  # no new password typed: the old one stays
    assert "Le compte de Paul Martin-Durand est enregistré." in text(client.get("/admin/users"))

    response = post_form(client, f"/admin/users/{user.id}/edit", edit_data(changed, active="y"))
    assert location(response) == "/admin/users"
    assert stored(user.id).is_active
    assert logs_in(app, user.email, PASSWORD)


def test_the_edit_form_shows_the_account_as_it_is(admin, make_user, client):
    user = make_user("staff", "jury", name="Inès Roux", service="Direction générale")
    response = client.get(f"/admin/users/{user.id}/edit")
    body = text(response)
    assert 'value="Inès Roux"' in body and 'value="Direction générale"' in body
    assert user.email in body
    assert checked_boxes(response, "roles") == {"staff", "jury"}
    assert checked_boxes(response, "active") == {"y"}
    assert "Il s'agit de votre propre compte" not in body


def test_an_administrator_sets_a_new_password(admin, make_user, client, app):
    user = make_user("agent")
    response = post_form(client, f"/admin/users/{user.id}/edit",
                         edit_data(user, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD))
    assert location(response) == "/admin/users"
    assert logs_in(app, user.email, NEW_PASSWORD)
    assert not logs_in(app, user.email, PASSWORD)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"password": "court-11car", "password_confirm": "court-11car"}, "password",
     "Le mot de passe doit comporter au moins 12 caractères."),
    ({"password": NEW_PASSWORD, "password_confirm": ""}, "password_confirm",
     "Les deux mots de passe ne sont pas identiques."),
    ({"password": "", "password_confirm": NEW_PASSWORD}, "password_confirm",
     "Les deux mots de passe ne sont pas identiques."),
    ({"roles": []}, "roles", "Choisissez au moins un rôle."),
    ({"name": ""}, "name", "Saisissez le nom de la personne."),
], ids=["short-password", "no-confirmation", "confirmation-only", "no-role", "no-name"])
def test_an_invalid_change_is_refused_and_changes_nothing(changes, field, message, admin, make_user, client):
    user = make_user("agent", name="Sans Changement")
    response = post_form(client, f"/admin/users/{user.id}/edit",
                         edit_data(user, service="Autre service", **changes))
    assert response.status_code == 422
    body = text(response)
    assert message in body and f'id="{field}-error"' in body
    same = stored(user.id)
    assert (same.name, same.service, same.roles) == ("Sans Changement", "Direction test", {"agent"})
    assert same.check_password(PASSWORD)


def test_a_deactivated_account_can_no_longer_log_in_nor_keep_its_session(admin, make_user, client, app, api):
    user = make_user("agent")
    their_script = api(user)
    assert their_script.get("/api/v1/me").status_code == 200
    their_browser = app.test_client()
    page = their_browser.get("/login")
    their_browser.post("/login", data={"email": user.email, "password": PASSWORD,
                                       "csrf_token": extract_csrf(page.get_data(as_text=True))})
    assert their_browser.get("/projects/").status_code == 200

    response = post_form(client, f"/admin/users/{user.id}/edit", edit_data(user, active=None))

    assert location(response) == "/admin/users"
    assert not logs_in(app, user.email, PASSWORD)
    assert location(their_browser.get("/projects/")) == "/login"
    assert their_script.get("/api/v1/me").status_code == 401
    assert "Désactivé" in text(client.get("/admin/users", query_string={"q": user.email}))


def test_an_administrator_cannot_remove_their_own_admin_role(admin, client):
    page = text(client.get(f"/admin/users/{admin.id}/edit"))
    assert "Il s'agit de votre propre compte" in page
    response = post_form(client, f"/admin/users/{admin.id}/edit", edit_data(admin, roles=["staff"]))
    assert response.status_code == 422
    body = text(response)
    assert "Vous ne pouvez pas retirer votre propre rôle d'administrateur" in body
    assert 'id="roles-error"' in body
    assert stored(admin.id).roles == {"admin"}
    assert client.get("/admin/users").status_code == 200


def test_an_administrator_cannot_deactivate_themselves(admin, client):
    response = post_form(client, f"/admin/users/{admin.id}/edit", edit_data(admin, active=None))
    assert response.status_code == 422
    body = text(response)
    assert "Vous ne pouvez pas désactiver votre propre compte." in body
    assert 'id="active-error"' in body and 'aria-describedby="active-hint active-error"' in body
    assert stored(admin.id).is_active
    assert client.get("/admin/users").status_code == 200


def test_an_administrator_adds_roles_to_themselves_and_demotes_another_administrator(
        admin, make_user, client):
    response = post_form(client, f"/admin/users/{admin.id}/edit", edit_data(admin, roles=["admin", "staff"]))
    assert location(response) == "/admin/users"
    assert stored(admin.id).roles == {"admin", "staff"}
    other = make_user("admin")
    response = post_form(client, f"/admin/users/{other.id}/edit", edit_data(other, roles=["staff"], active=None))
    assert location(response) == "/admin/users"
    assert (stored(other.id).roles, stored(other.id).is_active) == ({"staff"}, False)


# --- the list ------------------------------------------------------------------------------------------

def add_users(n: int, start: int = 0) -> None:
    """`n` accounts straight into the tables, each with two roles: fast, no password hashing."""
    db.session.add_all([
        User(email=f"masse{i}@ville.example", name=f"Personne {i:03d}", service=f"Service {i % 7}",
             title="Agent", password_hash="x", role_rows=[UserRole(role="agent"), UserRole(role="coach")])
        for i in range(start, start + n)
    ])
    db.session.commit()


def queries_for(fetch, count_queries) -> int:
    fetch()  # warm-up
    with count_queries() as counter:
        response = fetch()
    assert response.status_code == 200, response.status_code
    return counter.count


def test_the_list_queries_do_not_grow_with_the_accounts(admin, client, count_queries):
    add_users(5)
    few = queries_for(lambda: client.get("/admin/users"), count_queries)
    add_users(95, start=5)
    many = queries_for(lambda: client.get("/admin/users"), count_queries)
    assert many == few, f"{few} queries with 6 accounts, {many} with 101"
    filtered = queries_for(lambda: client.get("/admin/users", query_string={"q": "Personne", "role": "coach"}),
                           count_queries)
    assert filtered == few


def test_the_list_shows_each_account_with_its_roles_and_status(admin, make_user, client):
    user = make_user("staff", "jury", name="Inès Roux", service="Direction générale")
    user.title = "Directrice de projets"
    db.session.commit()
    response = client.get("/admin/users")
    body = text(response)
    row = listed(response).split("Inès Roux")[1].split("</tr>")[0]
    assert user.email in row
    assert "Équipe du programme, Jury" in row
    assert "Direction générale" in row and "Directrice de projets" in row
    assert "Actif" in row
    assert "(vous)" in listed(response).split("Alice Admin")[1].split("</th>")[0]
    assert "2 comptes" in body


def test_the_list_is_paginated(admin, client, app):
    app.config["PER_PAGE"] = 10
    add_users(25)
    first = text(client.get("/admin/users"))
    assert "Personne 000" in first and "Personne 009" not in first  # "Alice Admin" sorts first
    assert "Page 1 sur 3" in first
    third = text(client.get("/admin/users", query_string={"page": 3, "role": "coach"}))
    assert "Personne 024" in third
    assert "/admin/users?page=2&role=coach" in third.replace("&amp;", "&")


@pytest.mark.parametrize(("query", "expected"), [
    ("roux", {"Inès Roux"}),
    ("INES.ROUX@", {"Inès Roux"}),
    ("culture", {"Paul Martin", "Inès Roux"}),
    ("sports", set()),
    ("%", set()),
], ids=["name", "email", "service", "none", "wildcard"])
def test_the_list_searches_by_name_email_or_service(query, expected, admin, make_user, client):
    make_user("staff", name="Inès Roux", email="ines.roux@ville.example", service="Direction de la culture")
    make_user("agent", name="Paul Martin", email="paul.martin@ville.example", service="Culture et patrimoine")
    make_user("agent", name="Zoé Blanc", email="zoe.blanc@ville.example", service="Direction des finances")
    response = client.get("/admin/users", query_string={"q": query})
    shown = {name for name in ("Inès Roux", "Paul Martin", "Zoé Blanc", "Alice Admin") if name in listed(response)}
    assert shown == expected
    if not expected:
        assert "Aucun compte ne correspond à ces filtres." in text(response)


def test_the_list_filters_by_role_and_combines_with_the_search(admin, make_user, client):
    make_user("staff", name="Inès Roux", service="Direction de la culture")
    make_user("agent", "coach", name="Paul Martin", service="Direction de la culture")
    make_user("coach", name="Zoé Blanc", service="Direction des finances")
    names = ("Inès Roux", "Paul Martin", "Zoé Blanc", "Alice Admin")
    response = client.get("/admin/users", query_string={"role": "coach"})
    assert {n for n in names if n in listed(response)} == {"Paul Martin", "Zoé Blanc"}
    assert "2 comptes avec le rôle “Coach”" in text(response)
    response = client.get("/admin/users", query_string={"role": "coach", "q": "culture"})
    assert {n for n in names if n in listed(response)} == {"Paul Martin"}
    # An unknown role is no filter at all.
    response = client.get("/admin/users", query_string={"role": "superuser"})
    assert {n for n in names if n in listed(response)} == set(names)
