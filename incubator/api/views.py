"""API v1 endpoints: workflows, calls, projects and their events."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException

from ..auth.operations import user_for_token
from ..calls.operations import create_call
from ..errors import DomainError, InvalidData, json_error
from ..extensions import db
from ..models import Call, Project, ProjectCoach, ProjectEvent, ProjectMember
from ..policy import can_manage_calls, can_view_project, visible_projects
from ..projects.operations import create_project, update_project
from ..workflows import actor_roles, all_definitions, fire, get_definition, permitted_events
from . import bp


class ApiError(HTTPException):
    def __init__(self, status: int, code: str, message: str, **details):
        super().__init__(message)
        self.code = status
        self.error = code
        self.message = message
        self.details = details


@bp.errorhandler(ApiError)
def api_error(exc: ApiError):
    response = json_error(exc.code, exc.error, exc.message, **exc.details)
    if exc.code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="incubator"'
    return response


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError):
    db.session.rollback()
    return json_error(exc.status, exc.code, exc.message, **exc.details)


@bp.before_request
def authenticate():
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", _("A bearer token is required (Authorization: Bearer TOKEN)."))
    user = user_for_token(token.strip())
    if user is None:
        raise ApiError(401, "unauthorized", _("This token is not valid."))
    g.api_user = user


@bp.after_request
def commit(response):
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", _("The body must be a JSON object."))
    return data


def parse_datetime(value, field: str, errors: dict) -> datetime | None:
    if value in (None, ""):
        errors[field] = _("Required.")
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        errors[field] = _("Not an ISO-8601 date and time.")
        return None
    if parsed.tzinfo is None:  # a time without offset is Paris time, as in the forms
        parsed = parsed.replace(tzinfo=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    return parsed.astimezone(ZoneInfo("UTC"))


def paginate(stmt, serialise):
    page = request.args.get("page", 1, type=int)
    per_page = min(request.args.get("per_page", current_app.config["PER_PAGE"], type=int),
                   current_app.config["API_MAX_PER_PAGE"])
    if page < 1 or per_page < 1:
        raise ApiError(400, "bad_request", _("page and per_page must be positive."))
    result = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    return jsonify({
        "items": [serialise(item) for item in result.items],
        "page": result.page, "per_page": result.per_page, "total": result.total, "pages": result.pages,
    })


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def call_json(call: Call) -> dict:
    return {
        "id": call.id, "title": call.title, "description": call.description,
        "workflow": call.workflow, "opens_at": iso(call.opens_at), "closes_at": iso(call.closes_at),
        "status": call.status(), "programme": call.programme.name,
        "questionnaire": call.questionnaire,
    }


def project_summary(project: Project) -> dict:
    return {
        "id": project.id, "title": project.title, "state": project.state, "call_id": project.call_id,
        "service": project.service, "submitted_at": iso(project.submitted_at),
        "updated_at": iso(project.updated_at),
    }


def project_json(project: Project) -> dict:
    definition = get_definition(project.workflow)
    roles = actor_roles(g.api_user, project)
    return {
        **project_summary(project),
        "state_label": definition.states[project.state].labels["fr"],
        "workflow": project.workflow,
        "problem": project.problem, "proposal": project.proposal, "answers": project.answers,
        "team": [{"email": m.user.email, "name": m.user.name, "service": m.user.service}
                 for m in project.members],
        "coaches": [{"email": c.user.email, "name": c.user.name} for c in project.coaches],
        "created_at": iso(project.created_at),
        "review_due_at": iso(project.review_due_at),
        "allowed_events": [e.name for e in permitted_events(definition, project.state, roles)],
        "history": [
            {"event": h.event, "from": h.from_state, "to": h.to_state,
             "actor": h.actor.email if h.actor else None, "at": iso(h.at), "comment": h.comment}
            for h in project.history
        ],
    }


def load_project(project_id: int) -> Project:
    project = db.session.scalar(
        select(Project).where(Project.id == project_id).options(
            selectinload(Project.call).selectinload(Call.programme),
            selectinload(Project.members).selectinload(ProjectMember.user),
            selectinload(Project.coaches).selectinload(ProjectCoach.user),
            selectinload(Project.history).selectinload(ProjectEvent.actor),
        )
    )
    if project is None or not can_view_project(g.api_user, project):
        raise ApiError(404, "not_found", _("No such project, or you may not see it."))
    return project


def load_call(call_id: int) -> Call:
    call = db.session.get(Call, call_id)
    if call is None:
        raise ApiError(404, "not_found", _("No such call."))
    return call


@bp.route("/me")
def me():
    user = g.api_user
    return jsonify({"id": user.id, "email": user.email, "name": user.name, "roles": sorted(user.roles),
                    "service": user.service, "title": user.title})


@bp.route("/workflows")
def workflows():
    return jsonify({"items": [d.as_json() for d in all_definitions()]})


@bp.route("/workflows/<name>")
def workflow(name: str):
    try:
        return jsonify(get_definition(name).as_json())
    except LookupError:
        raise ApiError(404, "not_found", _("No such workflow.")) from None


@bp.route("/calls")
def calls():
    stmt = select(Call).options(selectinload(Call.programme)).order_by(Call.opens_at.desc(), Call.id)
    return paginate(stmt, call_json)


@bp.route("/calls", methods=["POST"])
def new_call():
    if not can_manage_calls(g.api_user):
        raise ApiError(403, "forbidden", _("Only the programme team creates calls."))
    data = body()
    errors: dict[str, str] = {}
    opens_at = parse_datetime(data.get("opens_at"), "opens_at", errors)
    closes_at = parse_datetime(data.get("closes_at"), "closes_at", errors)
    questionnaire = data.get("questionnaire")
    if questionnaire is not None:
        if not isinstance(questionnaire, list) or not all(
                isinstance(q, dict) and isinstance(q.get("label"), str) for q in questionnaire):
            errors["questionnaire"] = _("A list of {\"label\", \"required\"} objects.")
        else:
            from ..calls.operations import parse_questionnaire

            questionnaire = parse_questionnaire("\n".join(
                ("* " if q.get("required") else "") + q["label"].replace("\n", " ") for q in questionnaire))
    if not isinstance(data.get("title"), str):
        errors["title"] = _("A title is required.")
    if errors:
        raise InvalidData(errors)
    call = create_call(title=data["title"], description=str(data.get("description") or ""),
                       opens_at=opens_at, closes_at=closes_at, workflow=str(data.get("workflow") or "pau"),
                       questionnaire=questionnaire, author=g.api_user)
    return jsonify(call_json(call)), 201


@bp.route("/calls/<int:call_id>")
def call(call_id: int):
    return jsonify(call_json(load_call(call_id)))


@bp.route("/calls/<int:call_id>/projects")
def call_projects(call_id: int):
    load_call(call_id)
    stmt = visible_projects(g.api_user).where(Project.call_id == call_id)
    if request.args.get("state"):
        stmt = stmt.where(Project.state == request.args["state"])
    return paginate(stmt.order_by(Project.id), project_summary)


@bp.route("/calls/<int:call_id>/projects", methods=["POST"])
def new_project(call_id: int):
    call = load_call(call_id)
    if not g.api_user.has_role("agent"):
        raise ApiError(403, "forbidden", _("Only agents propose projects."))
    data = body()
    team = data.get("team", [])
    if not isinstance(team, list) or not all(isinstance(e, str) for e in team):
        raise InvalidData({"team": _("A list of e-mail addresses.")})
    answers = data.get("answers", {})
    if not isinstance(answers, dict):
        raise InvalidData({"answers": _("An object of answers by question key.")})
    if not isinstance(data.get("title"), str):
        raise InvalidData({"title": _("A title is required.")})
    project = create_project(call, g.api_user, title=data["title"], problem=str(data.get("problem") or ""),
                             proposal=str(data.get("proposal") or ""), service=str(data.get("service") or ""),
                             answers=answers, team_emails=team)
    return jsonify(project_json(load_project(project.id))), 201


@bp.route("/projects")
def projects():
    stmt = visible_projects(g.api_user)
    if request.args.get("state"):
        stmt = stmt.where(Project.state == request.args["state"])
    return paginate(stmt.order_by(Project.id), project_summary)


@bp.route("/projects/<int:project_id>")
def project(project_id: int):
    return jsonify(project_json(load_project(project_id)))


@bp.route("/projects/<int:project_id>", methods=["PATCH"])
def edit_project(project_id: int):
    project = load_project(project_id)
    data = body()
    fields = {k: data.get(k, getattr(project, k)) for k in ("title", "problem", "proposal", "service")}
    if not all(isinstance(v, str) for v in fields.values()):
        raise InvalidData({k: _("Text expected.") for k, v in fields.items() if not isinstance(v, str)})
    answers = data.get("answers") or {}
    if not isinstance(answers, dict):
        raise InvalidData({"answers": _("An object of answers by question key.")})
    if not project.has_member(g.api_user):
        raise ApiError(403, "forbidden", _("Only the team edits its proposal."))
    update_project(project, g.api_user, answers={**(project.answers or {}), **answers},
                   **fields)
    return jsonify(project_json(project))


@bp.route("/projects/<int:project_id>/events", methods=["POST"])
def project_event(project_id: int):
    project = load_project(project_id)
    data = body()
    event = data.get("event")
    comment = data.get("comment") or ""
    if not isinstance(event, str) or not event:
        raise InvalidData({"event": _("The event to fire is required.")})
    taken_over_by = data.get("taken_over_by") or ""
    if not isinstance(comment, str):
        raise InvalidData({"comment": _("Text expected.")})
    if not isinstance(taken_over_by, str):
        raise InvalidData({"taken_over_by": _("Text expected.")})
    entry = fire(project, event, g.api_user, comment, taken_over_by=taken_over_by)
    return jsonify({"id": project.id, "state": project.state, "from": entry.from_state,
                    "event": entry.event, "at": iso(entry.at)})
