"""The dashboard's reads: each page in a fixed number of SQL statements, limited to what the viewer may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from ..extensions import db
from ..incubation.models import WeeklyLog, week_label, week_start
from ..incubation.operations import incubating_clause
from ..incubation.periods import PARIS, active_periods, paris_date, periods, week_was_expected
from ..jury.models import Juror, PitchSession
from ..models import Call, Project, ProjectCoach, ProjectEvent, User
from ..notifications.models import TickRun, Timer
from ..policy import is_staff, visible_projects_clause
from ..workflows import Definition, get_definition

HORIZON_DAYS = 30
DUE_LIMIT = 25  # rows of each kind in "what falls due next"; the total is always said
# A timer this late is not just waiting for the next tick: the tick is not running.
TICK_LATE = timedelta(hours=1)


def only_visible(stmt, user: User):
    """`stmt` (on Project joined to Call) limited to the projects `user` may see."""
    clause = visible_projects_clause(user)
    return stmt if clause is True else stmt.where(clause)


def sees_everything(user: User) -> bool:
    return visible_projects_clause(user) is True


def paris_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=PARIS)


def overdue_clause(now: datetime):
    """A review is overdue from the day after its date (Paris), unless the clock is stopped (on hold).
    The engine clears the date when the project reaches an outcome."""
    return and_(Project.review_due_at.is_not(None), Project.clock_stopped_at.is_(None),
                Project.review_due_at < paris_midnight(paris_date(now)))


def is_overdue(project: Project, now: datetime) -> bool:
    """The same rule in Python, for a project already loaded."""
    due = project.review_due_at
    return due is not None and project.clock_stopped_at is None and paris_date(due) < paris_date(now)


def calls_for_choice(workflow: str | None = None, limit: int = 200) -> list[Call]:
    """Calls for the pickers, the latest first (a programme has a few a year: the limit is a guard)."""
    stmt = select(Call).order_by(Call.opens_at.desc(), Call.id.desc()).limit(limit)
    if workflow:
        stmt = stmt.where(Call.workflow == workflow)
    return list(db.session.scalars(stmt))


# --- the board ------------------------------------------------------------------------------

@dataclass
class Column:
    name: str
    label: str
    final: bool
    tone: str
    count: int
    cards: list[Project] = field(default_factory=list)


def _board_filters(definition: Definition, call_id: int | None) -> list:
    filters = [Call.workflow == definition.name]
    if call_id is not None:
        filters.append(Project.call_id == call_id)
    return filters


def board_columns(user: User, definition: Definition, call_id: int | None, per_column: int, now: datetime,
                  locale: str, per_final_column: int | None = None) -> list[Column]:
    """One column per state of `definition`, in its order: the number of projects from one GROUP BY,
    and the first `per_column` cards of each (`per_final_column` for final states; overdue reviews
    first, then the latest updated) from one windowed query, whatever the number of projects."""
    filters = _board_filters(definition, call_id)
    counts = dict(db.session.execute(only_visible(
        select(Project.state, func.count(Project.id)).join(Call, Project.call_id == Call.id)
        .where(*filters).group_by(Project.state), user)).all())
    rank = func.row_number().over(partition_by=Project.state, order_by=card_order(now)).label("place")
    finals = [name for name, state in definition.states.items() if state.final] or [""]
    per_final = per_column if per_final_column is None else per_final_column
    ranked = only_visible(select(Project.id.label("id"), Project.state.label("state"), rank)
                          .join(Call, Project.call_id == Call.id)
                          .where(*filters), user).subquery()
    cards = db.session.scalars(
        select(Project).join(ranked, ranked.c.id == Project.id).join(Call, Project.call_id == Call.id)
        .where(or_(and_(ranked.c.state.in_(finals), ranked.c.place <= per_final),
                   and_(ranked.c.state.not_in(finals), ranked.c.place <= per_column)))
        .options(contains_eager(Project.call), selectinload(Project.coaches).selectinload(ProjectCoach.user))
        .order_by(ranked.c.place)
    ).all()
    by_state: dict[str, list[Project]] = {}
    for project in cards:
        by_state.setdefault(project.state, []).append(project)
    return [Column(name, state.label(locale), state.final, state.tone, counts.get(name, 0), by_state.get(name, []))
            for name, state in definition.states.items()]


def card_order(now: datetime) -> tuple:
    return (case((overdue_clause(now), 0), else_=1), Project.updated_at.desc(), Project.id.desc())


def column_page(user: User, definition: Definition, state: str, call_id: int | None, page: int, per_page: int,
                now: datetime):
    """Every project of one column, a page at a time (a count and a page of rows, plus their coaches)."""
    stmt = only_visible(
        select(Project).join(Call, Project.call_id == Call.id)
        .where(*_board_filters(definition, call_id), Project.state == state)
        .options(contains_eager(Project.call), selectinload(Project.coaches).selectinload(ProjectCoach.user))
        .order_by(*card_order(now)), user)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def workflow_totals(user: User) -> dict[str, int]:
    """Projects per workflow among those the viewer may see: which board to open first."""
    return dict(db.session.execute(only_visible(
        select(Call.workflow, func.count(Project.id)).join(Call, Project.call_id == Call.id)
        .group_by(Call.workflow), user)).all())


# --- promotions -----------------------------------------------------------------------------

@dataclass
class Promotion:
    call: Call
    incubated: int = 0  # projects of the call that reached a phase
    running: int = 0  # still in a phase or on hold
    overdue: int = 0


def promotions(user: User, now: datetime, workflows: list[str]) -> list[Promotion]:
    """Calls whose workflow has phases, the latest first, with their incubated projects counted in SQL."""
    if not workflows:
        return []
    calls = db.session.scalars(select(Call).where(Call.workflow.in_(workflows))
                               .order_by(Call.opens_at.desc(), Call.id.desc())).all()
    rows = db.session.execute(only_visible(
        select(Project.call_id, func.count(Project.id),
               func.count(case((incubating_clause(), 1))),
               func.count(case((overdue_clause(now), 1))))
        .join(Call, Project.call_id == Call.id)
        .where(Call.workflow.in_(workflows), Project.phase.is_not(None))
        .group_by(Project.call_id), user)).all()
    figures = {call_id: (n, running, overdue) for call_id, n, running, overdue in rows}
    return [Promotion(call, *figures.get(call.id, (0, 0, 0))) for call in calls]


def promotion_page(user: User, call: Call, page: int, per_page: int):
    """The call's projects that reached incubation, a page at a time, each with its whole history
    (one more query for the page, however long the histories)."""
    stmt = only_visible(
        select(Project).join(Call, Project.call_id == Call.id)
        .where(Project.call_id == call.id, Project.phase.is_not(None))
        .options(contains_eager(Project.call), selectinload(Project.history))
        .order_by(Project.title, Project.id), user)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


# --- weekly-log compliance ------------------------------------------------------------------

NO_COACH = 0  # the key of the projects nobody coaches in the per-coach figures


@dataclass(frozen=True)
class Coach:
    id: int
    name: str


@dataclass
class ComplianceRow:
    project_id: int
    title: str
    workflow: str
    state: str
    coaches: list[Coach]
    cells: list[dict] = field(default_factory=list)
    owed: int = 0  # weeks over, in the window, that owed a log
    written: int = 0  # of those, weeks with a log
    missing: int = 0


@dataclass
class CoachFigures:
    coach: Coach | None
    projects: int = 0
    owed: int = 0
    written: int = 0
    missing: int = 0

    @property
    def rate(self) -> float | None:
        return self.written / self.owed if self.owed else None


def compliance(user: User, now: datetime, weeks: int) -> tuple[list[date], list[ComplianceRow], list[CoachFigures]]:
    """Projects in incubation × the last `weeks` ISO weeks: written, missing, in progress or not due,
    by the rule of the coach's page (`week_was_expected`: a week is owed when the project was active
    three days or more in it).

    Four light queries (plain rows, no ORM objects) whatever the number of projects: the projects,
    their coaches, their histories and the logs of the window. Every project is read, since the
    figures per coach cover them all; the caller pages the grid.
    """
    today = paris_date(now)
    current = week_start(today)
    window = [current - timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]
    ids = only_visible(select(Project.id).join(Call, Project.call_id == Call.id).where(incubating_clause()), user)
    projects = db.session.execute(only_visible(
        select(Project.id, Project.title, Project.state, Call.workflow).join(Call, Project.call_id == Call.id)
        .where(incubating_clause()).order_by(Project.title, Project.id), user)).all()
    if not projects:
        return window, [], []
    coached: dict[int, list[Coach]] = {}
    for project_id, coach_id, name, email in db.session.execute(
        select(ProjectCoach.project_id, User.id, User.name, User.email).join(User, User.id == ProjectCoach.user_id)
        .where(ProjectCoach.project_id.in_(ids)).order_by(User.name, User.id)
    ):
        coached.setdefault(project_id, []).append(Coach(coach_id, name or email))
    history: dict[int, list] = {}
    for row in db.session.execute(
        select(ProjectEvent.project_id, ProjectEvent.id, ProjectEvent.at, ProjectEvent.event,
               ProjectEvent.from_state, ProjectEvent.to_state)
        .where(ProjectEvent.project_id.in_(ids)).order_by(ProjectEvent.project_id, ProjectEvent.at, ProjectEvent.id)
    ):
        history.setdefault(row.project_id, []).append(row)
    written: dict[int, set[date]] = {}
    for project_id, monday in db.session.execute(
        select(WeeklyLog.project_id, WeeklyLog.week_start)
        .where(WeeklyLog.project_id.in_(ids), WeeklyLog.week_start >= window[0])
    ):
        written.setdefault(project_id, set()).add(monday)

    rows: list[ComplianceRow] = []
    figures: dict[int, CoachFigures] = {}
    for project_id, title, state, workflow in projects:
        active = active_periods(periods(history.get(project_id, []), get_definition(workflow)))
        logs = written.get(project_id, set())
        row = ComplianceRow(project_id, title, workflow, state, coached.get(project_id, []))
        for monday in window:
            expected = week_was_expected(monday, active)
            if monday in logs:
                status = "written"
            elif expected:
                status = "in_progress" if monday == current else "missing"
            else:
                status = "not_due"
            row.cells.append({"monday": monday, "label": week_label(monday), "status": status})
            if expected and monday != current:
                row.owed += 1
                row.written += monday in logs
        row.missing = row.owed - row.written
        rows.append(row)
        for coach in row.coaches or [None]:
            entry = figures.setdefault(coach.id if coach else NO_COACH, CoachFigures(coach))
            entry.projects += 1
            entry.owed += row.owed
            entry.written += row.written
            entry.missing += row.missing
    ordered = sorted(figures.values(), key=lambda f: (f.coach is None, f.coach.name.lower() if f.coach else "",
                                                      f.coach.id if f.coach else 0))
    return window, rows, ordered


# --- what falls due next --------------------------------------------------------------------

@dataclass
class DueItem:
    kind: str  # review, review_overdue, call_opens, call_closes, pitch, coaching
    at: datetime
    project: Project | None = None
    call: Call | None = None
    session: PitchSession | None = None


@dataclass
class DueNext:
    overdue: list[DueItem]
    overdue_total: int
    upcoming: list[DueItem]
    upcoming_more: int  # upcoming items left out by the limits
    reviews_total: int
    late_timers: int | None  # None: the viewer is not told about the tick
    last_tick: datetime | None
    in_incubation: int
    on_hold: int


def due_next(user: User, now: datetime, days: int = HORIZON_DAYS, limit: int = DUE_LIMIT) -> DueNext:
    """Reviews overdue and coming, calls opening or closing, pitch sessions and coaching mornings in the
    next `days` days, sorted by date; each kind bounded by `limit`, with its total counted in the same
    query (a window count). Six or seven statements, whatever the number of projects."""
    start = paris_midnight(paris_date(now))
    until = start + timedelta(days=days + 1)
    total = func.count().over().label("total")
    overdue_rows = db.session.execute(only_visible(
        select(Project, total).join(Call, Project.call_id == Call.id).where(overdue_clause(now))
        .options(contains_eager(Project.call)).order_by(Project.review_due_at, Project.id).limit(limit), user)).all()
    upcoming_rows = db.session.execute(only_visible(
        select(Project, total).join(Call, Project.call_id == Call.id)
        .where(Project.review_due_at >= start, Project.review_due_at < until, Project.clock_stopped_at.is_(None))
        .options(contains_eager(Project.call)).order_by(Project.review_due_at, Project.id).limit(limit), user)).all()
    upcoming = [DueItem("review", p.review_due_at, project=p, call=p.call) for p, _n in upcoming_rows]
    reviews_total = upcoming_rows[0][1] if upcoming_rows else 0
    more = max(0, reviews_total - len(upcoming_rows))

    calls = db.session.scalars(
        select(Call).where(or_(and_(Call.opens_at >= now, Call.opens_at < until),
                               and_(Call.closes_at >= now, Call.closes_at < until)))
        .order_by(Call.closes_at).limit(limit)).all()
    for call in calls:
        if now <= call.opens_at < until:
            upcoming.append(DueItem("call_opens", call.opens_at, call=call))
        if now <= call.closes_at < until:
            upcoming.append(DueItem("call_closes", call.closes_at, call=call))

    sessions_stmt = (select(PitchSession).join(Call, PitchSession.call_id == Call.id)
                     .where(PitchSession.closed_at.is_(None),
                            or_(and_(PitchSession.starts_at >= start, PitchSession.starts_at < until),
                                and_(PitchSession.coaching_at >= start, PitchSession.coaching_at < until)))
                     .options(contains_eager(PitchSession.call)).order_by(PitchSession.starts_at).limit(limit))
    if not is_staff(user):  # the jury sees the sessions it sits on (policy.can_view_session)
        sessions_stmt = sessions_stmt.where(
            PitchSession.id.in_(select(Juror.session_id).where(Juror.user_id == user.id)))
    for session in db.session.scalars(sessions_stmt):
        if session.coaching_at is not None and start <= session.coaching_at < until:
            upcoming.append(DueItem("coaching", session.coaching_at, call=session.call, session=session))
        if start <= session.starts_at < until:
            upcoming.append(DueItem("pitch", session.starts_at, call=session.call, session=session))
    upcoming.sort(key=lambda item: item.at)

    late, last_tick = None, None
    if is_staff(user):
        late = db.session.scalar(select(func.count(Timer.id))
                                 .where(Timer.done_at.is_(None), Timer.due_at <= now - TICK_LATE)) or 0
        last_tick = db.session.scalar(select(func.max(TickRun.finished_at)))
    in_incubation, on_hold = db.session.execute(only_visible(
        select(func.count(Project.id), func.count(case((Project.clock_stopped_at.is_not(None), 1))))
        .join(Call, Project.call_id == Call.id).where(incubating_clause()), user)).one()
    return DueNext(
        overdue=[DueItem("review_overdue", p.review_due_at, project=p, call=p.call) for p, _n in overdue_rows],
        overdue_total=overdue_rows[0][1] if overdue_rows else 0,
        upcoming=upcoming, upcoming_more=more, reviews_total=reviews_total,
        late_timers=late, last_tick=last_tick, in_incubation=in_incubation or 0, on_hold=on_hold or 0)


__all__ = ["Coach", "CoachFigures", "Column", "ComplianceRow", "DueItem", "DueNext", "Promotion", "board_columns",
           "column_page", "compliance", "due_next", "is_overdue", "only_visible", "overdue_clause",
           "promotion_page", "promotions", "sees_everything"]
