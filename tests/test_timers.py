"""Timers and reminders with a fixed clock: each reminder once, nothing twice, nothing skipped."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from incubator.calls.operations import create_call
from incubator.extensions import db
from incubator.incubation.operations import save_log
from incubator.notifications.models import Notification, TickRun, Timer
from incubator.notifications.timers import tick
from incubator.projects.operations import create_project
from incubator.workflows import fire
from tests.incubation_helpers import START, incubate

# START is Monday 7 January 2030, 10:00 in Paris. Weekly checks run on Mondays at 9:00 Paris (8:00 UTC).
MONDAY = [START + timedelta(weeks=n) for n in range(30)]


def check_time(week_index: int) -> datetime:
    """Monday 9:30 Paris after week `week_index` (0 = the week of START)."""
    return MONDAY[week_index + 1].replace(hour=8, minute=30)


def kinds(user=None) -> Counter:
    stmt = select(Notification.kind)
    if user is not None:
        stmt = stmt.where(Notification.user_id == user.id)
    return Counter(db.session.scalars(stmt))


def keys(kind: str) -> list[str]:
    return sorted(db.session.scalars(select(Notification.key).where(Notification.kind == kind).distinct()))


def write_log(inc, week_index: int):
    save_log(inc.project, inc.coach, MONDAY[week_index].date(), done="Entretiens", days_spent=2,
             confidence=3, at=MONDAY[week_index] + timedelta(days=4))
    db.session.commit()


@pytest.fixture
def inc(make_project, make_user):
    result = incubate(make_project, make_user)
    db.session.query(Notification).delete()  # the start event's news to the team: not a reminder
    db.session.commit()
    return result


def test_successive_ticks_send_each_reminder_once(inc):
    assert tick(START).notifications == 0
    report = tick(check_time(0))
    assert report.notifications == 1
    assert kinds(inc.coach) == Counter({"log_missing": 1})
    assert keys("log_missing") == [f"weekly_log:{inc.project.id}:2030-W02"]

    # The same instant again, then a little later: nothing new.
    assert tick(check_time(0)).notifications == 0
    assert tick(check_time(0) + timedelta(hours=3)).notifications == 0

    write_log(inc, 1)  # week 2030-W03 is written
    assert tick(check_time(1)).notifications == 0
    # W04 missing: the coach only, since W03 was written.
    tick(check_time(2))
    assert kinds(inc.coach) == Counter({"log_missing": 2})
    assert kinds(inc.staff) == Counter()
    # W05 missing too: two weeks running, the programme team is told as well.
    tick(check_time(3))
    assert kinds(inc.coach) == Counter({"log_missing": 3})
    assert kinds(inc.staff) == Counter({"log_missing_twice": 1})
    for _ in range(2):
        assert tick(check_time(3)).notifications == 0
    assert db.session.scalar(select(Timer).where(Timer.key == f"weekly_log:{inc.project.id}:2030-W05")).outcome \
        .startswith("log missing two weeks")


def test_two_ticks_at_the_same_instant_send_nothing_twice(inc):
    tick(START)
    first = tick(check_time(0))
    second = tick(check_time(0))
    assert (first.processed, second.processed) == (first.processed, 0)
    assert second.notifications == 0
    assert db.session.scalar(select(db.func.count()).select_from(Notification)) == 1


def test_a_tick_after_a_gap_sends_what_fell_due_in_between(inc):
    tick(START)
    report = tick(check_time(2) + timedelta(hours=2))  # three Mondays later
    assert keys("log_missing") == [f"weekly_log:{inc.project.id}:2030-W0{n}" for n in (2, 3, 4)]
    assert kinds(inc.coach) == Counter({"log_missing": 3})
    assert kinds(inc.staff) == Counter({"log_missing_twice": 2})  # W03 and W04 each follow a missing week
    assert report.errors == 0
    assert tick(check_time(2) + timedelta(hours=2)).notifications == 0


def test_the_first_tick_ever_does_not_replay_the_past(inc):
    tick(check_time(5))  # no earlier tick: only the last day is looked at, not the five weeks before
    assert keys("log_missing") == [f"weekly_log:{inc.project.id}:2030-W07"]


def test_review_due_once_and_not_during_a_stand_by(inc):
    due = inc.project.review_due_at
    assert due == START.replace(month=4)  # three months of pre-incubation
    tick(START)
    tick(due + timedelta(hours=1))
    told = {n.user_id for n in db.session.scalars(select(Notification).where(Notification.kind == "review_due"))}
    from incubator.notifications.timers import staff_users
    assert told == {*(u.id for u in staff_users()), inc.coach.id, *(u.id for u in inc.team)}
    assert inc.staff.id in told
    assert tick(due + timedelta(hours=2)).notifications == 0


def test_a_stand_by_of_two_months_moves_the_review_by_two_months(inc):
    project = inc.project
    due = project.review_due_at
    tick(START)
    fire(project, "pause", inc.staff, "Confinement : écoles fermées", at=datetime(2030, 3, 1, 9, tzinfo=UTC))
    db.session.commit()
    assert project.clock_stopped_at is not None
    # The old due date passes while on hold: no review reminder.
    tick(due + timedelta(hours=1))
    assert kinds()["review_due"] == 0
    fire(project, "resume", inc.staff, at=datetime(2030, 5, 1, 9, tzinfo=UTC))
    db.session.commit()
    assert project.state == "pre_incubation"
    assert project.review_due_at == datetime(2030, 6, 7, 9, tzinfo=UTC)  # 7 April + 2 months
    tick(datetime(2030, 6, 7, 10, tzinfo=UTC))
    assert kinds(inc.staff)["review_due"] == 1


def test_weeks_on_hold_are_not_reminded(inc):
    tick(START)
    write_log(inc, 0)
    fire(inc.project, "pause", inc.staff, "Stand-by", at=MONDAY[1] - timedelta(hours=12))  # Sunday
    db.session.commit()
    tick(check_time(4))
    assert keys("log_missing") == []


def test_call_closing_and_closed(app, make_user, make_project):
    call = create_call(title="Appel 2030", opens_at=datetime(2030, 1, 1, tzinfo=UTC),
                       closes_at=datetime(2030, 1, 20, 17, tzinfo=UTC), workflow="pau")
    db.session.commit()
    drafter, helper, submitter = make_user("agent"), make_user("agent"), make_user("agent")
    staff = make_user("staff")
    draft = create_project(call, drafter, title="Brouillon", team_emails=[helper.email],
                           at=datetime(2030, 1, 5, tzinfo=UTC))
    make_project("submitted", call=call, team=[submitter])
    db.session.query(Notification).delete()
    db.session.commit()

    tick(datetime(2030, 1, 10, tzinfo=UTC))
    tick(datetime(2030, 1, 17, 18, tzinfo=UTC))  # 3 days before closing
    assert kinds(drafter) == kinds(helper) == Counter({"call_closing": 1})
    assert kinds(submitter) == Counter()
    tick(datetime(2030, 1, 20, 17, 1, tzinfo=UTC))
    assert kinds(drafter) == Counter({"call_closing": 1, "call_closed_team": 1})
    staff_note = db.session.scalar(select(Notification).where(Notification.user_id == staff.id))
    assert staff_note.kind == "call_closed_staff" and staff_note.params["count"] == 1
    assert staff_note.link == f"/calls/{call.id}"
    assert tick(datetime(2030, 1, 20, 17, 1, tzinfo=UTC)).notifications == 0
    assert draft.state == "draft"


def test_a_changed_closing_date_is_followed(app, make_user):
    call = create_call(title="Appel", opens_at=datetime(2030, 1, 1, tzinfo=UTC),
                       closes_at=datetime(2030, 1, 20, 17, tzinfo=UTC), workflow="pau")
    drafter = make_user("agent")
    create_project(call, drafter, title="Brouillon", at=datetime(2030, 1, 5, tzinfo=UTC))
    db.session.commit()
    tick(datetime(2030, 1, 10, tzinfo=UTC))
    call.closes_at = datetime(2030, 2, 10, 17, tzinfo=UTC)  # extended
    db.session.commit()
    tick(datetime(2030, 1, 20, 18, tzinfo=UTC))
    assert kinds(drafter)["call_closed_team"] == 0
    tick(datetime(2030, 2, 7, 18, tzinfo=UTC))
    assert kinds(drafter)["call_closing"] == 1
    tick(datetime(2030, 2, 10, 18, tzinfo=UTC))
    assert kinds(drafter)["call_closed_team"] == 1


def test_cli_tick_at(app, inc):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tick", "--at", "2030-01-07T10:00"]).exit_code == 0
    result = runner.invoke(args=["tick", "--at", "2030-01-14T09:30+01:00", "-v"])
    assert result.exit_code == 0, result.output
    assert "1 notifications" in result.output
    assert f"weekly_log:{inc.project.id}:2030-W02: log missing" in result.output
    again = runner.invoke(args=["tick", "--at", "2030-01-14T09:30+01:00"])
    assert "0 processed, 0 notifications" in again.output
    bad = runner.invoke(args=["tick", "--at", "next monday"])
    assert bad.exit_code != 0 and "ISO-8601" in bad.output
    assert db.session.scalar(select(db.func.count()).select_from(TickRun)) == 3


# --- e-mail over a real SMTP server --------------------------------------------------------

def test_emails_reach_the_smtp_server_in_french_with_a_link(inc, smtp):
    tick(START)
    report = tick(check_time(0))
    assert report.emails == 1
    [message] = smtp.messages
    assert inc.coach.email in message["To"]
    assert message["Subject"] == f"Journal de la semaine manquant pour « {inc.project.title} »"
    body = message.get_content()
    assert "semaine du 7 janvier 2030" in body
    assert f"http://incubator.test/projects/{inc.project.id}/journal" in body
    assert tick(check_time(0)).emails == 0
    assert len(smtp.messages) == 1
    note = db.session.scalar(select(Notification))
    assert note.email_state == "sent" and note.emailed_at is not None


def test_email_preferences_immediate_digest_none_and_language(inc, smtp, make_user):
    english, digest, silent = make_user("staff"), make_user("staff"), make_user("staff")
    english.locale = "en"
    digest.email_frequency = "digest"
    silent.email_frequency = "none"
    inc.staff.email_frequency = "none"
    db.session.commit()
    tick(START)
    tick(check_time(1))  # W02 and W03 missing: the staff is told
    assert [m["Subject"] for m in smtp.to(english.email)] == [f"Two weeks without a log for “{inc.project.title}”"]
    assert smtp.to(digest.email) == smtp.to(silent.email) == []
    # Monday 8:00 (Paris) of the next week: the digest goes, once.
    tick(check_time(2))
    [weekly] = smtp.to(digest.email)
    assert weekly["Subject"] == "Votre semaine sur Incubateur : 1 notification"
    assert f"Deux semaines sans journal pour « {inc.project.title} »" in weekly.get_content()
    tick(check_time(2) + timedelta(minutes=5))
    assert len(smtp.to(digest.email)) == 1
    assert smtp.to(silent.email) == []


def test_an_unreachable_smtp_server_keeps_the_email_for_later(inc, app, smtp):
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 9  # nothing listens there
    tick(START)
    report = tick(check_time(0))
    assert (report.emails, report.email_failures) == (0, 1)
    assert db.session.scalar(select(Notification.email_state)) == "pending"
    app.config["MAIL_PORT"] = port
    assert tick(check_time(0) + timedelta(minutes=1)).emails == 1
    assert len(smtp.messages) == 1


def test_two_scheduler_processes_send_nothing_twice(app, make_user, database_url, tmp_path):
    """Two real `incubator scheduler` processes on the same database and SMTP server."""
    from tests.smtp import SmtpServer

    now = datetime.now(UTC)
    call = create_call(title="Appel qui ferme", opens_at=now - timedelta(days=20),
                       closes_at=now + timedelta(days=2, hours=12), workflow="pau")
    team = [make_user("agent") for _ in range(3)]
    create_project(call, team[0], title="Brouillon", team_emails=[u.email for u in team[1:]])
    db.session.query(Notification).delete()
    db.session.commit()

    server = SmtpServer().start()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test", "MAIL_SERVER": "127.0.0.1",
           "MAIL_PORT": str(server.port), "PUBLIC_URL": "http://incubator.test",
           "UPLOAD_FOLDER": str(tmp_path)}
    command = [str(Path(sys.executable).with_name("incubator")), "scheduler", "--interval", "1"]
    processes = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  cwd=tmp_path) for _ in range(2)]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            db.session.rollback()
            if db.session.scalar(select(db.func.count()).select_from(TickRun)
                                 .where(TickRun.finished_at.is_not(None))) >= 6:
                break
            time.sleep(0.5)
    finally:
        for process in processes:
            process.terminate()
        outputs = [process.communicate(timeout=30)[0].decode() for process in processes]
        server.stop()
    assert all("tick at" in output for output in outputs), outputs
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(Notification)
                             .where(Notification.kind == "call_closing")) == 3
    assert sorted(m["To"].addresses[0].addr_spec for m in server.inbox.messages) == sorted(u.email for u in team)


def test_a_title_with_a_line_break_does_not_stop_the_emails(inc, smtp, make_user):
    inc.project.title = "Projet\nsur deux lignes"
    db.session.commit()
    tick(START)
    report = tick(check_time(1))  # the coach and the staff are told; the subject is folded to one line
    assert report.email_failures == 0 and report.emails >= 2
    assert "« Projet sur deux lignes »" in smtp.to(inc.coach.email)[0]["Subject"]


def test_a_tick_at_a_later_instant_does_not_hide_the_deadlines_before_it(inc):
    tick(START)
    tick(check_time(10))  # someone runs `incubator tick --at` ten weeks ahead
    db.session.query(Notification).delete()
    db.session.query(Timer).delete()
    db.session.commit()
    tick(START + timedelta(days=1))
    tick(check_time(0))  # the real Monday: the week-2 reminder is still written and sent
    assert keys("log_missing") == [f"weekly_log:{inc.project.id}:2030-W02"]
