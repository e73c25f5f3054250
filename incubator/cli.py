"""The `incubator` command: `flask --app incubator` with the project's own commands."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from .models import ROLES


def register_commands(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(demo_command)


@click.group(help="Manage user accounts.")
def users():
    pass


@users.command("create", help="Create a user account.")
@click.argument("email")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES),
              help="A role; repeat for several.")
@click.option("--name", default="", help="Full name.")
@click.option("--password", default=None, help="Password (asked for when omitted and interactive).")
@click.option("--service", default="", help="The user's service (direction).")
@click.option("--title", default="", help="The user's job title.")
@with_appcontext
def create_user_command(email, roles, name, password, service, title):
    from .auth.operations import AccountError, create_user
    from .extensions import db

    if password is None and sys.stdin is not None and sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, roles=roles, name=name, password=password, service=service, title=title)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"created {user.email} ({', '.join(sorted(user.roles))})")


@users.command("token", help="Print a new API token for a user (one line).")
@click.argument("email")
@with_appcontext
def token_command(email):
    from .auth.operations import find_user, issue_token
    from .extensions import db

    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no user with the e-mail {email}")
    token = issue_token(user)
    db.session.commit()
    click.echo(token)


@click.command("demo", help="Load the demo data (idempotent).")
@click.option("--quiet", is_flag=True, help="Do not print the demo accounts.")
@with_appcontext
def demo_command(quiet):
    from .demo import DEMO_PASSWORD, load_demo

    summary = load_demo()
    click.echo(summary.describe())
    if not quiet:
        click.echo(f"\nDemo accounts (password: {DEMO_PASSWORD}):")
        for role, email in summary.accounts:
            click.echo(f"  {role:<7} {email}")


def main() -> None:
    from . import create_app

    FlaskGroup(create_app=create_app, help="Incubateur: run an intrapreneurship programme.")()
