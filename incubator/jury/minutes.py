"""The minutes (procès-verbal) of a pitch session: everything they show, gathered in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Call, Project, ProjectMember, User
from ..workflows import get_definition
from .models import Conflict, Criterion, Juror, JuryDraw, PitchSession, PitchSlot, ScoreSheet
from .operations import BoardRow, rerun_draw, scoreboard


def load_session(session_id: int) -> PitchSession | None:
    """The session with its call, programme, running order, teams, jury, conflicts and draws."""
    return db.session.scalar(
        select(PitchSession).where(PitchSession.id == session_id).options(
            selectinload(PitchSession.call).selectinload(Call.programme),
            selectinload(PitchSession.slots).selectinload(PitchSlot.project)
            .selectinload(Project.members).selectinload(ProjectMember.user),
            selectinload(PitchSession.slots).selectinload(PitchSlot.project).selectinload(Project.mentor),
            selectinload(PitchSession.slots).selectinload(PitchSlot.decided_by),
            selectinload(PitchSession.jurors).selectinload(Juror.user),
            selectinload(PitchSession.jurors).selectinload(Juror.conflicts),
            selectinload(PitchSession.draws).selectinload(JuryDraw.drawn_by),
        ))


class _Record:
    """The reader of a closed session's minutes: once scores are frozen, every sheet is on record."""

    id = None

    def has_role(self, *roles: str) -> bool:
        return True


@dataclass
class SheetLine:
    juror: Juror
    values: dict[int, int]  # criterion id -> score
    weighted: float | None
    comment: str


@dataclass
class ProjectScores:
    row: BoardRow
    sheets: list[SheetLine] = field(default_factory=list)


@dataclass
class DrawRecord:
    draw: JuryDraw
    drawn: list[tuple[int, str]]  # (user id, name) in drawing order
    excluded: dict[str, int]  # reason -> how many agents
    replays: bool  # re-running it now gives the same jurors


@dataclass
class Minutes:
    session: PitchSession
    provisional: bool
    criteria: list[Criterion]
    jurors: list[Juror]
    replaced: dict[int, Juror]  # juror id -> the juror they replace
    draws: list[DrawRecord]
    recusals: list[Conflict]
    scores: list[ProjectScores]
    decisions: list[PitchSlot]
    overrides: list[PitchSlot]
    closed_by: User | None
    chair: Juror | None
    projects: dict[int, Project]
    decision_labels: dict[str, str]
    selections: set[int]  # project ids the jury selected


def build_minutes(session: PitchSession, viewer, locale: str = "fr") -> Minutes:
    """Everything the minutes show. Before the deliberation closes, scores follow the viewer's rights."""
    from .letters import is_selection

    rows, criteria = scoreboard(session, viewer if not session.is_closed else _Record())
    projects = {s.project_id: s.project for s in session.slots}
    jurors_by_id = {j.id: j for j in session.jurors}
    recusals = sorted((c for j in session.jurors for c in j.conflicts),
                      key=lambda c: (_position(session, c.project_id), c.juror_id))

    sheets = db.session.scalars(
        select(ScoreSheet).join(Juror, Juror.id == ScoreSheet.juror_id)
        .where(Juror.session_id == session.id, ScoreSheet.submitted_at.is_not(None))
        .options(selectinload(ScoreSheet.scores))
        .order_by(ScoreSheet.juror_id)
    ).all()
    weights = {c.id: c.weight for c in criteria}
    by_project: dict[int, list[SheetLine]] = {}
    for sheet in sheets:
        juror = jurors_by_id.get(sheet.juror_id)
        if juror is None or juror.absent:
            continue
        values = {s.criterion_id: s.value for s in sheet.scores}
        total = sum(weights.get(cid, 0) for cid in values)
        weighted = sum(v * weights.get(cid, 0) for cid, v in values.items()) / total if total else None
        by_project.setdefault(sheet.project_id, []).append(SheetLine(juror, values, weighted, sheet.comment))
    scores = [ProjectScores(row, by_project.get(row.slot.project_id, []) if row.visible else [])
              for row in rows]

    known = {j.user_id: j.user.display_name for j in session.jurors}
    wanted = {uid for d in session.draws for uid in d.drawn} - set(known)
    if wanted:
        known.update((u.id, u.display_name) for u in db.session.scalars(select(User).where(User.id.in_(wanted))))
    draws = []
    for draw in session.draws:
        excluded: dict[str, int] = {}
        for reason in (draw.excluded or {}).values():
            excluded[reason] = excluded.get(reason, 0) + 1
        draws.append(DrawRecord(draw, [(uid, known.get(uid, "")) for uid in draw.drawn], excluded,
                                rerun_draw(draw) == list(draw.drawn)))

    decided = [s for s in session.slots if s.decision]
    definition = get_definition(session.call.workflow)
    labels = {e.name: e.label(locale) for e in definition.jury_decisions()}
    closed_by = db.session.get(User, session.closed_by_id) if session.closed_by_id else None
    return Minutes(
        session=session,
        provisional=not session.is_closed,
        criteria=criteria,
        jurors=list(session.jurors),
        replaced={j.id: jurors_by_id[j.replaces_id] for j in session.jurors if j.replaces_id in jurors_by_id},
        draws=draws,
        recusals=recusals,
        scores=scores,
        decisions=decided,
        overrides=[s for s in decided if s.override_reason],
        closed_by=closed_by,
        chair=next((j for j in session.jurors if j.is_chair and not j.absent), None),
        projects=projects,
        decision_labels=labels,
        selections={s.project_id for s in decided if is_selection(s)},
    )


def _position(session: PitchSession, project_id: int) -> int:
    return next((s.position for s in session.slots if s.project_id == project_id), 0)


def rerun_instructions(draw: JuryDraw) -> str:
    """A Python line anyone can run to replay the draw from its recorded pool and seed."""
    return (f"import hashlib; pool = {list(draw.pool)}; seed = {draw.seed!r}; "
            "print(sorted(pool, key=lambda i: hashlib.sha256(f'{seed}:{i}'.encode()).hexdigest())"
            f"[:{draw.size}])")
