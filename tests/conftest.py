"""Fixtures: the app on SQLite or a real PostgreSQL (`--db`), clients, factories, query counting."""

from __future__ import annotations

import itertools
import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event
from werkzeug.security import generate_password_hash

from incubator import create_app
from incubator.extensions import db
from incubator.models import Call, Programme, Project, User
from tests.pg import TempPostgres

# One hash per password for every test user; a cheap method, since scrypt is deliberately slow and
# the login fixture checks a password on every login.
PASSWORD = "correct horse battery staple"
_HASH_CACHE: dict[str, str] = {}
TEST_HASH_METHOD = "pbkdf2:sha256:1000"


def pytest_addoption(parser):
    parser.addoption("--db", default="sqlite", choices=("sqlite", "postgresql"),
                     help="database the suite runs on")


def pytest_report_header(config):
    return f"database: {config.getoption('--db')}"


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory):
    if request.config.getoption("--db") == "postgresql":
        server = TempPostgres()
        url = server.start()
        yield url
        server.stop()
    else:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """The schema, built once from the migrations (never from the models)."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


class FreshContextClient(FlaskClient):
    """Each request in an app context of its own, as in production: its own `g` and database session.

    Otherwise the test's app context is reused, and `g` (Flask-Login's user, Flask-WTF's token) and
    the session's identity map leak from one request into the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def _app(_schema, tmp_path_factory):
    """One application for the session: its engine keeps its compiled-statement cache warm."""
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": _schema,
        "SERVER_NAME": "incubator.test",
        "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
        "PUBLIC_URL": "http://incubator.test",
    })
    app.test_client_class = FreshContextClient
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(_app):
    """The application in a fresh app context; the tables are emptied and the config restored after."""
    config = dict(_app.config)
    with _app.app_context():
        yield _app
        db.session.remove()
        _empty_tables()
    _app.config.clear()
    _app.config.update(config)


def _empty_tables():
    # DELETE rather than TRUNCATE on PostgreSQL too: on a handful of rows it is many times faster.
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


_counter = itertools.count(1)


@pytest.fixture
def make_user(app):
    def make(*roles: str, email: str | None = None, name: str | None = None, service: str = "Direction test",
             password: str = PASSWORD) -> User:
        n = next(_counter)
        user = User(email=email or f"user{n}@example.org", name=name or f"Agent {n}", service=service)
        user.set_roles(roles or ("agent",))
        if password not in _HASH_CACHE:
            _HASH_CACHE[password] = generate_password_hash(password, method=TEST_HASH_METHOD)
        user.password_hash = _HASH_CACHE[password]
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_call(app):
    def make(*, workflow: str = "pau", open_: bool = True, title: str | None = None, **kwargs) -> Call:
        from incubator.calls.operations import create_call

        now = datetime.now(UTC)
        opens, closes = (now - timedelta(days=10), now + timedelta(days=20)) if open_ else (
            now - timedelta(days=40), now - timedelta(days=10))
        call = create_call(title=title or f"Appel {next(_counter)}", opens_at=opens, closes_at=closes,
                           workflow=workflow, **kwargs)
        db.session.commit()
        return call

    return make


@pytest.fixture
def make_project(app, make_user, make_call):
    """A project in any state, reached by firing the real events from the draft."""
    from incubator.projects.operations import create_project
    from tests.paths import path_to

    def make(state: str = "draft", *, call: Call | None = None, team: list[User] | None = None,
             title: str = "Projet de test", **fields) -> Project:
        call = call or make_call()
        team = team or [make_user("agent")]
        fields.setdefault("problem", "Un problème de terrain.")
        fields.setdefault("proposal", "Une proposition.")
        fields.setdefault("answers", {"affected": "Les habitants", "frequency": "Chaque jour"})
        at = min(call.closes_at - timedelta(minutes=5), datetime.now(UTC))
        if not call.is_open(at):
            at = call.opens_at + timedelta(minutes=1)
        project = create_project(call, team[0], title=title, team_emails=[u.email for u in team[1:]],
                                 at=at, **fields)
        path_to(project, state, team[0], at=at)
        db.session.commit()
        return project

    return make


@pytest.fixture
def login(client):
    def do(user: User, password: str = PASSWORD):
        client.post("/logout", data={"csrf_token": csrf_token(client)})
        page = client.get("/login")
        token = extract_csrf(page.get_data(as_text=True))
        response = client.post("/login", data={"email": user.email, "password": password,
                                               "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return do


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def extract_csrf(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no csrf_token in the page"
    return match.group(1) or match.group(2)


def csrf_token(client) -> str:
    """A valid token for the client's session (as a form would carry)."""
    page = client.get("/login")
    match = CSRF_RE.search(page.get_data(as_text=True))
    if match:
        return match.group(1) or match.group(2)
    page = client.get("/")
    return extract_csrf(page.get_data(as_text=True))


@pytest.fixture
def api(app):
    """`api(user).get/post(...)`: a client sending the user's bearer token."""
    from incubator.auth.operations import issue_token

    class ApiClient:
        def __init__(self, user):
            self.token = issue_token(user)
            db.session.commit()
            self.client = app.test_client()

        def _headers(self):
            return {"Authorization": f"Bearer {self.token}"}

        def get(self, path, **kw):
            return self.client.get(path, headers=self._headers(), **kw)

        def post(self, path, json=None, **kw):
            return self.client.post(path, json=json, headers=self._headers(), **kw)

        def patch(self, path, json=None, **kw):
            return self.client.patch(path, json=json, headers=self._headers(), **kw)

    return ApiClient


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as counter: ...`; then `counter.count`."""

    @contextmanager
    def counting():
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return counting


@pytest.fixture
def programme(app):
    programme = Programme(name="Programme de test")
    db.session.add(programme)
    db.session.commit()
    return programme


@pytest.fixture
def smtp(app):
    """A real local SMTP server; the app sends to it for the duration of the test."""
    from tests.smtp import SmtpServer

    server = SmtpServer().start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_SECURITY="none")
    yield server.inbox
    server.stop()
