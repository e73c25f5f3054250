"""Jury day: sessions, jurors (appointed or drawn), conflicts, the grid, scores, decisions.

Every function flushes and never commits. Decisions go through the workflow engine.
"""

from __future__ import annotations

import hashlib
import secrets
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..clock import utcnow
from ..errors import Conflict as ConflictError
from ..errors import DomainError, InvalidData
from ..extensions import db
from ..models import Call, Project, ProjectMember, User, UserRole
from ..workflows import NotPermitted, fire, get_definition
from .models import Conflict, Criterion, Juror, JuryDraw, PitchSession, PitchSlot, Score, ScoreSheet

# A spread (max - min of the jurors' weighted scores) at or above this share of the scale is
# flagged as strong disagreement.
DISAGREEMENT_SHARE = 0.5


def default_criteria() -> list[dict]:
    """Nantes' three criteria, scored 1 to 5 with equal weights."""
    return [
        {"name": _("Relevance to users' needs"),
         "description": _("Does the project answer a real need of the people it serves?")},
        {"name": _("Efficiency and frugality"),
         "description": _("Does it do much with little: time, money, tools?")},
        {"name": _("Agents' wellbeing"),
         "description": _("Does it make the agents' work better?")},
    ]


def ensure_criteria(call: Call) -> list[Criterion]:
    criteria = db.session.scalars(
        select(Criterion).where(Criterion.call_id == call.id).order_by(Criterion.position, Criterion.id)
    ).all()
    if criteria:
        return list(criteria)
    criteria = [Criterion(call_id=call.id, position=i, **c) for i, c in enumerate(default_criteria())]
    db.session.add_all(criteria)
    db.session.flush()
    return criteria


def save_criteria(call: Call, rows: list[dict]) -> list[Criterion]:
    """Replace the grid; refused once any score exists on the call's grid."""
    used = db.session.scalar(
        select(func.count(Score.id)).join(Criterion).where(Criterion.call_id == call.id))
    if used:
        raise ConflictError(_("Scores exist already: the grid can no longer change."))
    errors = {}
    for i, row in enumerate(rows):
        if not (row.get("name") or "").strip():
            errors[f"criteria-{i}-name"] = _("A name is required.")
        numbers = {key: _whole_number(row.get(key) or 0) for key in ("weight", "scale_min", "scale_max")}
        for key, value in numbers.items():
            if value is None:
                errors[f"criteria-{i}-{key}"] = _("A whole number is expected.")
        if numbers["weight"] is not None and numbers["weight"] <= 0:
            errors[f"criteria-{i}-weight"] = _("The weight must be positive.")
        if None not in (numbers["scale_min"], numbers["scale_max"]) and numbers["scale_max"] <= numbers["scale_min"]:
            errors[f"criteria-{i}-scale_max"] = _("The top of the scale must be above its bottom.")
    if not rows:
        errors["criteria"] = _("The grid needs at least one criterion.")
    if errors:
        raise InvalidData(errors)
    for old in db.session.scalars(select(Criterion).where(Criterion.call_id == call.id)):
        db.session.delete(old)
    db.session.flush()
    criteria = [Criterion(call_id=call.id, position=i, name=r["name"].strip(),
                          description=(r.get("description") or "").strip(),
                          weight=_whole_number(r.get("weight") or 0), scale_min=_whole_number(r.get("scale_min") or 0),
                          scale_max=_whole_number(r.get("scale_max") or 0))
                for i, r in enumerate(rows)]
    db.session.add_all(criteria)
    db.session.flush()
    return criteria


def eligible_projects(call: Call) -> list[Project]:
    """The call's projects waiting for the jury (in a state the jury's decisions leave)."""
    states = get_definition(call.workflow).pitch_states()
    return list(db.session.scalars(
        select(Project).where(Project.call_id == call.id, Project.state.in_(states)).order_by(Project.title)
    ))


def create_session(call: Call, *, title: str, starts_at: datetime | None, place: str = "",
                   coaching_at: datetime | None = None, coaching_place: str = "", minutes_per_pitch: int = 15,
                   share_scores: bool = False, project_ids: list[int] = ()) -> PitchSession:
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("A title is required.")
    if starts_at is None:
        errors["starts_at"] = _("A date and time is required.")
    if coaching_at and starts_at and coaching_at > starts_at:
        errors["coaching_at"] = _("The coaching comes before the pitches.")
    if not minutes_per_pitch or minutes_per_pitch <= 0:
        errors["minutes_per_pitch"] = _("The length of a pitch must be positive.")
    if errors:
        raise InvalidData(errors)
    session = PitchSession(call=call, title=title.strip(), starts_at=starts_at, place=place or "",
                           coaching_at=coaching_at, coaching_place=coaching_place or "",
                           minutes_per_pitch=minutes_per_pitch, share_scores=share_scores)
    db.session.add(session)
    ensure_criteria(call)
    set_running_order(session, list(project_ids))
    db.session.flush()
    return session


def update_session(session: PitchSession, *, title: str, starts_at: datetime | None, place: str = "",
                   coaching_at: datetime | None = None, coaching_place: str = "", minutes_per_pitch: int = 15,
                   share_scores: bool = False) -> PitchSession:
    """Change a session's details (not its running order nor its jury); refused once closed."""
    _open_or_refuse(session)
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("A title is required.")
    if starts_at is None:
        errors["starts_at"] = _("A date and time is required.")
    if coaching_at and starts_at and coaching_at > starts_at:
        errors["coaching_at"] = _("The coaching comes before the pitches.")
    if not minutes_per_pitch or minutes_per_pitch <= 0:
        errors["minutes_per_pitch"] = _("The length of a pitch must be positive.")
    if errors:
        raise InvalidData(errors)
    session.title = title.strip()
    session.starts_at = starts_at
    session.place = place or ""
    session.coaching_at = coaching_at
    session.coaching_place = coaching_place or ""
    session.minutes_per_pitch = minutes_per_pitch
    session.share_scores = share_scores
    db.session.flush()
    return session


def set_running_order(session: PitchSession, project_ids: list[int]) -> None:
    """The projects taking part, in pitching order; decided ones keep their place."""
    _open_or_refuse(session)
    eligible = {p.id for p in eligible_projects(session.call)}
    current = {slot.project_id: slot for slot in session.slots}
    unknown = [pid for pid in project_ids if pid not in eligible and pid not in current]
    if unknown:
        raise InvalidData({"projects": _("Only the call's projects awaiting the jury can pitch.")})
    # A juror (appointed or drawn before the order was set) never judges their own team's project.
    added = [pid for pid in project_ids if pid not in current]
    sitting = {j.user_id: j for j in session.jurors}
    if added and sitting:
        on_team = db.session.scalars(select(ProjectMember.user_id).where(
            ProjectMember.project_id.in_(added), ProjectMember.user_id.in_(sitting))).first()
        if on_team is not None:
            raise InvalidData({"projects": _("%(name)s is on a team pitching to this jury.",
                                             name=sitting[on_team].user.display_name)})
    for pid, slot in list(current.items()):
        if pid not in project_ids and slot.decision is None:
            session.slots.remove(slot)
    for position, pid in enumerate(dict.fromkeys(project_ids)):
        slot = current.get(pid)
        if slot is None:
            slot = PitchSlot(project_id=pid)
            session.slots.append(slot)
        slot.position = position
    db.session.flush()


def appoint_juror(session: PitchSession, user: User, *, chair: bool = False) -> Juror:
    """Management and elected officials sit by appointment, with their title."""
    _open_or_refuse(session)
    if not user.has_role("jury"):
        raise InvalidData({"user": _("%(name)s is not a jury member (management or elected official).",
                                     name=user.display_name)})
    juror = _add_juror(session, user, kind="appointed")
    if chair:
        set_chair(session, juror)
    return juror


def _add_juror(session: PitchSession, user: User, *, kind: str, draw: JuryDraw | None = None,
               replaces: Juror | None = None) -> Juror:
    if any(j.user_id == user.id for j in session.jurors):
        raise InvalidData({"user": _("%(name)s already sits on this jury.", name=user.display_name)})
    team_ids = _candidate_user_ids(session)
    if user.id in team_ids:
        raise InvalidData({"user": _("%(name)s is on a team pitching to this jury.", name=user.display_name)})
    juror = Juror(user=user, kind=kind, title=user.title, draw=draw, replaces=replaces)
    session.jurors.append(juror)
    db.session.flush()
    return juror


def set_chair(session: PitchSession, juror: Juror) -> None:
    _open_or_refuse(session)
    for j in session.jurors:
        j.is_chair = j is juror
    db.session.flush()


def _candidate_user_ids(session: PitchSession) -> set[int]:
    project_ids = [s.project_id for s in session.slots]
    if not project_ids:
        return set()
    return set(db.session.scalars(
        select(ProjectMember.user_id).where(ProjectMember.project_id.in_(project_ids))))


def eligible_pool(session: PitchSession) -> tuple[list[int], dict[str, str]]:
    """Agents who may be drawn: active, not on a pitching team, not of a pitching team's service,
    not already on the jury. Returns the sorted pool and why each other agent was left out."""
    project_ids = [s.project_id for s in session.slots]
    teams = db.session.execute(
        select(ProjectMember.user_id, User.service, Project.service)
        .join(User, User.id == ProjectMember.user_id)
        .join(Project, Project.id == ProjectMember.project_id)
        .where(ProjectMember.project_id.in_(project_ids))
    ).all() if project_ids else []
    team_ids = {row[0] for row in teams}
    services = {s.strip().lower() for row in teams for s in row[1:] if s and s.strip()}
    sitting = {j.user_id for j in session.jurors}
    agents = db.session.execute(
        select(User.id, User.service).join(UserRole).where(UserRole.role == "agent", User.is_active_account)
    ).all()
    pool, excluded = [], {}
    for user_id, service in agents:
        if user_id in team_ids:
            excluded[str(user_id)] = "team"
        elif service and service.strip().lower() in services:
            excluded[str(user_id)] = "service"
        elif user_id in sitting:
            excluded[str(user_id)] = "sitting"
        else:
            pool.append(user_id)
    return sorted(pool), excluded


def draw_order(pool: list[int], seed: str) -> list[int]:
    """The pool in drawing order: by SHA-256 of "seed:user_id". Anyone can recompute it."""
    return sorted(pool, key=lambda uid: hashlib.sha256(f"{seed}:{uid}".encode()).hexdigest())


def draw_jurors(session: PitchSession, size: int, actor: User | None, *, seed: str | None = None,
                purpose: str = "jury", replaces: Juror | None = None, at: datetime | None = None) -> JuryDraw:
    """Draw `size` agents at random from the eligible pool, recording pool, seed and time."""
    _open_or_refuse(session)
    if size <= 0:
        raise InvalidData({"size": _("Draw at least one juror.")})
    pool, excluded = eligible_pool(session)
    if len(pool) < size:
        raise InvalidData({"size": _("Only %(n)d agents can be drawn.", n=len(pool))})
    seed = seed or secrets.token_hex(8)
    drawn = draw_order(pool, seed)[:size]
    draw = JuryDraw(session=session, seed=seed, pool=pool, excluded=excluded, size=size, drawn=drawn,
                    purpose=purpose, drawn_at=at or utcnow(), drawn_by_id=actor.id if actor else None)
    db.session.add(draw)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(drawn)))}
    for uid in drawn:
        _add_juror(session, users[uid], kind="replacement" if replaces else "drawn", draw=draw,
                   replaces=replaces)
    db.session.flush()
    return draw


def rerun_draw(draw: JuryDraw) -> list[int]:
    """What the recorded draw gives when played again from its pool and seed."""
    return draw_order(list(draw.pool), draw.seed)[:draw.size]


def mark_absent(juror: Juror, note: str = "") -> None:
    _open_or_refuse(juror.session)
    juror.absent = True
    juror.absence_note = (note or "").strip()
    if juror.is_chair:
        juror.is_chair = False
    db.session.flush()


def mark_present(juror: Juror) -> None:
    _open_or_refuse(juror.session)
    juror.absent = False
    juror.absence_note = ""
    db.session.flush()


def replace_juror(juror: Juror, actor: User | None, *, user: User | None = None) -> Juror:
    """An absent juror's replacement: a named person, or a new draw when the juror was drawn."""
    _open_or_refuse(juror.session)
    if not juror.absent:
        mark_absent(juror)
    if user is not None:
        if juror.kind == "appointed" and not user.has_role("jury"):
            raise InvalidData({"user": _("%(name)s is not a jury member (management or elected official).",
                                         name=user.display_name)})
        return _add_juror(juror.session, user, kind="replacement", replaces=juror)
    draw = draw_jurors(juror.session, 1, actor, purpose="replacement", replaces=juror)
    return next(j for j in juror.session.jurors if j.draw is draw)


def declare_conflict(juror: Juror, project: Project, reason: str) -> Conflict:
    _open_or_refuse(juror.session)
    if not (reason or "").strip():
        raise InvalidData({"reason": _("Say why: the minutes record it.")})
    if project.id not in {s.project_id for s in juror.session.slots}:
        raise InvalidData({"project": _("This project does not pitch at this session.")})
    if any(c.project_id == project.id for c in juror.conflicts):
        raise InvalidData({"project": _("A conflict of interest is already declared for this project.")})
    sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.juror_id == juror.id,
                                                       ScoreSheet.project_id == project.id))
    if sheet is not None:
        db.session.delete(sheet)  # a recused juror's score never counts
    conflict = Conflict(juror=juror, project=project, reason=reason.strip())
    db.session.add(conflict)
    db.session.flush()
    return conflict


def save_scores(juror: Juror, project: Project, values: dict[int, int | None], *, comment: str = "",
                submit: bool = False) -> ScoreSheet:
    """Record a juror's scores for a project; `submit` makes the sheet count (and reveals the others')."""
    session = juror.session
    if session.is_closed:
        raise ConflictError(_("The deliberation is closed: scores can no longer change."))
    if juror.absent:
        raise NotPermitted(_("An absent juror does not score."))
    if project.id not in {s.project_id for s in session.slots}:
        raise InvalidData({"project": _("This project does not pitch at this session.")})
    if any(c.project_id == project.id for c in juror.conflicts):
        raise NotPermitted(_("You declared a conflict of interest for this project: you do not score it."))
    criteria = ensure_criteria(session.call)
    errors = {}
    clean: dict[int, int] = {}
    for criterion in criteria:
        raw = values.get(criterion.id)
        if raw in (None, ""):
            if submit:
                errors[f"criterion-{criterion.id}"] = _("Give a score to submit.")
            continue
        value = _whole_number(raw)
        if value is None:
            errors[f"criterion-{criterion.id}"] = _("A whole number is expected.")
            continue
        if not criterion.scale_min <= value <= criterion.scale_max:
            errors[f"criterion-{criterion.id}"] = _("Between %(low)d and %(high)d.", low=criterion.scale_min,
                                                    high=criterion.scale_max)
            continue
        clean[criterion.id] = value
    unknown = set(values) - {c.id for c in criteria}
    if unknown:
        errors["scores"] = _("Unknown criterion.")
    if errors:
        raise InvalidData(errors)
    sheet = db.session.scalar(
        select(ScoreSheet).where(ScoreSheet.juror_id == juror.id, ScoreSheet.project_id == project.id)
        .options(selectinload(ScoreSheet.scores)))
    if sheet is None:
        sheet = ScoreSheet(juror=juror, project=project)
        db.session.add(sheet)
    by_criterion = {s.criterion_id: s for s in sheet.scores}
    for criterion_id, value in clean.items():
        if criterion_id in by_criterion:
            by_criterion[criterion_id].value = value
        else:
            sheet.scores.append(Score(criterion_id=criterion_id, value=value))
    sheet.comment = (comment or "").strip()
    if submit:
        sheet.submitted_at = sheet.submitted_at or utcnow()
    db.session.flush()
    return sheet


def juror_for(session: PitchSession, user) -> Juror | None:
    return next((j for j in session.jurors if j.user_id == getattr(user, "id", None)), None)


def may_see_scores(session: PitchSession, user, project_id: int, submitted: set[tuple[int, int]]) -> bool:
    """Staff see every score; a juror sees the others' only once their own sheet is in.

    A juror recused from a project never submits for it, so never sees its scores: a conflict of
    interest is a reason to stay out of that project's deliberation, not a pass to read it.
    """
    if user.has_role("staff", "admin"):
        return True
    juror = juror_for(session, user)
    if juror is None:
        return False
    if any(c.project_id == project_id for c in juror.conflicts):
        return False
    return (juror.id, project_id) in submitted


@dataclass
class BoardRow:
    slot: PitchSlot
    sheets: int = 0  # submitted score sheets
    expected: int = 0  # present, non-recused jurors
    mean: float | None = None  # mean of the jurors' weighted scores
    spread: float | None = None  # max - min of the jurors' weighted scores
    stdev: float | None = None
    criterion_means: dict[int, float] = field(default_factory=dict)
    recusals: list[Conflict] = field(default_factory=list)
    missing: list[Juror] = field(default_factory=list)
    rank: int | None = None
    disagreement: bool = False
    visible: bool = True


def scoreboard(session: PitchSession, viewer) -> tuple[list[BoardRow], list[Criterion]]:
    """Per project: weighted mean, spread, count, per-criterion means, rank; a bounded number of queries."""
    criteria = ensure_criteria(session.call)
    jurors = session.jurors
    present = [j for j in jurors if not j.absent]
    conflicts = db.session.scalars(
        select(Conflict).join(Juror).where(Juror.session_id == session.id)).all()
    recused = {(c.juror_id, c.project_id) for c in conflicts}
    submitted_rows = db.session.execute(
        select(ScoreSheet.juror_id, ScoreSheet.project_id).join(Juror)
        .where(Juror.session_id == session.id, ScoreSheet.submitted_at.is_not(None))
    ).all()
    submitted = {(r[0], r[1]) for r in submitted_rows}
    # One row per submitted sheet: its weighted score, computed in SQL.
    weighted = db.session.execute(
        select(ScoreSheet.project_id, ScoreSheet.juror_id,
               (func.sum(Score.value * Criterion.weight) * 1.0 / func.sum(Criterion.weight)).label("w"))
        .join(Score, Score.sheet_id == ScoreSheet.id).join(Criterion, Criterion.id == Score.criterion_id)
        .join(Juror, Juror.id == ScoreSheet.juror_id)
        .where(Juror.session_id == session.id, ScoreSheet.submitted_at.is_not(None), Juror.absent.is_(False))
        .group_by(ScoreSheet.project_id, ScoreSheet.juror_id)
    ).all()
    per_criterion = db.session.execute(
        select(ScoreSheet.project_id, Score.criterion_id, func.avg(Score.value))
        .join(Score, Score.sheet_id == ScoreSheet.id).join(Juror, Juror.id == ScoreSheet.juror_id)
        .where(Juror.session_id == session.id, ScoreSheet.submitted_at.is_not(None), Juror.absent.is_(False))
        .group_by(ScoreSheet.project_id, Score.criterion_id)
    ).all()
    scale = max((c.scale_max - c.scale_min for c in criteria), default=4)
    # Grouped by project once, so building the rows stays linear in the number of sheets.
    values_by_project: dict[int, list[float]] = defaultdict(list)
    for pid, _jid, w in weighted:
        values_by_project[pid].append(float(w))
    means_by_project: dict[int, dict[int, float]] = defaultdict(dict)
    for pid, cid, avg in per_criterion:
        means_by_project[pid][cid] = float(avg)
    conflicts_by_project: dict[int, list[Conflict]] = defaultdict(list)
    for c in conflicts:
        conflicts_by_project[c.project_id].append(c)
    rows = []
    for slot in session.slots:
        row = BoardRow(slot=slot)
        row.recusals = conflicts_by_project[slot.project_id]
        expected = [j for j in present if (j.id, slot.project_id) not in recused]
        row.expected = len(expected)
        row.missing = [j for j in expected if (j.id, slot.project_id) not in submitted]
        values = values_by_project[slot.project_id]
        row.sheets = len(values)
        row.visible = may_see_scores(session, viewer, slot.project_id, submitted)
        if values and row.visible:
            row.mean = statistics.fmean(values)
            row.spread = max(values) - min(values)
            row.stdev = statistics.pstdev(values) if len(values) > 1 else 0.0
            row.disagreement = len(values) > 1 and row.spread >= DISAGREEMENT_SHARE * scale
            row.criterion_means = means_by_project[slot.project_id]
        rows.append(row)
    # Competition ranking: equal means share a rank (1, 1, 3); rounding absorbs float noise.
    ranked = sorted((r for r in rows if r.mean is not None), key=lambda r: -r.mean)
    for position, row in enumerate(ranked, start=1):
        previous = ranked[position - 2] if position > 1 else None
        tied = previous is not None and round(previous.mean, 9) == round(row.mean, 9)
        row.rank = previous.rank if tied else position
    return rows, criteria


def missing_scores(session: PitchSession, project_id: int) -> list[Juror]:
    submitted = set(db.session.scalars(
        select(ScoreSheet.juror_id).join(Juror)
        .where(Juror.session_id == session.id, ScoreSheet.project_id == project_id,
               ScoreSheet.submitted_at.is_not(None))))
    recused = set(db.session.scalars(
        select(Conflict.juror_id).join(Juror)
        .where(Juror.session_id == session.id, Conflict.project_id == project_id)))
    return [j for j in session.jurors if not j.absent and j.id not in recused and j.id not in submitted]


def decide(session: PitchSession, project: Project, actor: User, event: str, rationale: str, *,
           override_reason: str = "", at: datetime | None = None) -> PitchSlot:
    """The jury's decision on one project: fires the workflow, records rationale and any override."""
    _open_or_refuse(session)
    slot = next((s for s in session.slots if s.project_id == project.id), None)
    if slot is None:
        raise InvalidData({"project": _("This project does not pitch at this session.")})
    definition = get_definition(project.workflow)
    if event not in {e.name for e in definition.jury_decisions()}:
        raise InvalidData({"event": _("Not a decision of the jury.")})
    juror = juror_for(session, actor)
    if juror is not None and any(c.project_id == project.id for c in juror.conflicts):
        juror = None  # recused from this project: they take no part in its decision
    chair = juror is not None and juror.is_chair and not juror.absent
    if not (chair or actor.has_role("staff")):
        raise NotPermitted(_("Only the chair of the jury or the programme team records decisions."))
    if not (rationale or "").strip():
        raise InvalidData({"rationale": _("Give the rationale: the team reads it.")})
    missing = missing_scores(session, project.id)
    override_reason = (override_reason or "").strip()
    if missing and not override_reason:
        raise DomainError(
            _("%(n)d juror(s) present have not scored this project yet: %(names)s. The chair may decide "
              "anyway with a written reason.", n=len(missing),
              names=", ".join(j.user.display_name for j in missing)),
            missing=[j.user.email for j in missing])
    if missing and not chair:
        raise NotPermitted(_("Only the chair may decide before every juror has scored."))
    extra = frozenset({"jury"}) if juror is not None and not juror.absent else frozenset()
    at = at or utcnow()
    comment = rationale.strip()
    if missing:
        comment += "\n\n" + _("Decided by the chair before every juror had scored: %(reason)s",
                              reason=override_reason)
    fire(project, event, actor, comment, at=at, extra_roles=extra)
    slot.decision = event
    slot.rationale = rationale.strip()
    slot.override_reason = override_reason if missing else ""
    slot.decided_at = at
    slot.decided_by_id = actor.id
    db.session.flush()
    return slot


def save_deliberation_notes(session: PitchSession, actor: User, notes: str) -> None:
    """The deliberation's notes, kept as they are typed; refused once the deliberation is closed."""
    juror = juror_for(session, actor)
    if not ((juror is not None and juror.is_chair and not juror.absent) or actor.has_role("staff")):
        raise NotPermitted(_("Only the chair of the jury or the programme team keeps the deliberation's notes."))
    _open_or_refuse(session)
    session.deliberation_notes = (notes or "").strip()
    db.session.flush()


def close_deliberation(session: PitchSession, actor: User, notes: str | None = None,
                       at: datetime | None = None) -> None:
    juror = juror_for(session, actor)
    if not ((juror is not None and juror.is_chair and not juror.absent) or actor.has_role("staff")):
        raise NotPermitted(_("Only the chair of the jury or the programme team closes the deliberation."))
    _open_or_refuse(session)
    if notes is not None:
        session.deliberation_notes = notes
    session.closed_at = at or utcnow()
    session.closed_by_id = actor.id
    db.session.flush()


def _whole_number(raw) -> int | None:
    """An int from a form or JSON value; None for text, booleans and fractions (never truncated)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    if isinstance(raw, int):
        return raw
    try:
        return int(str(raw).strip())
    except ValueError:
        return None


def _open_or_refuse(session: PitchSession) -> None:
    if session.is_closed:
        raise ConflictError(_("The deliberation is closed: this session can no longer change."))
