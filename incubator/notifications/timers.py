"""Timers: deadlines as rows, processed once by `incubator tick` (or the scheduler calling it).

Each tick
1. writes the deadlines that fall after the last finished tick (calls closing and closed,
   reviews due, weekly-log checks on Mondays at 9:00 and digests on Mondays at 8:00, Paris time):
   nothing that fell due while no tick ran is skipped;
2. processes every timer due, each in its own transaction that first marks it done with a
   conditional UPDATE: a second tick, at the same instant or in another process, finds it done;
3. hands the e-mails waiting in the outbox to the SMTP server.

Every notification carries a key unique per user (`notifications.one_notification_per_key`),
so even two timers for the same reminder write it once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app, g
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from ..clock import aware, utcnow
from ..extensions import db
from ..incubation.models import WeeklyLog, week_label, week_start
from ..incubation.periods import active_periods, monday_at, paris_date, periods, week_was_expected
from ..models import Call, Project, ProjectCoach, ProjectMember, User, UserRole
from ..workflows import all_definitions, get_definition
from .mail import deliver_pending
from .messages import title
from .models import Notification, TickRun, Timer
from .service import notify

log = logging.getLogger(__name__)

FIRST_RUN_LOOKBACK = timedelta(days=1)  # the very first tick looks this far back
HORIZON = timedelta(days=35)  # deadlines written ahead, for the record and the admin page
CALL_CLOSING_NOTICE = timedelta(days=3)
LOG_CHECK_HOUR = 9  # Monday 9:00, Paris: last week's log is checked
DIGEST_HOUR = 8  # Monday 8:00, Paris: the weekly digest goes


def path(endpoint: str, **values) -> str:
    """A path inside the app, with or without a request (commands, the scheduler)."""
    return current_app.url_map.bind("").build(endpoint, values)


def stamp(moment: datetime) -> str:
    """How an instant is written in a timer's key."""
    return aware(moment).strftime("%Y%m%dT%H%MZ")


@dataclass
class TickReport:
    at: datetime
    floor: datetime
    created: int = 0
    processed: int = 0
    notifications: int = 0
    emails: int = 0
    email_failures: int = 0
    errors: int = 0
    outcomes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return (f"tick at {self.at.isoformat()}: {self.created} timers written, {self.processed} "
                f"processed, {self.notifications} notifications, {self.emails} e-mails sent"
                + (f", {self.email_failures} e-mails failed" if self.email_failures else "")
                + (f", {self.errors} errors" if self.errors else ""))


def tick(at: datetime | None = None) -> TickReport:
    """Process everything due at `at` (default: now). Safe to run twice, or in two processes."""
    at = aware(at or utcnow())
    g.pop("tick_staff", None)
    # The last finished tick up to this instant: a tick run with a later `--at` does not hide
    # the deadlines in between from the real ones.
    floor = db.session.scalar(select(func.max(TickRun.at))
                              .where(TickRun.finished_at.is_not(None), TickRun.at <= at))
    floor = floor if floor is not None else at - FIRST_RUN_LOOKBACK
    report = TickReport(at=at, floor=floor)
    run = TickRun(at=at, started_at=utcnow())
    db.session.add(run)
    db.session.commit()

    report.created = write_deadlines(at, floor)
    db.session.commit()
    process_due(at, report)
    report.emails, report.email_failures = deliver_pending(at)

    run = db.session.get(TickRun, run.id)
    run.finished_at = utcnow()
    run.timers, run.notifications, run.emails, run.errors = (
        report.processed, report.notifications, report.emails, report.errors)
    db.session.commit()
    return report


# --- 1. deadlines as rows ------------------------------------------------------------------

def write_deadlines(at: datetime, floor: datetime) -> int:
    """Insert the timers falling in (floor, at + HORIZON] that are not there yet; returns how many."""
    horizon = at + HORIZON
    rows: list[dict] = []

    def add(key: str, kind: str, due: datetime, **values) -> None:
        if floor < due <= horizon:
            rows.append({"key": key, "kind": kind, "due_at": due, "created_at": at, "outcome": "",
                         "params": values.pop("params", {}), "project_id": values.get("project_id"),
                         "call_id": values.get("call_id")})

    for call_id, closes_at, opens_at in db.session.execute(
        select(Call.id, Call.closes_at, Call.opens_at)
        .where(Call.closes_at > floor, Call.closes_at <= horizon + CALL_CLOSING_NOTICE)
    ):
        closing = closes_at - CALL_CLOSING_NOTICE
        params = {"closes_at": closes_at.isoformat()}
        if closing > opens_at:
            add(f"call_closing:{call_id}:{stamp(closes_at)}", "call_closing", closing, call_id=call_id,
                params=params)
        add(f"call_closed:{call_id}:{stamp(closes_at)}", "call_closed", closes_at, call_id=call_id,
            params=params)

    phase_states = {(d.name, s) for d in all_definitions() for s in d.phase_states()}
    for project_id, due, workflow, state in db.session.execute(
        select(Project.id, Project.review_due_at, Call.workflow, Project.state).join(Call)
        .where(Project.review_due_at > floor, Project.review_due_at <= horizon,
               Project.clock_stopped_at.is_(None))
    ):
        if (workflow, state) in phase_states:
            add(f"review_due:{project_id}:{stamp(due)}", "review_due", due, project_id=project_id,
                params={"due_at": due.isoformat()})

    # Weekly-log checks: Monday 9:00 (Paris) of each week after a week the project may have been
    # active in. Projects that moved since the last tick are included: they may have been active.
    mondays = _mondays(floor, at + timedelta(days=8))
    open_states = sorted({s.name for d in all_definitions() for s in d.states.values() if not s.final})
    for project_id in db.session.scalars(
        select(Project.id).where(Project.phase.is_not(None), Project.state.in_(open_states))
        .where((Project.clock_stopped_at.is_(None)) | (Project.updated_at > floor))
    ):
        for monday in mondays:
            checked = monday - timedelta(days=7)
            add(f"weekly_log:{project_id}:{week_label(checked)}", "weekly_log",
                monday_at(monday, LOG_CHECK_HOUR), project_id=project_id,
                params={"monday": checked.isoformat()})

    for monday in mondays:
        add(f"digest:{week_label(monday)}", "digest", monday_at(monday, DIGEST_HOUR),
            params={"monday": monday.isoformat()})

    if not rows:
        return 0
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    written = db.session.execute(
        insert(Timer).values(rows).on_conflict_do_nothing(index_elements=["key"]).returning(Timer.id)
    ).all()
    return len(written)


def _mondays(start: datetime, end: datetime) -> list[date]:
    monday = week_start(paris_date(start))
    last = paris_date(end)
    result = []
    while monday <= last:
        result.append(monday)
        monday += timedelta(days=7)
    return result


# --- 2. processing what fell due ------------------------------------------------------------

def process_due(at: datetime, report: TickReport, batch: int = 100) -> None:
    failed: set[int] = set()
    while True:
        stmt = (select(Timer.id).where(Timer.done_at.is_(None), Timer.due_at <= at)
                .order_by(Timer.due_at, Timer.id).limit(batch))
        if failed:
            stmt = stmt.where(Timer.id.not_in(failed))
        ids = db.session.scalars(stmt).all()
        db.session.rollback()
        if not ids:
            return
        for timer_id in ids:
            claimed = db.session.execute(
                update(Timer).where(Timer.id == timer_id, Timer.done_at.is_(None)).values(done_at=at)
            ).rowcount == 1
            if not claimed:  # another tick took it
                db.session.rollback()
                continue
            timer = db.session.get(Timer, timer_id)
            try:
                outcome, count = HANDLERS[timer.kind](timer, at)
                timer.outcome = outcome[:300]
                db.session.commit()
            except Exception:  # the timer stays pending; the next tick tries again
                db.session.rollback()
                failed.add(timer_id)
                report.errors += 1
                log.exception("timer %s failed", timer_id)
                continue
            report.processed += 1
            report.notifications += count
            report.outcomes.append(f"{timer.key}: {outcome}")


@dataclass(frozen=True)
class Recipient:
    """What `notify` needs of a user: read once per tick for the programme team."""

    id: int
    is_active_account: bool
    email_frequency: str


def staff_users() -> list[Recipient]:
    """The programme team, read once per tick (see `tick`)."""
    if "tick_staff" not in g:
        g.tick_staff = [Recipient(*row) for row in db.session.execute(
            select(User.id, User.is_active_account, User.email_frequency).join(UserRole)
            .where(UserRole.role == "staff", User.is_active_account.is_(True)).order_by(User.id)
        )]
    return g.tick_staff


def _project(project_id: int, *, team: bool = False) -> Project | None:
    """The project with its history, call and coaches (and its team when asked)."""
    options = [selectinload(Project.history), selectinload(Project.call),
               selectinload(Project.coaches).selectinload(ProjectCoach.user)]
    if team:
        options.append(selectinload(Project.members).selectinload(ProjectMember.user))
    return db.session.scalar(select(Project).where(Project.id == project_id).options(*options))


def _written(project_id: int, *mondays: date) -> set[date]:
    """Which of these weeks have a log."""
    return set(db.session.scalars(select(WeeklyLog.week_start).where(WeeklyLog.project_id == project_id,
                                                                     WeeklyLog.week_start.in_(mondays))))


def handle_weekly_log(timer: Timer, at: datetime) -> tuple[str, int]:
    project = _project(timer.project_id)
    if project is None:
        return "project gone", 0
    monday = date.fromisoformat(timer.params["monday"])
    active = active_periods(periods(project.history, get_definition(project.workflow)))
    if not week_was_expected(monday, active):
        return "not in incubation that week", 0
    previous = monday - timedelta(days=7)
    written = _written(project.id, monday, previous)
    if monday in written:
        return "log written", 0
    params = {"project": project.title, "week": week_label(monday), "monday": monday.isoformat()}
    link = path("incubation.journal", project_id=project.id)
    coaches = [c.user for c in project.coaches]
    count = notify(coaches or staff_users(), "log_missing", timer.key, params=params, link=link,
                   project_id=project.id, at=at)
    if week_was_expected(previous, active) and previous not in written:
        count += notify(staff_users(), "log_missing_twice", f"{timer.key}:twice",
                        params={**params, "previous_monday": previous.isoformat()}, link=link,
                        project_id=project.id, at=at)
        return "log missing two weeks running: coaches and programme team told", count
    return "log missing: coaches told", count


def _call_drafts(call: Call) -> list[Project]:
    editable = get_definition(call.workflow).editable_states()
    return list(db.session.scalars(
        select(Project).where(Project.call_id == call.id, Project.state.in_(editable),
                              Project.submitted_at.is_(None))
        .options(selectinload(Project.members).selectinload(ProjectMember.user)).order_by(Project.id)
    ))


def _call_unchanged(call: Call | None, timer: Timer) -> bool:
    return call is not None and call.closes_at.isoformat() == timer.params.get("closes_at")


def handle_call_closing(timer: Timer, at: datetime) -> tuple[str, int]:
    call = db.session.get(Call, timer.call_id)
    if not _call_unchanged(call, timer):
        return "call dates changed", 0
    if not call.is_open(at):
        return "call no longer open", 0
    count = 0
    drafts = _call_drafts(call)
    for project in drafts:
        count += notify([m.user for m in project.members], "call_closing", f"{timer.key}:{project.id}",
                        params={"call": call.title, "project": project.title,
                                "closes_at": call.closes_at.isoformat()},
                        link=path("projects.show", project_id=project.id), project_id=project.id,
                        call_id=call.id, at=at)
    return f"{len(drafts)} drafts reminded", count


def handle_call_closed(timer: Timer, at: datetime) -> tuple[str, int]:
    call = db.session.get(Call, timer.call_id)
    if not _call_unchanged(call, timer):
        return "call dates changed", 0
    count = 0
    drafts = _call_drafts(call)
    for project in drafts:
        count += notify([m.user for m in project.members], "call_closed_team", f"{timer.key}:{project.id}",
                        params={"call": call.title, "project": project.title,
                                "closes_at": call.closes_at.isoformat()},
                        link=path("projects.show", project_id=project.id), project_id=project.id,
                        call_id=call.id, at=at)
    submitted = db.session.scalar(select(func.count()).select_from(Project)
                                  .where(Project.call_id == call.id, Project.submitted_at.is_not(None)))
    count += notify(staff_users(), "call_closed_staff", timer.key,
                    params={"call": call.title, "count": submitted, "closes_at": call.closes_at.isoformat()},
                    link=path("calls.show", call_id=call.id), call_id=call.id, at=at)
    return f"submissions locked; {submitted} submitted, {len(drafts)} drafts told", count


def handle_review_due(timer: Timer, at: datetime) -> tuple[str, int]:
    project = _project(timer.project_id, team=True)
    if project is None:
        return "project gone", 0
    definition = get_definition(project.workflow)
    if (project.review_due_at is None or project.review_due_at.isoformat() != timer.params.get("due_at")
            or project.clock_stopped_at is not None or project.state not in definition.phase_states()):
        return "review date changed or project not in a phase", 0
    recipients = staff_users() + [c.user for c in project.coaches] + [m.user for m in project.members]
    count = notify(recipients, "review_due", timer.key,
                   params={"project": project.title, "workflow": project.workflow, "phase": project.phase,
                           "due_at": project.review_due_at.isoformat()},
                   link=path("incubation.review", project_id=project.id), project_id=project.id, at=at)
    return "review due: programme team, coaches and team told", count


def handle_digest(timer: Timer, at: datetime) -> tuple[str, int]:
    """Each user who chose the weekly digest gets one e-mail listing what came since the last."""
    waiting = db.session.scalars(
        select(Notification).where(Notification.email_state == "digest", Notification.created_at <= timer.due_at)
        .options(selectinload(Notification.user)).order_by(Notification.user_id, Notification.id)
    ).all()
    by_user: dict[int, list[Notification]] = {}
    for notification in waiting:
        by_user.setdefault(notification.user_id, []).append(notification)
    count = 0
    for user_notifications in by_user.values():
        user = user_notifications[0].user
        items = [title(n, user.locale)[0] for n in user_notifications]
        count += notify([user], "digest", timer.key, params={"items": items},
                        link=path("notifications.inbox"), at=at, email_state="pending", read=True)
        for notification in user_notifications:
            notification.email_state = "sent"
            notification.emailed_at = at
    return f"{len(by_user)} digests", count


HANDLERS = {
    "weekly_log": handle_weekly_log,
    "call_closing": handle_call_closing,
    "call_closed": handle_call_closed,
    "review_due": handle_review_due,
    "digest": handle_digest,
}
