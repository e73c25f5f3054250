"""Writing the incubation ledger: weekly logs, iterations, evidence and its files, indicators.

Each function checks its input (InvalidData names the faulty fields, in the user's language),
flushes and never commits: the caller does, once.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import and_, event, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..clock import utcnow
from ..errors import Conflict, InvalidData
from ..extensions import db
from ..models import Call, Project, User
from ..workflows import all_definitions, get_definition
from . import storage
from .models import (
    ITERATION_DECISIONS,
    VALIDATION_METHODS,
    VERDICTS,
    Attachment,
    Indicator,
    IndicatorValue,
    Iteration,
    Validation,
    WeeklyLog,
    week_label,
    week_start,
)
from .periods import active_periods, paris_date, periods

TEXT_MAX = 20_000


def _text(value) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()


def _long_texts(errors: dict, **texts) -> None:
    for name, value in texts.items():
        if len(value) > TEXT_MAX:
            errors[name] = _("At most %(n)d characters.", n=TEXT_MAX)


def _number(value, errors: dict, name: str, *, minimum: float = 0, maximum: float | None = None,
            integer: bool = False, required: bool = True):
    if value is None or value == "":
        if required:
            errors[name] = _("This field is required.")
        return None
    try:
        number = int(value) if integer and not isinstance(value, float) else float(value)
    except (TypeError, ValueError):
        errors[name] = _("A whole number is expected.") if integer else _("A number is expected.")
        return None
    if isinstance(number, float) and (math.isnan(number) or math.isinf(number)):
        errors[name] = _("A number is expected.")
        return None
    if integer and isinstance(number, float) and not number.is_integer():
        errors[name] = _("A whole number is expected.")
        return None
    if number < minimum or (maximum is not None and number > maximum):
        errors[name] = (_("Between %(low)s and %(high)s.", low=minimum, high=maximum) if maximum is not None
                        else _("At least %(low)s.", low=minimum))
        return None
    return int(number) if integer else float(number)


def _date(value, errors: dict, name: str, *, required: bool = True) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value in (None, ""):
        if required:
            errors[name] = _("This field is required.")
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[name] = _("A date is expected (YYYY-MM-DD).")
        return None


def incubation_started_on(project: Project) -> date | None:
    """The day (Paris) the project first entered a phase; None if it never did."""
    definition = get_definition(project.workflow)
    first = next((p for p in periods(project.history, definition) if p.active), None)
    return paris_date(first.start) if first else None


def is_incubating(project: Project) -> bool:
    """Pre-incubation, startup mode or on hold: the ledger is open; final states are read-only."""
    definition = get_definition(project.workflow)
    return project.phase is not None and not definition.states[project.state].final


def incubating_clause():
    """Projects in a phase and not in a final state (pre-incubation, startup mode, on hold)."""
    clauses = [and_(Call.workflow == d.name,
                    Project.state.in_([name for name, state in d.states.items() if not state.final]))
               for d in all_definitions()]
    return and_(Project.phase.is_not(None), or_(*clauses))


def _require_open(project: Project) -> None:
    if not is_incubating(project):
        raise Conflict(_("This project is not in incubation: its ledger cannot be changed."),
                       state=project.state)


# --- weekly logs ---------------------------------------------------------------------------

def save_log(project: Project, actor: User, monday: date, *, done="", learnt="", blockers="",
             next_steps="", team_note="", days_spent=None, confidence=None,
             at: datetime | None = None) -> WeeklyLog:
    """Write (or rewrite) the log of the ISO week starting `monday`."""
    at = at or utcnow()
    _require_open(project)
    errors: dict[str, str] = {}
    texts = {"done": _text(done), "learnt": _text(learnt), "blockers": _text(blockers),
             "next_steps": _text(next_steps), "team_note": _text(team_note)}
    _long_texts(errors, **texts)
    if not texts["done"]:
        errors["done"] = _("Say what was done this week.")
    days = _number(days_spent, errors, "days_spent", maximum=100)
    level = _number(confidence, errors, "confidence", minimum=1, maximum=5, integer=True)
    if monday != week_start(monday):
        errors["week"] = _("A week starts on a Monday.")
    elif monday > week_start(paris_date(at)):
        errors["week"] = _("This week has not begun yet.")
    else:
        started = incubation_started_on(project)
        if started is None or monday < week_start(started):
            errors["week"] = _("The project was not in incubation that week.")
    if errors:
        raise InvalidData(errors)
    log = db.session.scalar(select(WeeklyLog).where(WeeklyLog.project_id == project.id,
                                                     WeeklyLog.week_start == monday))
    if log is None:
        log = WeeklyLog(project_id=project.id, week_start=monday, author_id=actor.id, created_at=at)
        db.session.add(log)
    for name, value in texts.items():
        setattr(log, name, value)
    log.days_spent = days
    log.confidence = level
    log.updated_by_id = actor.id
    log.updated_at = at
    try:
        db.session.flush()
    except IntegrityError as exc:  # the caller rolls back, as after any DomainError
        raise Conflict(_("Someone else just wrote the log of week %(week)s; reload the page.",
                         week=week_label(monday))) from exc
    return log


# --- test-and-learn iterations -------------------------------------------------------------

ITERATION_TEXTS = ("title", "hypothesis", "experiment", "audience", "measure", "target", "result",
                   "learning", "pivot_change")


def save_iteration(project: Project, actor: User, iteration: Iteration | None = None, *,
                   at: datetime | None = None, **fields) -> Iteration:
    """Create an iteration, or change one; a decision is dated and signed when first taken."""
    at = at or utcnow()
    _require_open(project)
    errors: dict[str, str] = {}
    texts = {name: _text(fields.get(name)) for name in ITERATION_TEXTS}
    _long_texts(errors, **texts)
    if not texts["title"]:
        errors["title"] = _("A title is required.")
    elif len(texts["title"]) > 200:
        errors["title"] = _("At most %(n)d characters.", n=200)
    if not texts["hypothesis"]:
        errors["hypothesis"] = _("State the hypothesis you test.")
    users_count = _number(fields.get("users_count"), errors, "users_count", integer=True,
                          maximum=10_000_000, required=False)
    started_on = _date(fields.get("started_on"), errors, "started_on")
    ended_on = _date(fields.get("ended_on"), errors, "ended_on", required=False)
    if started_on and ended_on and ended_on < started_on:
        errors["ended_on"] = _("The end comes after the start.")
    decision = _text(fields.get("decision")) or None
    if decision is not None and decision not in ITERATION_DECISIONS:
        errors["decision"] = _("Choose persevere, pivot or stop.")
    if decision is not None and not texts["learning"]:
        errors["learning"] = _("A decision needs what was learnt.")
    if decision == "pivot" and not texts["pivot_change"]:
        errors["pivot_change"] = _("A pivot says what changes.")
    if errors:
        raise InvalidData(errors)
    if iteration is None:
        number = (db.session.scalar(select(func.max(Iteration.number))
                                    .where(Iteration.project_id == project.id)) or 0) + 1
        iteration = Iteration(project_id=project.id, number=number, author_id=actor.id, created_at=at)
        db.session.add(iteration)
    for name, value in texts.items():
        setattr(iteration, name, value)
    if decision != "pivot":
        iteration.pivot_change = ""
    iteration.users_count = users_count
    iteration.started_on = started_on
    iteration.ended_on = ended_on
    if decision != iteration.decision:
        iteration.decision = decision
        iteration.decided_at = at if decision else None
        iteration.decided_by_id = actor.id if decision else None
    iteration.updated_at = at
    try:
        db.session.flush()
    except IntegrityError as exc:  # the caller rolls back, as after any DomainError
        raise Conflict(_("Another iteration was just added; reload the page and try again.")) from exc
    return iteration


# --- user-validation evidence and its files -----------------------------------------------

def _checked_files(files) -> tuple[list[storage.CheckedFile], list[str]]:
    checked, problems = [], []
    for item in files or []:
        if item is None or not getattr(item, "filename", ""):
            continue
        try:
            checked.append(storage.check(item))
        except storage.UploadRefused as exc:
            problems.append(str(exc))
    return checked, problems


def _store_all(validation: Validation, actor: User, checked: list[storage.CheckedFile], at) -> list[Attachment]:
    attachments = []
    for item in checked:
        key = storage.store(item)
        _track_new_file(key)
        attachment = Attachment(validation=validation, filename=item.filename, storage_key=key,
                                content_type=item.content_type, size=item.size, sha256=item.sha256,
                                uploaded_by_id=actor.id, created_at=at)
        db.session.add(attachment)
        attachments.append(attachment)
    return attachments


def add_validation(project: Project, actor: User, *, method=None, users_count=None, held_on=None,
                   verdict=None, notes="", iteration_id=None, files=(),
                   at: datetime | None = None) -> Validation:
    """Record a piece of user-validation evidence with its files; a refused file stores nothing."""
    at = at or utcnow()
    _require_open(project)
    errors: dict[str, str] = {}
    if method not in VALIDATION_METHODS:
        errors["method"] = _("Choose how users were consulted.")
    if verdict not in VERDICTS:
        errors["verdict"] = _("Choose a verdict.")
    count = _number(users_count, errors, "users_count", integer=True, maximum=10_000_000)
    held = _date(held_on, errors, "held_on")
    if held and held > paris_date(at):
        errors["held_on"] = _("This date is in the future.")
    notes = _text(notes)
    _long_texts(errors, notes=notes)
    iteration = None
    if iteration_id not in (None, "", 0):
        iteration = db.session.get(Iteration, _number(iteration_id, errors, "iteration_id", integer=True) or 0)
        if iteration is None or iteration.project_id != project.id:
            errors["iteration_id"] = _("Choose one of this project's iterations.")
    checked, problems = _checked_files(files)
    if problems:
        errors["files"] = " ".join(problems)
    if errors:
        raise InvalidData(errors)
    validation = Validation(project_id=project.id, iteration=iteration, method=method, users_count=count,
                            held_on=held, verdict=verdict, notes=notes, author_id=actor.id, created_at=at)
    db.session.add(validation)
    _store_all(validation, actor, checked, at)
    db.session.flush()
    return validation


def add_attachments(validation: Validation, actor: User, files, at: datetime | None = None) -> list[Attachment]:
    at = at or utcnow()
    _require_open(validation.project)
    checked, problems = _checked_files(files)
    if problems:
        raise InvalidData({"files": " ".join(problems)})
    if not checked:
        raise InvalidData({"files": _("Choose a file to add.")})
    attachments = _store_all(validation, actor, checked, at)
    db.session.flush()
    return attachments


def _track_new_file(key: str) -> None:
    """Remember a file written in this transaction: a rollback deletes it, so nothing is left behind."""
    db.session.info.setdefault("new_files", []).append(key)


@event.listens_for(Session, "after_commit")
def _files_kept(session) -> None:
    session.info.pop("new_files", None)


@event.listens_for(Session, "after_transaction_end")
def _files_dropped(session, transaction) -> None:
    """The transaction ended without a commit (a rollback, or the session closed after an error):
    the files it wrote have no row and go."""
    if transaction.parent is None:
        keys = session.info.pop("new_files", None)
        if keys:
            storage.discard(keys)


# --- impact indicators ---------------------------------------------------------------------

def declare_indicator(project: Project, actor: User, *, name="", unit="", description="", target=None,
                      at: datetime | None = None) -> Indicator:
    at = at or utcnow()
    _require_open(project)
    errors: dict[str, str] = {}
    name, unit, description = _text(name), _text(unit), _text(description)
    if not name:
        errors["name"] = _("Name the indicator.")
    elif len(name) > 200:
        errors["name"] = _("At most %(n)d characters.", n=200)
    if len(unit) > 50:
        errors["unit"] = _("At most %(n)d characters.", n=50)
    _long_texts(errors, description=description)
    goal = _number(target, errors, "target", minimum=-1e12, maximum=1e12, required=False)
    if not errors and db.session.scalar(select(Indicator.id).where(Indicator.project_id == project.id,
                                                                   Indicator.name == name)):
        errors["name"] = _("This project already has an indicator with this name.")
    if errors:
        raise InvalidData(errors)
    indicator = Indicator(project_id=project.id, name=name, unit=unit, description=description,
                          target=goal, created_at=at)
    db.session.add(indicator)
    db.session.flush()
    return indicator


def record_value(indicator: Indicator, actor: User, *, measured_on=None, value=None, note="",
                 at: datetime | None = None) -> IndicatorValue:
    """The indicator's value on a day; a second value the same day replaces the first."""
    at = at or utcnow()
    _require_open(indicator.project)
    errors: dict[str, str] = {}
    day = _date(measured_on, errors, "measured_on")
    if day and day > paris_date(at):
        errors["measured_on"] = _("This date is in the future.")
    number = _number(value, errors, "value", minimum=-1e12, maximum=1e12)
    note = _text(note)
    if len(note) > 500:
        errors["note"] = _("At most %(n)d characters.", n=500)
    if errors:
        raise InvalidData(errors)
    row = db.session.scalar(select(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id,
                                                         IndicatorValue.measured_on == day))
    if row is None:
        row = IndicatorValue(indicator_id=indicator.id, measured_on=day, created_at=at)
        db.session.add(row)
    row.value = number
    row.note = note
    row.recorded_by_id = actor.id
    db.session.flush()
    return row


def set_time_budget(programme, budget: dict[str, float], phases: list[str]) -> None:
    """Replace the budget of these phases; phases of other workflows keep theirs."""
    kept = {k: v for k, v in (programme.time_budget or {}).items() if k not in phases}
    programme.time_budget = {**kept, **budget}  # a new dict: the JSON column sees the change
    db.session.flush()


__all__ = [
    "active_periods", "add_attachments", "add_validation", "declare_indicator", "incubation_started_on",
    "is_incubating", "record_value", "save_iteration", "save_log", "set_time_budget",
]
