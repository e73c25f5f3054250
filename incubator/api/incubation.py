"""API v1 endpoints of the incubation ledger: weekly logs, iterations, evidence and its files, indicators,
phase reviews, the evidence summary, and the caller's notifications."""

from __future__ import annotations

import io
from datetime import date

from flask import g, jsonify, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from ..clock import utcnow
from ..errors import Conflict, InvalidData
from ..extensions import db
from ..incubation import operations, storage
from ..incubation.models import (
    Attachment,
    Indicator,
    IndicatorValue,
    Iteration,
    PhaseReview,
    Validation,
    WeeklyLog,
    parse_week,
    week_label,
)
from ..incubation.periods import active_periods, paris_date, periods, weeks_owed
from ..incubation.summary import evidence_summary
from ..models import Project
from ..notifications import messages
from ..notifications.models import Notification
from ..policy import can_contribute
from ..workflows import GuardFailed, actor_roles, fire, get_definition, permitted_events
from . import bp
from .views import ApiError, body, is_id, iso, lang_arg, load_project, paginate

LOG_TEXTS = ("done", "learnt", "blockers", "next_steps", "team_note")
ITERATION_FIELDS = (*operations.ITERATION_TEXTS, "users_count", "decision", "started_on", "ended_on")


# --- loading and checking -------------------------------------------------------------------------------

def writable_project(project_id: int) -> Project:
    """The project, for a write: 404 hidden, 409 once out of incubation (for everyone: the ledger is
    closed), 403 for those who see it but do not write its ledger (the jury, say)."""
    project = load_project(project_id)
    if not operations.is_incubating(project):
        # The same refusal (and message) as the operations give.
        raise Conflict(_("This project is not in incubation: its ledger cannot be changed."),
                       state=project.state)
    if not can_contribute(g.api_user, project):
        raise ApiError(403, "forbidden", _("You may read this project's incubation ledger, not write it."))
    return project


def not_found():
    return ApiError(404, "not_found", _("This page does not exist, or you may not see it."))


def monday_of(week: str) -> date:
    """The Monday of `2026-W47`, written exactly so (any other spelling is a 404)."""
    monday = parse_week(week)
    if monday is None or week_label(monday) != week:
        raise not_found()
    return monday


def load_iteration(project: Project, number: int) -> Iteration:
    iteration = db.session.scalar(
        select(Iteration).where(Iteration.project_id == project.id, Iteration.number == number)
        .options(selectinload(Iteration.author), selectinload(Iteration.decided_by)))
    if iteration is None:
        raise not_found()
    return iteration


def validation_options():
    return (selectinload(Validation.attachments), selectinload(Validation.author),
            selectinload(Validation.iteration))


def load_validation(project: Project, validation_id: int) -> Validation:
    validation = db.session.scalar(
        select(Validation).where(Validation.id == validation_id, Validation.project_id == project.id)
        .options(*validation_options()))
    if validation is None:
        raise not_found()
    return validation


def load_indicator(project: Project, indicator_id: int) -> Indicator:
    indicator = db.session.scalar(
        select(Indicator).where(Indicator.id == indicator_id, Indicator.project_id == project.id)
        .options(selectinload(Indicator.values)))
    if indicator is None:
        raise not_found()
    return indicator


def checked_body(*, texts=(), numbers=(), dates=()) -> dict:
    """The JSON body, each named key of the right JSON type (or absent, or null); the operations check
    the values themselves."""
    data = body()
    errors: dict[str, str] = {}
    for key in texts:
        if data.get(key) is not None and not isinstance(data[key], str):
            errors[key] = _("Text expected.")
    for key in numbers:
        value = data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float | str)):
            errors[key] = _("A number is expected.")
    for key in dates:
        if data.get(key) is not None and not isinstance(data[key], str):
            errors[key] = _("A date is expected (YYYY-MM-DD).")
    if errors:
        raise InvalidData(errors)
    return data


# --- shapes ---------------------------------------------------------------------------------------------

def email(user) -> str | None:
    return user.email if user else None


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def log_json(log: WeeklyLog) -> dict:
    return {
        "id": log.id, "week": log.week, "week_start": day(log.week_start),
        **{name: getattr(log, name) for name in LOG_TEXTS},
        "days_spent": log.days_spent, "confidence": log.confidence,
        "author": email(log.author), "updated_by": email(log.updated_by),
        "created_at": iso(log.created_at), "updated_at": iso(log.updated_at),
    }


def iteration_json(iteration: Iteration) -> dict:
    return {
        "id": iteration.id, "number": iteration.number,
        **{name: getattr(iteration, name) for name in operations.ITERATION_TEXTS},
        "users_count": iteration.users_count, "decision": iteration.decision,
        "started_on": day(iteration.started_on), "ended_on": day(iteration.ended_on),
        "decided_at": iso(iteration.decided_at), "decided_by": email(iteration.decided_by),
        "author": email(iteration.author),
        "created_at": iso(iteration.created_at), "updated_at": iso(iteration.updated_at),
    }


def attachment_json(attachment: Attachment, project_id: int) -> dict:
    return {
        "id": attachment.id, "filename": attachment.filename, "content_type": attachment.content_type,
        "size": attachment.size, "sha256": attachment.sha256, "created_at": iso(attachment.created_at),
        "url": url_for("api.validation_attachment", project_id=project_id,
                       validation_id=attachment.validation_id, attachment_id=attachment.id),
    }


def validation_json(validation: Validation) -> dict:
    return {
        "id": validation.id, "method": validation.method, "users_count": validation.users_count,
        "held_on": day(validation.held_on), "verdict": validation.verdict, "notes": validation.notes,
        "iteration_id": validation.iteration_id,
        "iteration": validation.iteration.number if validation.iteration else None,
        "author": email(validation.author), "created_at": iso(validation.created_at),
        "attachments": [attachment_json(a, validation.project_id) for a in validation.attachments],
    }


def value_json(value: IndicatorValue) -> dict:
    return {"measured_on": day(value.measured_on), "value": value.value, "note": value.note,
            "created_at": iso(value.created_at)}


def indicator_json(indicator: Indicator) -> dict:
    return {
        "id": indicator.id, "name": indicator.name, "unit": indicator.unit,
        "description": indicator.description, "target": indicator.target,
        "created_at": iso(indicator.created_at),
        "values": [value_json(v) for v in indicator.values],
    }


def review_json(review: PhaseReview) -> dict:
    return {
        "id": review.id, "phase": review.phase, "due_at": iso(review.due_at),
        "decided_at": iso(review.decided_at), "decision": review.decision,
        "decided_by": email(review.decided_by), "comment": review.comment, "summary": review.summary,
    }


def notification_json(notification: Notification, locale: str) -> dict:
    title, text = messages.title(notification, locale)
    return {
        "id": notification.id, "kind": notification.kind, "title": title, "body": text,
        "link": notification.link, "project_id": notification.project_id,
        "created_at": iso(notification.created_at), "read_at": iso(notification.read_at),
    }


def missing_weeks(project: Project) -> list[str]:
    """Weeks over in which the project was active and nobody wrote its log (as the evidence summary
    counts them: the current week is not missing yet)."""
    active = active_periods(periods(project.history, get_definition(project.workflow)))
    today = paris_date(utcnow())
    written = set(db.session.scalars(select(WeeklyLog.week_start).where(WeeklyLog.project_id == project.id)))
    return [week_label(w) for w in weeks_owed(active, today) if w not in written]


# --- weekly logs ----------------------------------------------------------------------------------------

@bp.route("/projects/<int:project_id>/logs")
def project_logs(project_id: int):
    project = load_project(project_id)
    stmt = (select(WeeklyLog).where(WeeklyLog.project_id == project.id)
            .options(selectinload(WeeklyLog.author), selectinload(WeeklyLog.updated_by))
            .order_by(WeeklyLog.week_start.desc()))
    return paginate(stmt, log_json, missing_weeks=missing_weeks(project))


@bp.route("/projects/<int:project_id>/logs/<week>")
def project_log(project_id: int, week: str):
    project = load_project(project_id)
    log = db.session.scalar(
        select(WeeklyLog).where(WeeklyLog.project_id == project.id, WeeklyLog.week_start == monday_of(week))
        .options(selectinload(WeeklyLog.author), selectinload(WeeklyLog.updated_by)))
    if log is None:
        raise not_found()
    return jsonify(log_json(log))


@bp.route("/projects/<int:project_id>/logs/<week>", methods=["PUT"])
def put_log(project_id: int, week: str):
    project = writable_project(project_id)
    monday = monday_of(week)
    data = checked_body(texts=LOG_TEXTS, numbers=("days_spent", "confidence"))
    at = utcnow()
    log = operations.save_log(project, g.api_user, monday, at=at,
                              **{name: data.get(name) for name in (*LOG_TEXTS, "days_spent", "confidence")})
    created = log.created_at == at  # a log rewritten keeps its first creation time
    return jsonify(log_json(log)), 201 if created else 200


# --- iterations -----------------------------------------------------------------------------------------

@bp.route("/projects/<int:project_id>/iterations")
def project_iterations(project_id: int):
    project = load_project(project_id)
    stmt = (select(Iteration).where(Iteration.project_id == project.id)
            .options(selectinload(Iteration.author), selectinload(Iteration.decided_by))
            .order_by(Iteration.number))
    return paginate(stmt, iteration_json)


ITERATION_TYPES = {"texts": (*operations.ITERATION_TEXTS, "decision"), "numbers": ("users_count",),
                   "dates": ("started_on", "ended_on")}


@bp.route("/projects/<int:project_id>/iterations", methods=["POST"])
def new_iteration(project_id: int):
    project = writable_project(project_id)
    data = checked_body(**ITERATION_TYPES)
    iteration = operations.save_iteration(project, g.api_user, **{k: data.get(k) for k in ITERATION_FIELDS})
    return jsonify(iteration_json(load_iteration(project, iteration.number))), 201


@bp.route("/projects/<int:project_id>/iterations/<int:number>")
def project_iteration(project_id: int, number: int):
    return jsonify(iteration_json(load_iteration(load_project(project_id), number)))


@bp.route("/projects/<int:project_id>/iterations/<int:number>", methods=["PATCH"])
def edit_iteration(project_id: int, number: int):
    project = writable_project(project_id)
    iteration = load_iteration(project, number)
    data = checked_body(**ITERATION_TYPES)
    fields = {name: getattr(iteration, name) for name in ITERATION_FIELDS}
    fields.update({k: data[k] for k in ITERATION_FIELDS if k in data})
    operations.save_iteration(project, g.api_user, iteration, **fields)
    db.session.expire(iteration, ["decided_by"])  # the decision may have just been signed
    return jsonify(iteration_json(iteration))


# --- user-validation evidence and its files -------------------------------------------------------------

@bp.route("/projects/<int:project_id>/validations")
def project_validations(project_id: int):
    project = load_project(project_id)
    stmt = (select(Validation).where(Validation.project_id == project.id).options(*validation_options())
            .order_by(Validation.held_on.desc(), Validation.id.desc()))
    return paginate(stmt, validation_json)


@bp.route("/projects/<int:project_id>/validations", methods=["POST"])
def new_validation(project_id: int):
    project = writable_project(project_id)
    data = checked_body(texts=("method", "verdict", "notes"), numbers=("users_count", "iteration_id"),
                        dates=("held_on",))
    if isinstance(data.get("iteration_id"), int) and data["iteration_id"] and not is_id(data["iteration_id"]):
        raise InvalidData({"iteration_id": _("Choose one of this project's iterations.")})
    validation = operations.add_validation(
        project, g.api_user, method=data.get("method"), users_count=data.get("users_count"),
        held_on=data.get("held_on"), verdict=data.get("verdict"), notes=data.get("notes") or "",
        iteration_id=data.get("iteration_id"))
    return jsonify(validation_json(load_validation(project, validation.id))), 201


@bp.route("/projects/<int:project_id>/validations/<int:validation_id>")
def project_validation(project_id: int, validation_id: int):
    return jsonify(validation_json(load_validation(load_project(project_id), validation_id)))


@bp.route("/projects/<int:project_id>/validations/<int:validation_id>/attachments", methods=["POST"])
def upload_attachments(project_id: int, validation_id: int):
    project = writable_project(project_id)
    validation = load_validation(project, validation_id)
    operations.add_attachments(validation, g.api_user, request.files.getlist("files"))
    return jsonify(validation_json(validation)), 201


@bp.route("/projects/<int:project_id>/validations/<int:validation_id>/attachments/<int:attachment_id>")
def validation_attachment(project_id: int, validation_id: int, attachment_id: int):
    """The file's bytes, as a download that no browser renders in the app's origin."""
    project = load_project(project_id)
    attachment = db.session.scalar(
        select(Attachment).join(Validation)
        .where(Attachment.id == attachment_id, Attachment.validation_id == validation_id,
               Validation.project_id == project.id))
    if attachment is None:
        raise not_found()
    try:
        path = storage.path_for(attachment.storage_key)
    except ValueError:
        raise not_found() from None
    if not path.is_file():
        raise not_found()
    # Read whole (5 MB at most): no file handle outlives the request.
    response = send_file(io.BytesIO(path.read_bytes()), mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.filename, conditional=False, etag=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- impact indicators ----------------------------------------------------------------------------------

@bp.route("/projects/<int:project_id>/indicators")
def project_indicators(project_id: int):
    project = load_project(project_id)
    stmt = (select(Indicator).where(Indicator.project_id == project.id)
            .options(selectinload(Indicator.values)).order_by(Indicator.id))
    return paginate(stmt, indicator_json)


@bp.route("/projects/<int:project_id>/indicators", methods=["POST"])
def new_indicator(project_id: int):
    project = writable_project(project_id)
    data = checked_body(texts=("name", "unit", "description"), numbers=("target",))
    indicator = operations.declare_indicator(
        project, g.api_user, name=data.get("name") or "", unit=data.get("unit") or "",
        description=data.get("description") or "", target=data.get("target"))
    return jsonify(indicator_json(load_indicator(project, indicator.id))), 201


@bp.route("/projects/<int:project_id>/indicators/<int:indicator_id>")
def project_indicator(project_id: int, indicator_id: int):
    return jsonify(indicator_json(load_indicator(load_project(project_id), indicator_id)))


@bp.route("/projects/<int:project_id>/indicators/<int:indicator_id>/values")
def indicator_values(project_id: int, indicator_id: int):
    """The indicator's values, oldest first (as in the indicator's own `values`), a page at a time."""
    project = load_project(project_id)
    indicator = db.session.scalar(select(Indicator).where(Indicator.id == indicator_id,
                                                          Indicator.project_id == project.id))
    if indicator is None:
        raise not_found()
    stmt = (select(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id)
            .order_by(IndicatorValue.measured_on, IndicatorValue.id))
    return paginate(stmt, value_json, indicator_id=indicator.id)


@bp.route("/projects/<int:project_id>/indicators/<int:indicator_id>/values", methods=["POST"])
def add_value(project_id: int, indicator_id: int):
    project = writable_project(project_id)
    indicator = load_indicator(project, indicator_id)
    data = checked_body(texts=("note",), numbers=("value",), dates=("measured_on",))
    at = utcnow()
    value = operations.record_value(indicator, g.api_user, measured_on=data.get("measured_on"),
                                    value=data.get("value"), note=data.get("note") or "", at=at)
    created = value.created_at == at  # a value replaced keeps its first creation time
    return jsonify({**value_json(value), "indicator_id": indicator.id}), 201 if created else 200


# --- phase reviews and the evidence summary -------------------------------------------------------------

@bp.route("/projects/<int:project_id>/reviews")
def project_reviews(project_id: int):
    project = load_project(project_id)
    definition = get_definition(project.workflow)
    stmt = (select(PhaseReview).where(PhaseReview.project_id == project.id)
            .options(selectinload(PhaseReview.decided_by))
            .order_by(PhaseReview.decided_at.desc(), PhaseReview.id.desc()))
    allowed = [e.name for e in permitted_events(definition, project.state, actor_roles(g.api_user, project))
               if e.review]
    return paginate(stmt, review_json, state=project.state, phase=project.phase,
                     next_review_due_at=iso(project.review_due_at),
                     clock_stopped_at=iso(project.clock_stopped_at), review_events=allowed)


@bp.route("/projects/<int:project_id>/reviews", methods=["POST"])
def decide_review(project_id: int):
    project = load_project(project_id)
    definition = get_definition(project.workflow)
    data = checked_body(texts=("event", "comment", "taken_over_by"))
    event = data.get("event")
    if not event:
        raise InvalidData({"event": _("The event to fire is required.")})
    if event not in definition.events or not definition.events[event].review:
        reviews = ", ".join(name for name, e in definition.events.items() if e.review)
        raise InvalidData({"event": _("“%(event)s” does not decide a phase review; one of: %(events)s.",
                                      event=event, events=reviews)})
    try:
        entry = fire(project, event, g.api_user, data.get("comment") or "",
                     taken_over_by=data.get("taken_over_by") or "")
    except GuardFailed as exc:
        field = {"comment_required": "comment", "taken_over_by": "taken_over_by"}.get(exc.details.get("condition"))
        if field:  # the body key at fault, as InvalidData names them
            exc.details["fields"] = {field: exc.message}
        raise
    review = db.session.scalar(select(PhaseReview).where(PhaseReview.event_id == entry.id)
                               .options(selectinload(PhaseReview.decided_by)))
    return jsonify({
        "id": project.id, "state": project.state, "from": entry.from_state, "event": entry.event,
        "at": iso(entry.at), "phase": project.phase, "next_review_due_at": iso(project.review_due_at),
        "clock_stopped_at": iso(project.clock_stopped_at), "taken_over_by": project.taken_over_by or None,
        "review": review_json(review) if review else None,
    }), 201


@bp.route("/projects/<int:project_id>/summary")
def evidence(project_id: int):
    return jsonify(evidence_summary(load_project(project_id)))


# --- the caller's notifications -------------------------------------------------------------------------

def unread_count() -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == g.api_user.id, Notification.read_at.is_(None))) or 0


@bp.route("/notifications")
def notifications():
    locale = lang_arg()
    stmt = select(Notification).where(Notification.user_id == g.api_user.id)
    unread = request.args.get("unread", "").lower()
    if unread in ("1", "true", "yes"):
        stmt = stmt.where(Notification.read_at.is_(None))
    elif unread in ("0", "false", "no"):
        stmt = stmt.where(Notification.read_at.is_not(None))
    elif unread:
        raise ApiError(400, "bad_request", _("unread is true or false."))
    stmt = stmt.order_by(Notification.created_at.desc(), Notification.id.desc())
    return paginate(stmt, lambda n: notification_json(n, locale), unread=unread_count())


@bp.route("/notifications/read", methods=["POST"])
def read_notifications():
    data = body()
    every = data.get("all", False)
    ids = data.get("ids")
    if not isinstance(every, bool):
        raise InvalidData({"all": _("true or false.")})
    stmt = update(Notification).where(Notification.user_id == g.api_user.id, Notification.read_at.is_(None))
    if not every:
        if (not isinstance(ids, list) or not ids
                or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)):
            raise InvalidData({"ids": _("A list of notification ids, or \"all\": true.")})
        ids = [i for i in ids if is_id(i)]  # a number beyond any id names no notification
        stmt = stmt.where(Notification.id.in_(ids))
    # Someone else's ids are left alone, silently: they say nothing about those notifications.
    read = 0
    if every or ids:
        result = db.session.execute(stmt.values(read_at=utcnow()).execution_options(synchronize_session=False))
        read = max(result.rowcount or 0, 0)
    return jsonify({"read": read, "unread": unread_count()})
