"""Configuration: SQLite settings, the database URL, the secret key, health check, headers, cookies."""

from __future__ import annotations

import stat

import pytest
from flask import Flask
from sqlalchemy import text

from incubator import _instance_secret_key, create_app
from incubator.config import from_environment, normalise_database_url
from incubator.extensions import db

ENV_VARS = ("SECRET_KEY", "DATABASE_URL", "SESSION_COOKIE_SECURE")


@pytest.fixture
def clean_env(monkeypatch):
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def instance(clean_env, tmp_path):
    """create_app(None) as in production, with its instance folder in a temporary directory."""
    folder = tmp_path / "instance"
    clean_env.setattr(Flask, "auto_find_instance_path", lambda self: str(folder))
    return folder


# --- SQLite ---------------------------------------------------------------------------------------------

def test_sqlite_connections_enforce_foreign_keys_use_wal_and_wait_when_busy(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings; the suite runs on " + db.engine.dialect.name)
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar().lower() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() > 0


def test_sqlite_refuses_a_row_pointing_nowhere(app):
    """Foreign keys are really checked, not only declared."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings; the suite runs on " + db.engine.dialect.name)
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(text("INSERT INTO user_roles (user_id, role) VALUES (987654, 'agent')"))


def test_every_new_sqlite_connection_gets_the_settings(tmp_path):
    """Not only the suite's engine: any engine the app creates on a new SQLite file."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'other.sqlite'}"})
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
                assert conn.execute(text("PRAGMA journal_mode")).scalar().lower() == "wal"
                assert conn.execute(text("PRAGMA busy_timeout")).scalar() > 0
        finally:
            db.engine.dispose()


# --- the database URL ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "expected"), [
    ("postgres://u:p@db.example:5432/incubator", "postgresql+psycopg://u:p@db.example:5432/incubator"),
    ("postgresql://u:p@db.example/incubator?sslmode=require",
     "postgresql+psycopg://u:p@db.example/incubator?sslmode=require"),
    ("postgresql+psycopg://u@localhost/incubator", "postgresql+psycopg://u@localhost/incubator"),
    ("sqlite:////var/lib/incubator/db.sqlite", "sqlite:////var/lib/incubator/db.sqlite"),
    ("sqlite://", "sqlite://"),
])
def test_normalise_database_url(given, expected):
    assert normalise_database_url(given) == expected


def test_from_environment_reads_only_what_is_set(clean_env):
    assert from_environment() == {}
    clean_env.setenv("DATABASE_URL", "postgres://u:p@h/db")
    clean_env.setenv("SECRET_KEY", "from-the-environment")
    assert from_environment() == {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u:p@h/db",
                                  "SECRET_KEY": "from-the-environment"}


def test_from_environment_ignores_empty_values(clean_env):
    clean_env.setenv("DATABASE_URL", "")
    clean_env.setenv("SECRET_KEY", "")
    assert from_environment() == {}


@pytest.mark.parametrize(("value", "secure"), [("1", True), ("true", True), ("yes", True), ("0", False),
                                             ("false", False), ("No", False), ("off", False)])
def test_secure_cookie_from_the_environment(value, secure, clean_env):
    clean_env.setenv("SESSION_COOKIE_SECURE", value)
    assert from_environment() == {"SESSION_COOKIE_SECURE": secure}


def test_the_app_uses_the_database_url_from_the_environment(instance, clean_env):
    clean_env.setenv("DATABASE_URL", "postgresql://user:pw@db.internal/incubator")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://user:pw@db.internal/incubator"


def test_the_default_database_is_sqlite_in_the_instance_folder(instance, clean_env):
    clean_env.setenv("SECRET_KEY", "k")
    app = create_app()
    assert app.instance_path == str(instance)
    assert instance.is_dir()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + str(instance / "incubator.sqlite")
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["timeout"] > 0


# --- the secret key ------------------------------------------------------------------------------------

def test_secret_key_from_the_environment_wins(instance, clean_env):
    instance.mkdir()
    (instance / "config.py").write_text('SECRET_KEY = "from-the-instance-config"\n')
    clean_env.setenv("SECRET_KEY", "from-the-environment")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not (instance / "secret_key").exists()


def test_secret_key_from_the_instance_config(instance):
    instance.mkdir()
    (instance / "config.py").write_text('SECRET_KEY = "from-the-instance-config"\n')
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-instance-config"
    assert not (instance / "secret_key").exists()


def test_without_a_configured_key_one_is_kept_in_the_instance_folder(instance):
    first = create_app()
    key = first.config["SECRET_KEY"]
    assert len(key) >= 32
    path = instance / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = create_app()  # another worker, or a restart: the same key, sessions survive
    assert second.config["SECRET_KEY"] == key


def test_instance_secret_key_is_created_once_with_mode_0600(tmp_path):
    key = _instance_secret_key(str(tmp_path))
    path = tmp_path / "secret_key"
    assert path.read_text() == key
    assert len(key) == 64 and int(key, 16) >= 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _instance_secret_key(str(tmp_path)) == key
    assert path.read_text() == key


def test_instance_secret_keys_differ_between_instances(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert _instance_secret_key(str(tmp_path / "a")) != _instance_secret_key(str(tmp_path / "b"))


def test_an_existing_key_file_is_read_not_replaced(tmp_path):
    (tmp_path / "secret_key").write_text("an-existing-key\n")
    assert _instance_secret_key(str(tmp_path)) == "an-existing-key"
    assert (tmp_path / "secret_key").read_text() == "an-existing-key\n"


# --- health check --------------------------------------------------------------------------------------

def test_healthz_answers_ok_after_a_database_query(client, count_queries):
    with count_queries() as counter:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {"status": "ok"}
    assert counter.count >= 1


def test_healthz_needs_no_login_and_no_token(client):
    response = client.get("/healthz", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


# --- headers and cookies -------------------------------------------------------------------------------

def assert_security_headers(response):
    policy = response.headers.get("Content-Security-Policy", "")
    for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'",
                      "base-uri 'self'", "form-action 'self'"):
        assert directive in policy, (directive, policy)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") == "same-origin"


def test_security_headers_on_every_kind_of_response(make_user, login, client):
    responses = {
        "landing": client.get("/"),
        "login": client.get("/login"),
        "redirect": client.get("/projects/"),
        "not found": client.get("/nowhere"),
        "health": client.get("/healthz"),
        "api error": client.get("/api/v1/calls"),
        "static": client.get("/static/css/app.css"),
    }
    login(make_user("staff"))
    responses["home"] = client.get("/")
    responses["calls"] = client.get("/calls/")
    responses["missing call"] = client.get("/calls/999999/edit")
    assert responses["not found"].status_code == 404
    assert responses["redirect"].status_code == 302
    for name, response in responses.items():
        try:
            assert_security_headers(response)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc
        finally:
            response.close()


def test_the_session_cookie_is_httponly_and_samesite_lax_before_logging_in(client):
    response = client.get("/login")  # the form's token lives in the session
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert len(cookies) == 1
    attributes = [part.strip().lower() for part in cookies[0].split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "secure" not in attributes  # plain HTTP works out of the box


def test_the_session_cookie_is_secure_when_configured(app, client):
    app.config["SESSION_COOKIE_SECURE"] = True
    response = client.get("/login", base_url="https://incubator.test")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert {"secure", "httponly", "samesite=lax"} <= set(attributes)


def test_cookie_defaults(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
