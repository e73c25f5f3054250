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
    app.cli.add_command(tick_command)
    app.cli.add_command(scheduler_command)


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


class Instant(click.ParamType):
    """An ISO-8601 instant; without an offset it is taken in Paris time."""

    name = "ISO-8601"

    def convert(self, value, param, ctx):
        from datetime import datetime
        from zoneinfo import ZoneInfo

        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self.fail(f"{value!r} is not an ISO-8601 date and time (e.g. 2026-11-23T09:00+01:00)", param, ctx)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo("Europe/Paris"))
        return moment


@click.command("tick", help="Process every timer due at that instant (default: now): reminders, "
               "deadlines, reviews due, e-mails waiting. A second run at the same instant does nothing.")
@click.option("--at", "at", type=Instant(), default=None, help="The instant to process (ISO-8601).")
@click.option("--verbose", "-v", is_flag=True, help="List each timer processed.")
@with_appcontext
def tick_command(at, verbose):
    from .notifications.timers import tick

    report = tick(at)
    click.echo(report.describe())
    if verbose:
        for line in report.outcomes:
            click.echo(f"  {line}")
    if report.errors:
        sys.exit(1)


@click.command("scheduler", help="Run `tick` every minute (Europe/Paris) until stopped. Several may "
               "run at once: each timer is processed once.")
@click.option("--interval", type=click.IntRange(1, 3600), default=None,
              help="Seconds between two ticks (default: SCHEDULER_INTERVAL, 60).")
@with_appcontext
def scheduler_command(interval):
    import logging
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from apscheduler.schedulers.blocking import BlockingScheduler
    from flask import current_app

    from .extensions import db
    from .notifications.timers import tick

    app = current_app._get_current_object()
    interval = interval or app.config["SCHEDULER_INTERVAL"]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logger = logging.getLogger("incubator.scheduler")

    def run_tick():
        with app.app_context():
            try:
                logger.info(tick().describe())
            except Exception:  # keep the scheduler alive; the next tick catches up
                db.session.rollback()
                logger.exception("tick failed")
            finally:
                db.session.remove()

    paris = ZoneInfo("Europe/Paris")
    scheduler = BlockingScheduler(timezone=paris)
    scheduler.add_job(run_tick, "interval", seconds=interval, next_run_time=datetime.now(paris),
                      max_instances=1, coalesce=True, misfire_grace_time=None, id="tick")
    click.echo(f"scheduler: a tick every {interval} s (Europe/Paris); Ctrl-C stops it")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass


def main() -> None:
    from . import create_app

    FlaskGroup(create_app=create_app, help="Incubateur: run an intrapreneurship programme.")()
