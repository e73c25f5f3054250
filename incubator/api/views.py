"""API v1 endpoints: workflows, calls, projects, their history and events, the funnel; the shared
pieces of every endpoint (authentication, errors, argument checks, pagination)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException

from ..auth.operations import user_for_token
from ..calls.operations import create_call
from ..config import LANGUAGES
from ..dashboard.funnel import funnel
from ..errors import DomainError, InvalidData, json_error
from ..extensions import db
from ..models import Call, Project, ProjectCoach, ProjectEvent, ProjectMember
from ..policy import can_manage_calls, can_view_dashboard, can_view_project, visible_projects
from ..projects.operations import create_project, update_project
from ..workflows import actor_roles, all_definitions, fire, get_definition, permitted_events
from . import bp

# The largest id the database stores (a PostgreSQL integer): a larger one in a path names nothing.
MAX_ID = 2**31 - 1
# The last page one may ask for; far beyond any list, small enough for any database's OFFSET.
MAX_PAGE = 1_000_000_000


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
    if request.endpoint == "api.openapi":  # the description of the API is public
        return
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", _("A bearer token is required (Authorization: Bearer TOKEN)."))
    user = user_for_token(token.strip())
    if user is None:
        raise ApiError(401, "unauthorized", _("This token is not valid."))
    g.api_user = user
    check_arguments()


def check_arguments() -> None:
    """What no endpoint can use: an id too large to be stored (404, it names nothing), a NUL character
    in the path or the query string (400, no database keeps one in text)."""
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and value > MAX_ID:
            raise ApiError(404, "not_found", _("This page does not exist, or you may not see it."))
        if isinstance(value, str) and "\x00" in value:
            raise ApiError(404, "not_found", _("This page does not exist, or you may not see it."))
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            raise ApiError(400, "bad_request", _("The query string may not contain a NUL character."))


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
    unstorable = sorted({str(key) for key, value in data.items() if not storable(value)})
    if unstorable:
        raise InvalidData({key: _("Text with a character that cannot be stored (NUL or a lone surrogate).")
                           for key in unstorable})
    return data


def storable(value) -> bool:
    """False for JSON text no database stores: a NUL character, or half of a UTF-16 surrogate pair."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, list):
        return all(storable(v) for v in value)
    if isinstance(value, dict):
        return all(storable(k) and storable(v) for k, v in value.items())
    return True


def is_id(value) -> bool:
    """A JSON value that may be a row's id: a whole number (not a boolean) the database can store."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def whole_arg(name: str, *, maximum: int | None = MAX_ID) -> int | None:
    """A query argument written as a positive whole number, or None when absent; 400 otherwise."""
    raw = request.args.get(name)
    if raw is None:
        return None
    value = 0
    if raw.isascii() and raw.isdigit():
        significant = raw.lstrip("0")
        value = int(significant or "0") if len(significant) <= 18 else 10**18  # beyond any maximum
    if value < 1 or (maximum is not None and value > maximum):
        if maximum is None:
            message = _("%(name)s is a whole number, 1 or more.", name=name)
        else:
            message = _("%(name)s is a whole number from 1 to %(max)d.", name=name, max=maximum)
        raise ApiError(400, "bad_request", message)
    return value


def lang_arg() -> str:
    """`?lang=`: the language of labels and messages (French by default)."""
    locale = request.args.get("lang", "fr")
    if locale not in LANGUAGES:
        raise ApiError(400, "bad_request", _("lang is one of: %(languages)s.", languages=", ".join(LANGUAGES)))
    return locale


def parse_datetime(value, field: str, errors: dict) -> datetime | None:
    if value in (None, ""):
        errors[field] = _("Required.")
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
        if parsed.tzinfo is None:  # a time without offset is Paris time, as in the forms
            parsed = parsed.replace(tzinfo=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
        return parsed.astimezone(ZoneInfo("UTC"))
    except (ValueError, OverflowError):  # OverflowError: a time at the very edge of year 1 or 9999
        errors[field] = _("Not an ISO-8601 date and time.")
        return None


def page_args() -> tuple[int, int]:
    """`?page=` (from 1) and `?per_page=` (capped at API_MAX_PER_PAGE); 400 unless whole numbers from 1."""
    page = whole_arg("page", maximum=MAX_PAGE) or 1
    per_page = whole_arg("per_page", maximum=None) or current_app.config["PER_PAGE"]
    return page, min(per_page, current_app.config["API_MAX_PER_PAGE"])


def paginate(stmt, serialise: Callable | None = None, *, serialise_all: Callable[[list], list] | None = None,
             **extra):
    """A page of `stmt`'s rows: `{"items", "page", "per_page", "total", "pages"}`, plus `extra` keys about
    the whole list. `serialise` shapes one row; `serialise_all` a whole page at once (one query for it)."""
    page, per_page = page_args()
    result = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    items = serialise_all(list(result.items)) if serialise_all else [serialise(item) for item in result.items]
    return jsonify({"items": items, "page": result.page, "per_page": result.per_page, "total": result.total,
                    "pages": result.pages, **extra})


def paginate_list(items: Sequence, serialise: Callable | None = None, **extra):
    """`paginate()`'s envelope over a list already in memory (a short one: a grid, a ranking...)."""
    page, per_page = page_args()
    total = len(items)
    chosen = items[(page - 1) * per_page: page * per_page]
    return jsonify({"items": [serialise(item) for item in chosen] if serialise else list(chosen),
                    "page": page, "per_page": per_page, "total": total,
                    "pages": -(-total // per_page), **extra})


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
        "service": project.service, "theme": project.theme, "submitted_at": iso(project.submitted_at),
        "updated_at": iso(project.updated_at),
    }


def history_json(entry: ProjectEvent) -> dict:
    return {"id": entry.id, "event": entry.event, "from": entry.from_state, "to": entry.to_state,
            "actor": entry.actor.email if entry.actor else None, "at": iso(entry.at), "comment": entry.comment}


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
        "history": [history_json(h) for h in project.history],
    }


def load_project(project_id: int, *, history: bool = True) -> Project:
    """The project, with what its views read; 404 when missing or hidden from the caller."""
    options = [
        selectinload(Project.call).selectinload(Call.programme),
        selectinload(Project.members).selectinload(ProjectMember.user),
        selectinload(Project.coaches).selectinload(ProjectCoach.user),
    ]
    if history:
        options.append(selectinload(Project.history).selectinload(ProjectEvent.actor))
    project = db.session.scalar(select(Project).where(Project.id == project_id).options(*options))
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
    return paginate_list(all_definitions(), lambda d: d.as_json())


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
    theme = data.get("theme")
    if theme is not None and not isinstance(theme, str):
        raise InvalidData({"theme": _("Choose a theme from the list.")})
    project = create_project(call, g.api_user, title=data["title"], problem=str(data.get("problem") or ""),
                             proposal=str(data.get("proposal") or ""), service=str(data.get("service") or ""),
                             answers=answers, team_emails=team, theme=theme)
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


@bp.route("/projects/<int:project_id>/history")
def project_history(project_id: int):
    """The project's fired events, oldest first (as in the project's own `history`), a page at a time."""
    project = load_project(project_id, history=False)
    stmt = (select(ProjectEvent).where(ProjectEvent.project_id == project.id)
            .options(selectinload(ProjectEvent.actor)).order_by(ProjectEvent.id))
    return paginate(stmt, history_json)


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
    theme = data.get("theme", project.theme)  # absent: kept; null: none
    if theme is not None and not isinstance(theme, str):
        raise InvalidData({"theme": _("Choose a theme from the list.")})
    if not project.has_member(g.api_user):
        raise ApiError(403, "forbidden", _("Only the team edits its proposal."))
    update_project(project, g.api_user, answers={**(project.answers or {}), **answers}, theme=theme,
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


# --- the programme's funnel -----------------------------------------------------------------------------

def funnel_items(calls: list[Call], locale: str) -> list[dict]:
    steps = funnel(g.api_user, calls, locale)  # one query for the whole page of calls
    return [{"call_id": call.id, "title": call.title, "workflow": call.workflow,
             "steps": [{"name": s.name, "label": s.label, "count": s.count} for s in steps[call.id]]}
            for call in calls]


def require_dashboard() -> None:
    if not can_view_dashboard(g.api_user):
        raise ApiError(403, "forbidden", _("The funnel is for the programme team and the jury."))


@bp.route("/funnel")
def programme_funnel():
    """Every call's funnel, newest call first: projects that ever reached each stage, among those the
    caller may see."""
    require_dashboard()
    locale = lang_arg()
    stmt = select(Call).order_by(Call.opens_at.desc(), Call.id)
    return paginate(stmt, serialise_all=lambda calls: funnel_items(calls, locale))


@bp.route("/calls/<int:call_id>/funnel")
def call_funnel(call_id: int):
    require_dashboard()
    locale = lang_arg()
    return jsonify(funnel_items([load_call(call_id)], locale)[0])
