"""The `incubator` command line: accounts, API tokens, the demo data, the console script itself."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from incubator.auth.operations import find_user
from incubator.demo import DEMO_PASSWORD
from incubator.extensions import db
from incubator.models import ApiToken, User


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args, **kwargs):
        return runner.invoke(args=list(args), **kwargs)

    return invoke


def users_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


# --- users create --------------------------------------------------------------------------------------

def test_users_create_with_two_roles(cli):
    result = cli("users", "create", "Marie.Curie@Ville.example", "--role", "agent", "--role", "coach",
                 "--name", "Marie Curie", "--password", "radium-1898", "--service", "Direction de la recherche",
                 "--title", "Cheffe de projet")
    assert result.exit_code == 0, result.output
    assert "marie.curie@ville.example" in result.output
    db.session.expire_all()
    user = find_user("marie.curie@ville.example")
    assert user is not None
    assert user.email == "marie.curie@ville.example"  # stored normalised
    assert user.roles == {"agent", "coach"}
    assert (user.name, user.service, user.title) == ("Marie Curie", "Direction de la recherche", "Cheffe de projet")
    assert user.is_active
    assert user.check_password("radium-1898")
    assert not user.check_password("wrong")
    assert user.password_hash != "radium-1898"


def test_a_user_created_on_the_command_line_can_log_in(cli, client):
    assert cli("users", "create", "jury@ville.example", "--role", "jury", "--password", "s3cret-pw").exit_code == 0
    from tests.conftest import extract_csrf

    token = extract_csrf(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": "jury@ville.example", "password": "s3cret-pw",
                                           "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/projects/").status_code == 200


def test_users_create_without_a_password_makes_an_account_that_cannot_log_in(cli):
    result = cli("users", "create", "sans.mdp@ville.example", "--role", "agent")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    user = find_user("sans.mdp@ville.example")
    assert user.name == "sans.mdp"  # the e-mail's local part when no name is given
    assert not user.check_password("")


def test_a_duplicate_email_fails_with_a_clear_message(cli, make_user):
    make_user("agent", email="deja@ville.example")
    before = users_count()
    result = cli("users", "create", "DEJA@ville.example", "--role", "staff", "--password", "x-y-z-1234")
    assert result.exit_code != 0
    assert "a user with the e-mail deja@ville.example already exists" in result.output
    db.session.expire_all()
    assert users_count() == before
    assert not find_user("deja@ville.example").has_role("staff")


@pytest.mark.parametrize("args", [
    ("--role", "superuser"),
    ("--role", "agent", "--role", "root"),
    (),
], ids=["unknown", "one-unknown", "none"])
def test_roles_are_checked(args, cli):
    result = cli("users", "create", "role@ville.example", *args, "--password", "pw-123456")
    assert result.exit_code == 2
    assert "--role" in result.output
    if args:
        assert "Invalid value" in result.output
    assert find_user("role@ville.example") is None


def test_an_address_that_is_not_an_email_is_refused(cli):
    result = cli("users", "create", "pas-une-adresse", "--role", "agent")
    assert result.exit_code != 0
    assert "not an e-mail address" in result.output
    assert users_count() == 0


# --- users token ---------------------------------------------------------------------------------------

def test_users_token_prints_one_working_token_and_stores_only_its_hash(cli, make_user, client):
    user = make_user("staff", "jury", email="api@ville.example")
    user_id = user.id
    result = cli("users", "token", "API@ville.example")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1 and result.output == lines[0] + "\n"
    token = lines[0].strip()
    assert len(token) >= 32 and " " not in token

    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["email"] == "api@ville.example"

    rows = db.session.execute(select(ApiToken.__table__)).mappings().all()
    assert len(rows) == 1
    assert rows[0]["user_id"] == user_id
    assert rows[0]["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert all(token not in str(value) for value in rows[0].values())


def test_each_token_is_new_and_the_old_one_keeps_working(cli, make_user, client):
    make_user("agent", email="deux@ville.example")
    first = cli("users", "token", "deux@ville.example").output.strip()
    second = cli("users", "token", "deux@ville.example").output.strip()
    assert first != second
    for token in (first, second):
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {first}x"}).status_code == 401


def test_users_token_for_an_unknown_email_fails(cli):
    result = cli("users", "token", "personne@ville.example")
    assert result.exit_code != 0
    assert "no user with the e-mail personne@ville.example" in result.output
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


# --- demo ----------------------------------------------------------------------------------------------

def test_demo_loads_the_data_and_prints_the_accounts(cli, client):
    result = cli("demo")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Demo data:")
    assert f"Demo accounts (password: {DEMO_PASSWORD}):" in result.output
    emails = [line.split()[1] for line in result.output.splitlines() if line.startswith("  ")]
    roles = [line.split()[0] for line in result.output.splitlines() if line.startswith("  ")]
    assert roles == ["agent", "coach", "staff", "jury", "admin"]
    db.session.expire_all()
    for role, email in zip(roles, emails, strict=True):
        user = find_user(email)
        assert user is not None and user.has_role(role)

    again = cli("demo", "--quiet")
    assert again.exit_code == 0, again.output
    assert "(already loaded)" in again.output
    assert "Demo accounts" not in again.output


# --- the console script --------------------------------------------------------------------------------

def test_the_console_script_lists_its_commands(tmp_path):
    script = Path(sys.executable).parent / "incubator"
    assert script.exists(), script
    env = {**os.environ, "SECRET_KEY": "cli-test", "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}"}
    env.pop("FLASK_APP", None)
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, env=env, timeout=60,
                            cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr
    commands = set()
    in_commands = False
    for line in result.stdout.splitlines():
        if line.strip() == "Commands:":
            in_commands = True
        elif in_commands and line.startswith("  ") and line.split():
            commands.add(line.split()[0])
    assert {"users", "demo", "db", "run"} <= commands, result.stdout
    assert "Traceback" not in result.stderr
