"""The OpenAPI 3.1 document of API v1, served at GET /api/v1/openapi.json without a token.

Built from small pieces: JSON Schema helpers, one schema per JSON shape the endpoints answer, and one
`endpoint()` call per route and method. Enumerations (workflows, states, events, methods, verdicts,
themes) come from the data the application runs on. tests/test_openapi.py checks that every route of the
blueprint is described here and nothing else, validates the document, and has schemathesis call every
operation as described.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify

from ..config import LANGUAGES
from ..incubation.models import ITERATION_DECISIONS, VALIDATION_METHODS, VERDICTS
from ..jury.models import JUROR_KINDS
from ..themes import THEMES
from ..workflows import all_definitions
from . import bp
from .views import MAX_ID, MAX_PAGE

OPENAPI_VERSION = "3.1.0"
JSON = "application/json"
Schema = dict[str, Any]


# --- JSON Schema pieces ---------------------------------------------------------------------------------

def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    """The schema, or null."""
    if "type" not in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    result = {**schema, "type": [*types, "null"]}
    if "enum" in schema:
        result["enum"] = [*schema["enum"], None]
    return result


def string(**extra) -> Schema:
    return {"type": "string", **extra}


def integer(**extra) -> Schema:
    return {"type": "integer", **extra}


def number(**extra) -> Schema:
    return {"type": "number", **extra}


def boolean() -> Schema:
    return {"type": "boolean"}


def array(items: Schema, **extra) -> Schema:
    return {"type": "array", "items": items, **extra}


def mapping(values: Schema, **extra) -> Schema:
    """An object whose keys are data (criterion ids, verdicts...), all with values of one schema."""
    return {"type": "object", "additionalProperties": values, **extra}


def shape(properties: dict[str, Schema], **extra) -> Schema:
    """A response object: every listed key is always there (more may come in later versions)."""
    return {"type": "object", "properties": properties, "required": list(properties), **extra}


def body_of(properties: dict[str, Schema], required: tuple[str, ...] = (), **extra) -> Schema:
    """A request body object: the keys named in `required` must be there; unknown keys are ignored."""
    schema: Schema = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = list(required)
    return schema


def enum(values) -> Schema:
    return {"type": "string", "enum": sorted(values)}


ID = integer(minimum=1, maximum=MAX_ID)
COUNT = integer(minimum=0)
TEXT = string()
DATETIME = string(format="date-time")
DATE = string(format="date")
WEEK = string(pattern="^[0-9]{4}-W[0-9]{2}$", examples=["2026-W47"])
EMAIL = string(description="An e-mail address.")
LABELS = mapping(string(), description="A label per language code.")


def page_of(item: Schema, **extra: Schema) -> Schema:
    """The envelope of every list: one page of items, and where it stands in the whole list."""
    return shape({
        "items": array(item),
        "page": integer(minimum=1),
        "per_page": integer(minimum=1),
        "total": COUNT,
        "pages": COUNT,
        **extra,
    })


# --- what the enumerations hold -------------------------------------------------------------------------

class Vocabulary:
    """The names the running application knows: from its workflow definitions and its constants."""

    def __init__(self):
        definitions = all_definitions()
        self.workflows = sorted(d.name for d in definitions)
        self.states = sorted({s for d in definitions for s in d.states})
        self.events = sorted({e for d in definitions for e in d.events})
        self.jury_decisions = sorted({e.name for d in definitions for e in d.jury_decisions()})
        self.reviews = sorted({e.name for d in definitions for e in d.review_events()})
        self.phases = sorted({p for d in definitions for p in d.phases})
        self.themes = sorted(THEMES)


# --- the shapes answered --------------------------------------------------------------------------------

def schemas(v: Vocabulary) -> dict[str, Schema]:
    history = shape({
        "id": ID, "event": TEXT, "from": nullable(TEXT), "to": TEXT, "actor": nullable(EMAIL),
        "at": DATETIME, "comment": TEXT,
    })
    project_summary = {
        "id": ID, "title": TEXT, "state": TEXT, "call_id": ID, "service": TEXT,
        "theme": nullable(TEXT), "submitted_at": nullable(DATETIME), "updated_at": DATETIME,
    }
    session_summary = {
        "id": ID, "call_id": ID, "title": TEXT, "starts_at": DATETIME, "place": TEXT,
        "coaching": shape({"at": nullable(DATETIME), "place": TEXT}),
        "minutes_per_pitch": integer(minimum=1), "share_scores": boolean(), "closed_at": nullable(DATETIME),
    }
    criterion = shape({
        "id": nullable(ID), "position": COUNT, "name": TEXT, "description": TEXT, "weight": integer(minimum=1),
        "scale_min": integer(), "scale_max": integer(),
    }, description="A line of the scoring grid; `id` is null for the defaults, until a session stores them.")
    sheet = shape({
        "id": ID, "project_id": ID, "juror": EMAIL, "juror_id": ID,
        "scores": mapping(integer(), description="The score given per criterion id."),
        "comment": TEXT, "submitted": boolean(), "submitted_at": nullable(DATETIME), "updated_at": DATETIME,
    })
    value = {"measured_on": DATE, "value": number(), "note": TEXT, "created_at": DATETIME}
    review = shape({
        "id": ID, "phase": TEXT, "due_at": nullable(DATETIME), "decided_at": DATETIME, "decision": TEXT,
        "decided_by": nullable(EMAIL), "comment": TEXT,
        "summary": {"type": "object", "description": "The evidence summary as it stood at the decision."},
    })
    by_name = mapping(COUNT)
    return {
        "Error": {
            "type": "object",
            "properties": {
                "error": string(description="A stable code: bad_request, unauthorized, forbidden, not_found, "
                                            "conflict, invalid_data, invalid_transition, guard_failed..."),
                "message": string(description="What went wrong, in the caller's language."),
                "fields": mapping(string(), description="invalid_data: the message per body key at fault."),
                "allowed_events": array(TEXT, description="invalid_transition: the events that apply now."),
            },
            "required": ["error", "message"],
        },
        "Me": shape({
            "id": ID, "email": EMAIL, "name": TEXT, "roles": array(enum(("agent", "coach", "staff", "jury",
                                                                            "admin"))),
            "service": TEXT, "title": TEXT,
        }),
        "Workflow": shape({
            "name": TEXT, "initial": TEXT,
            "states": array(shape({"name": TEXT, "label": TEXT, "labels": LABELS, "final": boolean()})),
            "transitions": array(shape({
                "event": TEXT, "source": array(TEXT), "dest": nullable(TEXT), "returns_to_previous": boolean(),
                "stays": boolean(), "review": boolean(), "takeover_required": boolean(), "roles": array(TEXT),
                "conditions": array(TEXT), "comment_required": boolean(),
            })),
            "phases": array(shape({"name": TEXT, "months": integer(minimum=0)})),
            "funnel": array(shape({"name": TEXT, "labels": LABELS, "states": array(TEXT)})),
        }),
        "Call": shape({
            "id": ID, "title": TEXT, "description": TEXT, "workflow": TEXT, "opens_at": DATETIME,
            "closes_at": DATETIME, "status": enum(("upcoming", "open", "closed")), "programme": TEXT,
            "questionnaire": array(shape({"key": TEXT, "label": TEXT, "required": boolean()})),
        }),
        "ProjectSummary": shape(project_summary),
        "Project": shape({
            **project_summary,
            "state_label": TEXT, "workflow": TEXT, "problem": TEXT, "proposal": TEXT,
            "answers": mapping(TEXT, description="The answers by question key."),
            "team": array(shape({"email": EMAIL, "name": TEXT, "service": TEXT})),
            "coaches": array(shape({"email": EMAIL, "name": TEXT})),
            "created_at": DATETIME, "review_due_at": nullable(DATETIME),
            "allowed_events": array(TEXT, description="The events the caller may fire now."),
            "history": array(ref("HistoryEntry")),
        }),
        "HistoryEntry": history,
        "EventFired": shape({"id": ID, "state": TEXT, "from": nullable(TEXT), "event": TEXT, "at": DATETIME}),
        "Funnel": shape({
            "call_id": ID, "title": TEXT, "workflow": TEXT,
            "steps": array(shape({"name": TEXT, "label": TEXT, "count": COUNT})),
        }, description="Per stage of the call's workflow, the projects the caller may see that ever reached it."),
        "SessionSummary": shape(session_summary),
        "Session": shape({
            **session_summary,
            "workflow": TEXT, "deliberation_notes": TEXT,
            "running_order": array(shape({
                "position": integer(minimum=1), "project_id": ID, "title": TEXT, "state": TEXT,
                "planned_at": DATETIME, "decision": nullable(TEXT), "rationale": TEXT, "override_reason": TEXT,
                "decided_at": nullable(DATETIME),
            })),
            "jurors": array(shape({
                "id": ID, "user_id": ID, "email": EMAIL, "name": TEXT, "title": TEXT, "kind": enum(JUROR_KINDS),
                "chair": boolean(), "absent": boolean(), "absence_note": TEXT, "replaces": nullable(EMAIL),
                "replaces_id": nullable(ID), "draw_id": nullable(ID),
            })),
            "draws": array(shape({
                "id": ID, "purpose": TEXT, "seed": TEXT, "pool": array(ID), "excluded": mapping(TEXT),
                "size": COUNT, "drawn": array(ID), "drawn_at": DATETIME, "drawn_by": nullable(EMAIL),
                "method": TEXT, "rerun": shape({"drawn": array(ID), "matches": boolean()}),
            })),
            "conflicts": array(shape({
                "juror": EMAIL, "juror_id": ID, "project_id": ID, "reason": TEXT, "declared_at": DATETIME,
            })),
        }),
        "Criterion": criterion,
        "ScoreSheet": sheet,
        "ConflictDeclared": shape({
            "id": ID, "juror": EMAIL, "juror_id": ID, "project_id": ID, "reason": TEXT, "declared_at": DATETIME,
        }),
        "ScoreboardRow": shape({
            "project_id": ID, "title": TEXT, "state": TEXT, "rank": nullable(integer(minimum=1)),
            "mean": nullable(number()), "spread": nullable(number()), "stdev": nullable(number()),
            "sheets": COUNT, "expected": COUNT,
            "criterion_means": mapping(nullable(number()), description="The mean per criterion id."),
            "disagreement": boolean(),
            "recusals": array(shape({"juror": EMAIL, "reason": TEXT})),
            "missing": array(EMAIL), "visible": boolean(), "decision": nullable(TEXT),
        }),
        "DecisionTaken": shape({
            "project_id": ID, "state": TEXT,
            "decision": shape({"event": TEXT, "rationale": TEXT, "override_reason": TEXT,
                               "decided_at": nullable(DATETIME), "decided_by": EMAIL}),
        }),
        "Pitch": shape({
            "session_id": ID, "title": TEXT, "starts_at": DATETIME, "closed_at": nullable(DATETIME),
            "decision": nullable(shape({"event": TEXT, "rationale": TEXT, "decided_at": nullable(DATETIME)})),
            "criterion_means": array(shape({"criterion_id": ID, "name": TEXT, "scale_max": integer(),
                                            "mean": number()}),
                                     description="Once the session is closed, if it shares them."),
            "sheets": array(ref("ScoreSheet"), description="The score sheets the caller may read."),
        }),
        "WeeklyLog": shape({
            "id": ID, "week": WEEK, "week_start": DATE, "done": TEXT, "learnt": TEXT, "blockers": TEXT,
            "next_steps": TEXT, "team_note": TEXT, "days_spent": number(minimum=0),
            "confidence": integer(minimum=1, maximum=5), "author": nullable(EMAIL), "updated_by": nullable(EMAIL),
            "created_at": DATETIME, "updated_at": DATETIME,
        }),
        "Iteration": shape({
            "id": ID, "number": integer(minimum=1), "title": TEXT, "hypothesis": TEXT, "experiment": TEXT,
            "audience": TEXT, "measure": TEXT, "target": TEXT, "result": TEXT, "learning": TEXT,
            "pivot_change": TEXT, "users_count": nullable(COUNT), "decision": nullable(enum(ITERATION_DECISIONS)),
            "started_on": DATE, "ended_on": nullable(DATE), "decided_at": nullable(DATETIME),
            "decided_by": nullable(EMAIL), "author": nullable(EMAIL), "created_at": DATETIME,
            "updated_at": DATETIME,
        }),
        "Attachment": shape({
            "id": ID, "filename": TEXT, "content_type": TEXT, "size": COUNT, "sha256": TEXT,
            "created_at": DATETIME, "url": string(description="Where to download it (with the token)."),
        }),
        "Validation": shape({
            "id": ID, "method": enum(VALIDATION_METHODS), "users_count": COUNT, "held_on": DATE,
            "verdict": enum(VERDICTS), "notes": TEXT, "iteration_id": nullable(ID),
            "iteration": nullable(integer(minimum=1)), "author": nullable(EMAIL), "created_at": DATETIME,
            "attachments": array(ref("Attachment")),
        }),
        "IndicatorValue": shape(value),
        "IndicatorValueRecorded": shape({**value, "indicator_id": ID}),
        "Indicator": shape({
            "id": ID, "name": TEXT, "unit": TEXT, "description": TEXT, "target": nullable(number()),
            "created_at": DATETIME, "values": array(ref("IndicatorValue")),
        }),
        "Review": review,
        "ReviewDecided": shape({
            "id": ID, "state": TEXT, "from": nullable(TEXT), "event": TEXT, "at": DATETIME,
            "phase": nullable(TEXT), "next_review_due_at": nullable(DATETIME),
            "clock_stopped_at": nullable(DATETIME), "taken_over_by": nullable(TEXT),
            "review": nullable(ref("Review")),
        }),
        "EvidenceSummary": shape({
            "at": DATETIME,
            "validations": shape({"count": COUNT, "users": COUNT, "by_verdict": by_name, "by_method": by_name,
                                  "last_on": nullable(DATE)}),
            "iterations": shape({"count": COUNT, "open": COUNT, "by_decision": by_name,
                                 "pivots": array(shape({"number": integer(minimum=1), "title": TEXT,
                                                        "change": TEXT}))}),
            "logs": shape({"expected": COUNT, "written": COUNT, "missing": COUNT, "missing_weeks": array(WEEK),
                           "recent_confidence": array(integer(minimum=1, maximum=5))}),
            "budget": array(shape({"phase": TEXT, "days_per_week": number(), "weeks": number(),
                                   "members": COUNT, "planned_days": number(), "declared_days": number()})),
            "indicators": array(shape({"name": TEXT, "unit": TEXT, "target": nullable(number()),
                                       "value": nullable(number()), "on": nullable(DATE)})),
        }),
        "Notification": shape({
            "id": ID, "kind": TEXT, "title": TEXT, "body": TEXT, "link": TEXT, "project_id": nullable(ID),
            "created_at": DATETIME, "read_at": nullable(DATETIME),
        }),
        "NotificationsRead": shape({"read": COUNT, "unread": COUNT}),
    }


# --- request bodies -------------------------------------------------------------------------------------

def bodies(v: Vocabulary) -> dict[str, Schema]:
    iteration = {
        "title": string(maxLength=200), "hypothesis": TEXT, "started_on": DATE, "ended_on": nullable(DATE),
        "experiment": TEXT, "audience": TEXT, "users_count": nullable(integer(minimum=0, maximum=10_000_000)),
        "measure": TEXT, "target": TEXT, "result": TEXT, "learning": TEXT,
        "decision": nullable(enum(ITERATION_DECISIONS)), "pivot_change": TEXT,
    }
    return {
        "NewCall": body_of({
            "title": string(maxLength=200), "workflow": {**enum(v.workflows), "default": "pau"},
            "opens_at": string(format="date-time", description="ISO-8601; without an offset, Paris time."),
            "closes_at": string(format="date-time", description="ISO-8601; without an offset, Paris time."),
            "description": TEXT,
            "questionnaire": array(body_of({"label": TEXT, "required": boolean()}, ("label",))),
        }, ("title", "opens_at", "closes_at")),
        "NewProject": body_of({
            "title": string(maxLength=200), "problem": TEXT, "proposal": TEXT, "service": TEXT,
            "theme": nullable(enum(v.themes)), "answers": mapping(TEXT, description="Answers by question key."),
            "team": array(EMAIL, description="The teammates' e-mail addresses; the caller is always on the team."),
        }, ("title", "problem", "proposal")),
        "ProjectChanges": body_of({
            "title": string(maxLength=200), "problem": TEXT, "proposal": TEXT, "service": TEXT,
            "theme": nullable(enum(v.themes)),
            "answers": mapping(TEXT, description="Answers by question key; those not sent are kept."),
        }),
        "Event": body_of({
            "event": enum(v.events), "comment": TEXT,
            "taken_over_by": string(maxLength=200, description="Required by integrate, scale and spin_off."),
        }, ("event",)),
        "Scores": body_of({
            "project_id": ID,
            "scores": mapping(integer(), propertyNames={"pattern": "^[0-9]+$"},
                              description="The score per criterion id."),
            "comment": TEXT, "submit": boolean(),
        }, ("project_id",)),
        "ConflictOfInterest": body_of({"project_id": ID, "reason": TEXT}, ("project_id", "reason")),
        "Decision": body_of({
            "project_id": ID, "event": enum(v.jury_decisions), "rationale": TEXT,
            "override_reason": string(description="The chair's, when scores are missing."),
        }, ("project_id", "event", "rationale")),
        "Closing": body_of({"notes": TEXT}),
        "WeeklyLogBody": body_of({
            "done": TEXT, "learnt": TEXT, "blockers": TEXT, "next_steps": TEXT, "team_note": TEXT,
            "days_spent": number(minimum=0, maximum=100), "confidence": integer(minimum=1, maximum=5),
        }, ("done", "days_spent", "confidence")),
        "NewIteration": body_of(iteration, ("title", "hypothesis", "started_on")),
        "IterationChanges": body_of(iteration, description="The keys sent replace the stored ones."),
        "NewValidation": body_of({
            "method": enum(VALIDATION_METHODS), "users_count": integer(minimum=0, maximum=10_000_000),
            "held_on": DATE, "verdict": enum(VERDICTS), "notes": TEXT, "iteration_id": nullable(ID),
        }, ("method", "users_count", "held_on", "verdict")),
        "Files": body_of({
            "files": array(string(format="binary"), minItems=1,
                           description="PDF, PNG, JPEG or WebP, 5 MB each, checked by content."),
        }, ("files",)),
        "NewIndicator": body_of({
            "name": string(maxLength=200), "unit": string(maxLength=50), "description": TEXT,
            "target": nullable(number(minimum=-1e12, maximum=1e12)),
        }, ("name",)),
        "IndicatorValueBody": body_of({
            "measured_on": DATE, "value": number(minimum=-1e12, maximum=1e12), "note": string(maxLength=500),
        }, ("measured_on", "value")),
        "ReviewDecision": body_of({
            "event": enum(v.reviews), "comment": TEXT,
            "taken_over_by": string(maxLength=200, description="Required by integrate, scale and spin_off."),
        }, ("event",)),
        "ReadNotifications": body_of({
            "ids": array(ID, minItems=1), "all": boolean(),
        }, description='`{"ids": [...]}` or `{"all": true}`.'),
    }


# --- parameters -----------------------------------------------------------------------------------------

def path_id(name: str, what: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "description": what, "schema": ID}


def query(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


PAGE = query("page", integer(minimum=1, maximum=MAX_PAGE, default=1), "The page, from 1.")
LANG = query("lang", {**enum(LANGUAGES), "default": "fr"}, "The language of labels and messages.")


def per_page() -> Schema:
    return query("per_page", integer(minimum=1, default=current_app.config["PER_PAGE"]),
                 f"Items per page; at most {current_app.config['API_MAX_PER_PAGE']} are given.")


P = {
    "call_id": path_id("call_id", "The call's id."),
    "project_id": path_id("project_id", "The project's id."),
    "session_id": path_id("session_id", "The pitch session's id."),
    "indicator_id": path_id("indicator_id", "The indicator's id."),
    "validation_id": path_id("validation_id", "The evidence's id."),
    "attachment_id": path_id("attachment_id", "The file's id."),
    "number": {"name": "number", "in": "path", "required": True, "description": "The iteration's number.",
               "schema": integer(minimum=1, maximum=MAX_ID)},
    "week": {"name": "week", "in": "path", "required": True, "description": "An ISO week, written 2026-W47.",
             "schema": WEEK},
}


# --- operations -----------------------------------------------------------------------------------------

ERRORS = {
    400: ("BadRequest", "The query or the body cannot be used (not a JSON object, a bad page number...)."),
    401: ("Unauthorized", "No token, or a token that is not valid."),
    403: ("Forbidden", "The caller may see this but not do it."),
    404: ("NotFound", "Nothing here, or nothing the caller may see."),
    409: ("Conflict", "Not in this state: an event that does not apply, a closed session or ledger..."),
    413: ("TooLarge", "What was sent is too large."),
    422: ("Unprocessable", "Fields that do not hold (`fields`), or a condition of the workflow not met."),
}


def json_content(schema: Schema) -> dict:
    return {JSON: {"schema": schema}}


def endpoint(op_id: str, summary: str, tag: str, answer: Schema, *, status: int = 200, description: str = "",
             parameters: tuple = (), listing: bool = False, body: str | None = None, body_required: bool = True,
             multipart: bool = False, errors: tuple[int, ...] = (), also: dict[int, str] | None = None,
             content: dict | None = None, public: bool = False) -> dict:
    params = list(parameters)
    if listing:
        params += [PAGE, per_page()]
    statuses = set(errors)
    if not public:
        statuses.add(401)
    if any(p["in"] == "path" for p in params):
        statuses.add(404)
    if any(p["in"] == "query" for p in params):
        statuses.add(400)
    operation: dict[str, Any] = {"operationId": op_id, "summary": summary, "tags": [tag]}
    if description:
        operation["description"] = description
    if params:
        operation["parameters"] = params
    if body:
        media = "multipart/form-data" if multipart else JSON
        operation["requestBody"] = {"required": body_required,
                                    "content": {media: {"schema": ref(body)}}}
        statuses.update((400, 422) if not multipart else (422, 413))
    responses: dict[str, Any] = {str(status): {"description": summary, "content": content or json_content(answer)}}
    for extra, text in (also or {}).items():
        responses[str(extra)] = {"description": text, "content": json_content(answer)}
    for code in sorted(statuses):
        responses[str(code)] = {"$ref": f"#/components/responses/{ERRORS[code][0]}"}
    operation["responses"] = responses
    if public:
        operation["security"] = []
    return operation


WRITE = (403, 409)  # the ledger's writes: readers who do not write (403), out of incubation (409)


def paths(v: Vocabulary) -> dict[str, dict]:
    project, call, session = P["project_id"], P["call_id"], P["session_id"]
    state = query("state", enum(v.states), "Only the projects in this state.")
    document = {"type": "object", "description": "This document."}
    return {
        "/openapi.json": {"get": endpoint(
            "openapi", "This description of the API (no token needed)", "meta", document, public=True)},
        "/me": {"get": endpoint("me", "The caller's account and roles", "meta", ref("Me"))},
        "/workflows": {"get": endpoint(
            "list_workflows", "The workflow definitions", "workflows", page_of(ref("Workflow")), listing=True)},
        "/workflows/{name}": {"get": endpoint(
            "get_workflow", "A workflow definition: states, transitions and who fires them", "workflows",
            ref("Workflow"), parameters=({"name": "name", "in": "path", "required": True,
                                          "description": "The workflow's name.", "schema": enum(v.workflows)},))},
        "/calls": {
            "get": endpoint("list_calls", "The calls for proposals, newest first", "calls", page_of(ref("Call")),
                            listing=True),
            "post": endpoint("create_call", "Open a call for proposals (the programme team)", "calls", ref("Call"),
                             status=201, body="NewCall", errors=(403,)),
        },
        "/calls/{call_id}": {"get": endpoint("get_call", "A call", "calls", ref("Call"), parameters=(call,))},
        "/calls/{call_id}/projects": {
            "get": endpoint("list_call_projects", "The call's projects the caller may see", "calls",
                            page_of(ref("ProjectSummary")), parameters=(call, state), listing=True),
            "post": endpoint("create_project", "Propose a project (agents): a draft with the caller on its team",
                             "projects", ref("Project"), status=201, parameters=(call,), body="NewProject",
                             errors=(403, 409)),
        },
        "/calls/{call_id}/funnel": {"get": endpoint(
            "get_call_funnel", "The call's funnel (the programme team and the jury)", "funnel", ref("Funnel"),
            parameters=(call, LANG), errors=(403,))},
        "/calls/{call_id}/sessions": {"get": endpoint(
            "list_call_sessions", "The call's pitch sessions (staff; a juror sees those they sit on)", "jury",
            page_of(ref("SessionSummary")), parameters=(call,), listing=True)},
        "/calls/{call_id}/criteria": {"get": endpoint(
            "list_call_criteria", "The call's scoring grid (the defaults, without ids, until a session stores it)",
            "jury", page_of(ref("Criterion"), call_id=ID, default=boolean()), parameters=(call,), listing=True)},
        "/funnel": {"get": endpoint(
            "list_funnels", "Every call's funnel, newest call first (the programme team and the jury)", "funnel",
            page_of(ref("Funnel")), parameters=(LANG,), listing=True, errors=(403,))},
        "/projects": {"get": endpoint(
            "list_projects", "The projects the caller may see", "projects", page_of(ref("ProjectSummary")),
            parameters=(state,), listing=True)},
        "/projects/{project_id}": {
            "get": endpoint("get_project", "A project with its team and history", "projects", ref("Project"),
                            parameters=(project,)),
            "patch": endpoint("edit_project", "Edit a draft's answers (its team)", "projects", ref("Project"),
                              parameters=(project,), body="ProjectChanges", errors=(403, 409)),
        },
        "/projects/{project_id}/history": {"get": endpoint(
            "list_project_history", "The project's fired events, oldest first", "projects",
            page_of(ref("HistoryEntry")), parameters=(project,), listing=True)},
        "/projects/{project_id}/events": {"post": endpoint(
            "fire_event", "Fire a workflow event", "projects", ref("EventFired"), parameters=(project,),
            body="Event", errors=(403, 409),
            description="409 `invalid_transition` with `allowed_events` when the event does not apply in this "
                        "state; 403 when the caller's role may not fire it; 422 `guard_failed` when a condition "
                        "is not met. A refused event changes nothing.")},
        "/projects/{project_id}/scores": {"get": endpoint(
            "list_project_pitches", "The project's pitches: decisions, shared averages and readable sheets",
            "jury", page_of(ref("Pitch")), parameters=(project,), listing=True,
            description="A juror reads their own sheets, and the others' submitted sheets once theirs is in "
                        "(never for a project they are recused from); the programme team reads every submitted "
                        "sheet; the criterion averages appear once the session is closed, if it shares them.")},
        "/sessions/{session_id}": {"get": endpoint(
            "get_session", "A pitch session (staff, its jurors)", "jury", ref("Session"), parameters=(session,))},
        "/sessions/{session_id}/scores": {
            "get": endpoint("list_session_scores", "The score sheets the caller may read", "jury",
                            page_of(ref("ScoreSheet")), listing=True,
                            parameters=(session, query("project_id", ID, "Only this project's sheets."))),
            "post": endpoint("save_scores", "Record (and submit) the caller's sheet for a project (a juror)",
                             "jury", ref("ScoreSheet"), parameters=(session,), body="Scores", errors=(403, 409)),
        },
        "/sessions/{session_id}/conflicts": {"post": endpoint(
            "declare_conflict", "Declare a conflict of interest (a juror); deletes the juror's sheet", "jury",
            ref("ConflictDeclared"), status=201, parameters=(session,), body="ConflictOfInterest",
            errors=(403, 409))},
        "/sessions/{session_id}/scoreboard": {"get": endpoint(
            "get_scoreboard", "The ranking (staff, the chair)", "jury",
            page_of(ref("ScoreboardRow"), session_id=ID, closed_at=nullable(DATETIME),
                    criteria=array(ref("Criterion"))), parameters=(session,), listing=True, errors=(403,))},
        "/sessions/{session_id}/decisions": {"post": endpoint(
            "decide", "Decide on a project (the chair, staff)", "jury", ref("DecisionTaken"),
            parameters=(session,), body="Decision", errors=(403, 409))},
        "/sessions/{session_id}/close": {"post": endpoint(
            "close_session", "Close the deliberation (the chair, staff)", "jury", ref("Session"),
            parameters=(session,), body="Closing", body_required=False, errors=(403, 409))},
        "/projects/{project_id}/logs": {"get": endpoint(
            "list_logs", "Weekly logs, newest first, and the weeks missing", "incubation",
            page_of(ref("WeeklyLog"), missing_weeks=array(WEEK)), parameters=(project,), listing=True)},
        "/projects/{project_id}/logs/{week}": {
            "get": endpoint("get_log", "One week's log", "incubation", ref("WeeklyLog"),
                            parameters=(project, P["week"])),
            "put": endpoint("put_log", "Write or rewrite a week's log", "incubation", ref("WeeklyLog"),
                            status=201, also={200: "The log was rewritten."}, parameters=(project, P["week"]),
                            body="WeeklyLogBody", errors=WRITE),
        },
        "/projects/{project_id}/iterations": {
            "get": endpoint("list_iterations", "Test-and-learn iterations by number", "incubation",
                            page_of(ref("Iteration")), parameters=(project,), listing=True),
            "post": endpoint("create_iteration", "Start an iteration, numbered after the last", "incubation",
                             ref("Iteration"), status=201, parameters=(project,), body="NewIteration",
                             errors=WRITE),
        },
        "/projects/{project_id}/iterations/{number}": {
            "get": endpoint("get_iteration", "An iteration", "incubation", ref("Iteration"),
                            parameters=(project, P["number"])),
            "patch": endpoint("edit_iteration", "Change an iteration; a decision needs what was learnt",
                              "incubation", ref("Iteration"), parameters=(project, P["number"]),
                              body="IterationChanges", errors=WRITE),
        },
        "/projects/{project_id}/validations": {
            "get": endpoint("list_validations", "User-validation evidence, latest first", "incubation",
                            page_of(ref("Validation")), parameters=(project,), listing=True),
            "post": endpoint("create_validation", "Record user-validation evidence", "incubation",
                             ref("Validation"), status=201, parameters=(project,), body="NewValidation",
                             errors=WRITE),
        },
        "/projects/{project_id}/validations/{validation_id}": {"get": endpoint(
            "get_validation", "A piece of evidence with its files", "incubation", ref("Validation"),
            parameters=(project, P["validation_id"]))},
        "/projects/{project_id}/validations/{validation_id}/attachments": {"post": endpoint(
            "upload_attachments", "Attach files to the evidence; none is kept if one is refused", "incubation",
            ref("Validation"), status=201, parameters=(project, P["validation_id"]), body="Files",
            multipart=True, errors=WRITE)},
        "/projects/{project_id}/validations/{validation_id}/attachments/{attachment_id}": {"get": endpoint(
            "download_attachment", "A file's bytes, as a download", "incubation", {},
            parameters=(project, P["validation_id"], P["attachment_id"]),
            content={media: {"schema": string(format="binary")}
                     for media in ("application/pdf", "image/png", "image/jpeg", "image/webp")})},
        "/projects/{project_id}/indicators": {
            "get": endpoint("list_indicators", "Impact indicators with their values", "incubation",
                            page_of(ref("Indicator")), parameters=(project,), listing=True),
            "post": endpoint("create_indicator", "Declare an indicator", "incubation", ref("Indicator"),
                             status=201, parameters=(project,), body="NewIndicator", errors=WRITE),
        },
        "/projects/{project_id}/indicators/{indicator_id}": {"get": endpoint(
            "get_indicator", "An indicator with its values", "incubation", ref("Indicator"),
            parameters=(project, P["indicator_id"]))},
        "/projects/{project_id}/indicators/{indicator_id}/values": {
            "get": endpoint("list_indicator_values", "An indicator's values, oldest first", "incubation",
                            page_of(ref("IndicatorValue"), indicator_id=ID),
                            parameters=(project, P["indicator_id"]), listing=True),
            "post": endpoint("record_indicator_value", "Record the value of a day (replaces that day's)",
                             "incubation", ref("IndicatorValueRecorded"), status=201,
                             also={200: "That day's value was replaced."}, parameters=(project, P["indicator_id"]),
                             body="IndicatorValueBody", errors=WRITE),
        },
        "/projects/{project_id}/reviews": {
            "get": endpoint("list_reviews", "Decided phase reviews, latest first, and the next one", "incubation",
                            page_of(ref("Review"), state=TEXT, phase=nullable(TEXT),
                                    next_review_due_at=nullable(DATETIME), clock_stopped_at=nullable(DATETIME),
                                    review_events=array(TEXT)),
                            parameters=(project,), listing=True),
            "post": endpoint("decide_review", "Decide a phase review (per the workflow)", "incubation",
                             ref("ReviewDecided"), status=201, parameters=(project,), body="ReviewDecision",
                             errors=(403, 409)),
        },
        "/projects/{project_id}/summary": {"get": endpoint(
            "get_evidence_summary", "The evidence a review looks at", "incubation", ref("EvidenceSummary"),
            parameters=(project,))},
        "/notifications": {"get": endpoint(
            "list_notifications", "The caller's notifications, newest first", "notifications",
            page_of(ref("Notification"), unread=COUNT), listing=True,
            parameters=(query("unread", enum(("true", "false")), "Only the unread ones, or only the read ones."),
                        LANG))},
        "/notifications/read": {"post": endpoint(
            "read_notifications", "Mark the caller's notifications read", "notifications",
            ref("NotificationsRead"), body="ReadNotifications")},
    }


def document() -> dict:
    v = Vocabulary()
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Incubateur API",
            "version": "1",
            "description": (
                "The programme's data: calls, projects and their workflow, the jury day, the incubation "
                "ledger, the funnel. Every call but this document's carries `Authorization: Bearer TOKEN` "
                "(`incubator users token EMAIL`). Errors are JSON `{\"error\", \"message\", ...}`. Lists "
                "answer `{\"items\", \"page\", \"per_page\", \"total\", \"pages\"}`. Times are ISO-8601; a "
                "time without an offset is taken as Paris time."),
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "tags": [{"name": name} for name in ("meta", "workflows", "calls", "projects", "funnel", "jury",
                                             "incubation", "notifications")],
        "paths": paths(v),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A token from `incubator users token EMAIL`."}},
            "schemas": {**schemas(v), **bodies(v)},
            "responses": {name: {"description": text, "content": json_content(ref("Error"))}
                          for name, text in ERRORS.values()},
        },
    }


@bp.route("/openapi.json")
def openapi():
    return jsonify(document())
