"""API v1 endpoints of the jury day: sessions, the grid, scores, conflicts, the scoreboard, decisions; and
a project's pitches with the scores the caller may read."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from flask import g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from ..errors import InvalidData
from ..extensions import db
from ..jury import operations as jury
from ..jury.models import Criterion, Juror, JuryDraw, PitchSession, PitchSlot, Score, ScoreSheet
from ..models import Project
from ..policy import can_manage_sessions, can_view_session, is_chair
from . import bp
from .views import ApiError, body, is_id, iso, load_call, load_project, paginate, paginate_list, whole_arg

# How anyone re-runs a recorded draw with nothing but the pool and the seed.
DRAW_METHOD = "pool sorted by sha256(f'{seed}:{user_id}').hexdigest(), the first `size` drawn"


# --- loading and checking -------------------------------------------------------------------------------

def load_session(session_id: int) -> PitchSession:
    """The session with what every endpoint here reads, in a fixed number of queries; 404 unless the
    caller is on the programme team or sits on its jury."""
    session = db.session.scalar(
        select(PitchSession).where(PitchSession.id == session_id).options(
            selectinload(PitchSession.call),
            selectinload(PitchSession.slots).selectinload(PitchSlot.project),
            selectinload(PitchSession.jurors).selectinload(Juror.user),
            selectinload(PitchSession.jurors).selectinload(Juror.conflicts),
            selectinload(PitchSession.draws).selectinload(JuryDraw.drawn_by),
        )
    )
    if session is None or not can_view_session(g.api_user, session):
        raise ApiError(404, "not_found", _("This page does not exist, or you may not see it."))
    return session


def own_juror(session: PitchSession) -> Juror:
    juror = jury.juror_for(session, g.api_user)
    if juror is None:
        raise ApiError(403, "forbidden", _("You may not do this."))
    return juror


def body_project(data: dict) -> Project:
    project_id = data.get("project_id")
    if not isinstance(project_id, int) or isinstance(project_id, bool):
        raise InvalidData({"project_id": _("Required.")})
    project = db.session.get(Project, project_id) if is_id(project_id) else None
    if project is None:
        raise InvalidData({"project_id": _("This project does not pitch at this session.")})
    return project


def body_text(data: dict, key: str, errors: dict, *, default: str | None = "") -> str | None:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        errors[key] = _("Text expected.")
        return default
    return value


@contextmanager
def body_fields():
    """The operations name fields as the forms do; the API names them after the JSON body's keys."""
    try:
        yield
    except InvalidData as exc:
        fields = {}
        for key, message in exc.fields.items():
            if key == "project":
                key = "project_id"
            elif key.startswith("criterion-"):
                key = "scores." + key.removeprefix("criterion-")
            fields[key] = message
        raise InvalidData(fields, exc.message) from None


# --- shapes ---------------------------------------------------------------------------------------------

def session_summary(session: PitchSession) -> dict:
    return {
        "id": session.id, "call_id": session.call_id, "title": session.title,
        "starts_at": iso(session.starts_at), "place": session.place,
        "coaching": {"at": iso(session.coaching_at), "place": session.coaching_place},
        "minutes_per_pitch": session.minutes_per_pitch, "share_scores": session.share_scores,
        "closed_at": iso(session.closed_at),
    }


def juror_json(juror: Juror) -> dict:
    return {
        "id": juror.id, "user_id": juror.user_id, "email": juror.user.email, "name": juror.user.display_name,
        "title": juror.title, "kind": juror.kind, "chair": juror.is_chair, "absent": juror.absent,
        "absence_note": juror.absence_note,
        "replaces": juror.replaces.user.email if juror.replaces else None,
        "replaces_id": juror.replaces_id, "draw_id": juror.draw_id,
    }


def draw_json(draw: JuryDraw) -> dict:
    again = jury.rerun_draw(draw)
    return {
        "id": draw.id, "purpose": draw.purpose, "seed": draw.seed, "pool": list(draw.pool),
        "excluded": dict(draw.excluded or {}), "size": draw.size, "drawn": list(draw.drawn),
        "drawn_at": iso(draw.drawn_at), "drawn_by": draw.drawn_by.email if draw.drawn_by else None,
        "method": DRAW_METHOD, "rerun": {"drawn": again, "matches": again == list(draw.drawn)},
    }


def session_json(session: PitchSession) -> dict:
    slots = []
    for index, slot in enumerate(session.slots):
        slots.append({
            "position": index + 1, "project_id": slot.project_id, "title": slot.project.title,
            "state": slot.project.state,
            "planned_at": iso(session.starts_at + timedelta(minutes=index * session.minutes_per_pitch)),
            "decision": slot.decision, "rationale": slot.rationale, "override_reason": slot.override_reason,
            "decided_at": iso(slot.decided_at),
        })
    return {
        **session_summary(session),
        "workflow": session.call.workflow, "deliberation_notes": session.deliberation_notes,
        "running_order": slots,
        "jurors": [juror_json(j) for j in session.jurors],
        "draws": [draw_json(d) for d in session.draws],
        "conflicts": [
            {"juror": j.user.email, "juror_id": j.id, "project_id": c.project_id, "reason": c.reason,
             "declared_at": iso(c.declared_at)}
            for j in session.jurors for c in j.conflicts
        ],
    }


def criterion_json(criterion: Criterion) -> dict:
    return {"id": criterion.id, "position": criterion.position, "name": criterion.name,
            "description": criterion.description, "weight": criterion.weight,
            "scale_min": criterion.scale_min, "scale_max": criterion.scale_max}


def sheet_json(sheet: ScoreSheet) -> dict:
    return {
        "id": sheet.id, "project_id": sheet.project_id, "juror": sheet.juror.user.email,
        "juror_id": sheet.juror_id, "scores": {str(s.criterion_id): s.value for s in sheet.scores},
        "comment": sheet.comment, "submitted": sheet.submitted_at is not None,
        "submitted_at": iso(sheet.submitted_at), "updated_at": iso(sheet.updated_at),
    }


def mean(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def board_row_json(row: jury.BoardRow) -> dict:
    slot = row.slot
    return {
        "project_id": slot.project_id, "title": slot.project.title, "state": slot.project.state,
        "rank": row.rank, "mean": mean(row.mean), "spread": mean(row.spread), "stdev": mean(row.stdev),
        "sheets": row.sheets, "expected": row.expected,
        "criterion_means": {str(cid): mean(value) for cid, value in row.criterion_means.items()},
        "disagreement": row.disagreement,
        "recusals": [{"juror": c.juror.user.email, "reason": c.reason} for c in row.recusals],
        "missing": [j.user.email for j in row.missing],
        "visible": row.visible, "decision": slot.decision,
    }


# --- endpoints ------------------------------------------------------------------------------------------

@bp.route("/calls/<int:call_id>/sessions")
def call_sessions(call_id: int):
    load_call(call_id)
    stmt = select(PitchSession).where(PitchSession.call_id == call_id)
    if not can_manage_sessions(g.api_user):
        stmt = stmt.where(exists().where(Juror.session_id == PitchSession.id, Juror.user_id == g.api_user.id))
    return paginate(stmt.order_by(PitchSession.starts_at, PitchSession.id), session_summary)


@bp.route("/calls/<int:call_id>/criteria")
def call_criteria(call_id: int):
    """The call's scoring grid; the defaults (without ids) until a session stores them."""
    call = load_call(call_id)
    criteria = db.session.scalars(
        select(Criterion).where(Criterion.call_id == call.id).order_by(Criterion.position, Criterion.id)).all()
    if criteria:
        items = [criterion_json(c) for c in criteria]
    else:
        items = [{"id": None, "position": i, "weight": 1, "scale_min": 1, "scale_max": 5, **c}
                 for i, c in enumerate(jury.default_criteria())]
    return paginate_list(items, call_id=call.id, default=not criteria)


@bp.route("/sessions/<int:session_id>")
def session_details(session_id: int):
    return jsonify(session_json(load_session(session_id)))


@bp.route("/sessions/<int:session_id>/scores", methods=["POST"])
def save_scores(session_id: int):
    session = load_session(session_id)
    juror = own_juror(session)
    data = body()
    errors: dict[str, str] = {}
    comment = body_text(data, "comment", errors)
    submit = data.get("submit", False)
    if not isinstance(submit, bool):
        errors["submit"] = _("Some fields are not valid.")
    raw = data.get("scores")
    values: dict[int, object] = {}
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        errors["scores"] = _("Some fields are not valid.")
    else:
        for key, value in raw.items():
            if not str(key).isdigit():
                errors[f"scores.{key}"] = _("Unknown criterion.")
                continue
            values[int(key)] = value
    project = body_project(data)
    if errors:
        raise InvalidData(errors)
    with body_fields():
        sheet = jury.save_scores(juror, project, values, comment=comment, submit=submit)
    return jsonify(sheet_json(sheet))


@bp.route("/sessions/<int:session_id>/scores")
def scores(session_id: int):
    """The caller's own sheets, and the other jurors' submitted sheets where the caller may see them."""
    session = load_session(session_id)
    user = g.api_user
    juror = jury.juror_for(session, user)
    submitted = {(juror_id, project_id) for juror_id, project_id in db.session.execute(
        select(ScoreSheet.juror_id, ScoreSheet.project_id).join(Juror)
        .where(Juror.session_id == session.id, ScoreSheet.submitted_at.is_not(None)))}
    visible = [s.project_id for s in session.slots if jury.may_see_scores(session, user, s.project_id, submitted)]
    shown = and_(ScoreSheet.submitted_at.is_not(None), ScoreSheet.project_id.in_(visible))
    if juror is not None:
        shown = or_(ScoreSheet.juror_id == juror.id, shown)
    stmt = (select(ScoreSheet).join(Juror).where(Juror.session_id == session.id, shown)
            .options(selectinload(ScoreSheet.scores), selectinload(ScoreSheet.juror).selectinload(Juror.user))
            .order_by(ScoreSheet.project_id, ScoreSheet.juror_id))
    project_id = whole_arg("project_id")
    if project_id is not None:
        stmt = stmt.where(ScoreSheet.project_id == project_id)
    return paginate(stmt, sheet_json)


@bp.route("/sessions/<int:session_id>/conflicts", methods=["POST"])
def declare_conflict(session_id: int):
    session = load_session(session_id)
    juror = own_juror(session)
    data = body()
    errors: dict[str, str] = {}
    reason = body_text(data, "reason", errors)
    project = body_project(data)
    if errors:
        raise InvalidData(errors)
    with body_fields():
        conflict = jury.declare_conflict(juror, project, reason)
    return jsonify({"id": conflict.id, "juror": juror.user.email, "juror_id": juror.id,
                    "project_id": conflict.project_id, "reason": conflict.reason,
                    "declared_at": iso(conflict.declared_at)}), 201


@bp.route("/sessions/<int:session_id>/scoreboard")
def scoreboard(session_id: int):
    session = load_session(session_id)
    if not (can_manage_sessions(g.api_user) or is_chair(g.api_user, session)):
        raise ApiError(403, "forbidden", _("You may not do this."))
    rows, criteria = jury.scoreboard(session, g.api_user)
    return paginate_list(rows, board_row_json, session_id=session.id, closed_at=iso(session.closed_at),
                         criteria=[criterion_json(c) for c in criteria])


@bp.route("/sessions/<int:session_id>/decisions", methods=["POST"])
def decide(session_id: int):
    session = load_session(session_id)
    data = body()
    errors: dict[str, str] = {}
    event = body_text(data, "event", errors)
    rationale = body_text(data, "rationale", errors)
    override_reason = body_text(data, "override_reason", errors)
    if not event:
        errors.setdefault("event", _("The event to fire is required."))
    project = body_project(data)
    if errors:
        raise InvalidData(errors)
    with body_fields():
        slot = jury.decide(session, project, g.api_user, event, rationale, override_reason=override_reason)
    return jsonify({
        "project_id": project.id, "state": project.state,
        "decision": {"event": slot.decision, "rationale": slot.rationale,
                     "override_reason": slot.override_reason, "decided_at": iso(slot.decided_at),
                     "decided_by": g.api_user.email},
    })


@bp.route("/sessions/<int:session_id>/close", methods=["POST"])
def close(session_id: int):
    session = load_session(session_id)
    data = body() if request.get_data() else {}
    errors: dict[str, str] = {}
    notes = body_text(data, "notes", errors, default=None)
    if errors:
        raise InvalidData(errors)
    jury.close_deliberation(session, g.api_user, notes)
    return jsonify(session_json(session))


# --- a project's pitches and scores ---------------------------------------------------------------------

def criterion_means(project: Project, sessions: list[PitchSession]) -> dict[int, list[dict]]:
    """Per closed session that shares them, the mean of the submitted scores per criterion (one query):
    what the project's page shows its team."""
    shared = [s.id for s in sessions if s.share_scores and s.is_closed]
    means: dict[int, list[dict]] = {}
    if not shared:
        return means
    for session_id, criterion_id, name, scale_max, value in db.session.execute(
        select(Juror.session_id, Criterion.id, Criterion.name, Criterion.scale_max, func.avg(Score.value))
        .select_from(Score).join(ScoreSheet, ScoreSheet.id == Score.sheet_id)
        .join(Juror, Juror.id == ScoreSheet.juror_id).join(Criterion, Criterion.id == Score.criterion_id)
        .where(ScoreSheet.project_id == project.id, Juror.session_id.in_(shared),
               ScoreSheet.submitted_at.is_not(None), Juror.absent.is_(False))
        .group_by(Juror.session_id, Criterion.id, Criterion.name, Criterion.scale_max, Criterion.position)
        .order_by(Criterion.position, Criterion.id)
    ):
        means.setdefault(session_id, []).append(
            {"criterion_id": criterion_id, "name": name, "scale_max": scale_max, "mean": mean(float(value))})
    return means


def readable_sheets(project: Project, sessions: list[PitchSession]) -> dict[int, list[ScoreSheet]]:
    """Per session, the project's sheets the caller may read, by the rules of the session's scores: their
    own, and the others' submitted ones once the caller's is in (staff: every submitted sheet)."""
    user = g.api_user
    staff = can_manage_sessions(user)
    mine = {s.id: jury.juror_for(s, user) for s in sessions}
    if not staff and not any(mine.values()):
        return {}
    sheets = db.session.scalars(
        select(ScoreSheet).join(Juror)
        .where(ScoreSheet.project_id == project.id, Juror.session_id.in_([s.id for s in sessions]))
        .options(selectinload(ScoreSheet.scores), selectinload(ScoreSheet.juror).selectinload(Juror.user))
        .order_by(ScoreSheet.juror_id)).all()
    submitted = {(s.juror_id, s.project_id) for s in sheets if s.submitted_at is not None}
    by_session = {s.id: s for s in sessions}
    readable: dict[int, list[ScoreSheet]] = {}
    for sheet in sheets:
        session = by_session[sheet.juror.session_id]
        own = mine[session.id] is not None and sheet.juror_id == mine[session.id].id
        if own or (sheet.submitted_at is not None
                   and jury.may_see_scores(session, user, project.id, submitted)):
            readable.setdefault(session.id, []).append(sheet)
    return readable


@bp.route("/projects/<int:project_id>/scores")
def project_scores(project_id: int):
    """The sessions where the project pitches or pitched, first to last: the jury's decision and its
    reasons, the criterion averages once the session is closed and shares them (as on the project's page),
    and the score sheets the caller may read there."""
    project = load_project(project_id, history=False)
    stmt = (select(PitchSlot).join(PitchSlot.session).where(PitchSlot.project_id == project.id)
            .options(selectinload(PitchSlot.session).selectinload(PitchSession.jurors)
                     .selectinload(Juror.conflicts))
            .order_by(PitchSession.starts_at, PitchSession.id))

    def shape(slots: list[PitchSlot]) -> list[dict]:
        sessions = [slot.session for slot in slots]
        means = criterion_means(project, sessions)
        sheets = readable_sheets(project, sessions)
        return [{
            "session_id": slot.session_id, "title": slot.session.title,
            "starts_at": iso(slot.session.starts_at), "closed_at": iso(slot.session.closed_at),
            "decision": {"event": slot.decision, "rationale": slot.rationale,
                         "decided_at": iso(slot.decided_at)} if slot.decision else None,
            "criterion_means": means.get(slot.session_id, []),
            "sheets": [sheet_json(sheet) for sheet in sheets.get(slot.session_id, [])],
        } for slot in slots]

    return paginate(stmt, serialise_all=shape)
