"""Ledger pages: weekly logs and the time budget, iterations, impact indicators, the coach's page
and the programme's time-budget settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import and_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..clock import utcnow
from ..errors import Conflict, InvalidData
from ..extensions import db
from ..models import Call, Programme, Project, ProjectCoach, User, UserRole
from ..pagination import ListPagination
from ..policy import (
    can_contribute,
    can_manage_programme,
    can_view_coaching,
    can_view_project,
    is_staff,
)
from ..templating import locale_code
from ..urls import bounded_int
from ..workflows import all_definitions, get_definition
from . import bp, loading
from .charts import line_chart, plain_number
from .forms_logs import (
    IndicatorForm,
    IndicatorValueForm,
    IterationForm,
    LogForm,
    decimal_text,
    time_budget_form_class,
)
from .models import Indicator, Iteration, WeeklyLog, parse_week, week_label, week_start
from .operations import (
    declare_indicator,
    incubating_clause,
    incubation_started_on,
    record_value,
    save_iteration,
    save_log,
    set_time_budget,
)
from .periods import active_periods, expected_weeks, paris_date, periods, time_budget

WEEKS_PER_PAGE = 26
COACHING_WEEKS = 8


# --- loading and permissions ---------------------------------------------------------------

def load_project(project_id: int) -> Project:
    """The project with what the ledger pages use, in a fixed number of queries; 404 if hidden."""
    project = loading.load_project(project_id)
    if project is None or not can_view_project(current_user, project):
        abort(404)
    return project


def require_contributor(project: Project) -> None:
    if not can_contribute(current_user, project):
        abort(403)


def show_errors(form, error: InvalidData | Conflict) -> None:
    """A service's refusal on the form: on its field when there is one, else at the top of the form."""
    fields = error.fields if isinstance(error, InvalidData) else {"": error.message}
    for name, message in fields.items():
        target = getattr(form, name, None) if name else None
        if target is not None and hasattr(target, "errors") and name != "csrf_token":
            target.errors = [*target.errors, message]
        else:
            form.form_errors.append(message)


def _short_date(day: date) -> str:
    return format_date(day, "short")


def _number(value: float) -> str:
    return format_decimal(value, format="#,##0.##")


# --- weekly logs ---------------------------------------------------------------------------

@dataclass
class WeekRow:
    monday: date
    status: str  # written, missing, in_progress, not_expected (a log written while not expected)
    log: WeeklyLog | None = None
    current: bool = False

    @property
    def label(self) -> str:
        return week_label(self.monday)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)


def _journal_rows(expected: list[date], written: set[date], current: date) -> list[WeekRow]:
    """Every expected week and every week with a log, newest first."""
    expected_set = set(expected)
    rows = []
    for monday in sorted(expected_set | written, reverse=True):
        if monday in written:
            status = "written" if monday in expected_set else "not_expected"
        elif monday == current:
            status = "in_progress"
        else:
            status = "missing"
        rows.append(WeekRow(monday, status, current=monday == current))
    return rows


@bp.route("/projects/<int:project_id>/journal")
@login_required
def journal(project_id: int):
    project = load_project(project_id)
    definition = get_definition(project.workflow)
    now = utcnow()
    today = paris_date(now)
    current = week_start(today)
    active = active_periods(periods(project.history, definition))
    expected = expected_weeks(active, today)

    # Every log's figures (light rows) for the budget and the averages; the texts only for one page.
    figures = db.session.execute(
        select(WeeklyLog.week_start, WeeklyLog.days_spent, WeeklyLog.confidence)
        .where(WeeklyLog.project_id == project.id)
    ).all()
    rows = _journal_rows(expected, {f.week_start for f in figures}, current)
    page = request.args.get("page", type=bounded_int)
    wanted = parse_week(request.args.get("week", ""))
    if page is None and wanted is not None:
        index = next((i for i, row in enumerate(rows) if row.monday == wanted), 0)
        page = index // WEEKS_PER_PAGE + 1
    last_page = max(1, -(-len(rows) // WEEKS_PER_PAGE))
    pagination = ListPagination(page=min(max(page or 1, 1), last_page), per_page=WEEKS_PER_PAGE,
                                max_per_page=None, error_out=False, items=rows)
    shown = [row.monday for row in pagination.items if row.status in ("written", "not_expected")]
    if shown:
        logs = db.session.scalars(
            select(WeeklyLog)
            .where(WeeklyLog.project_id == project.id, WeeklyLog.week_start.in_(shown))
            .options(joinedload(WeeklyLog.author), joinedload(WeeklyLog.updated_by))
        ).all()
        by_week = {log.week_start: log for log in logs}
        for row in pagination.items:
            row.log = by_week.get(row.monday)

    programme = project.call.programme
    budgets = []
    for budget in time_budget(active, programme.time_budget or {}, len(project.members), figures, now):
        phase = definition.phases.get(budget.phase)
        budgets.append({
            "budget": budget,
            "label": phase.label(locale_code()) if phase else budget.phase,
            "share": round(100 * budget.declared_days / budget.planned_days) if budget.planned_days else None,
        })
    confidences = [f.confidence for f in figures]
    expected_past = [m for m in expected if m != current]
    written_weeks = {f.week_start for f in figures}
    return render_template(
        "incubation/journal.html",
        project=project,
        call=project.call,
        pagination=pagination,
        budgets=budgets,
        days_declared=round(sum(f.days_spent or 0 for f in figures), 1),
        average_confidence=round(sum(confidences) / len(confidences), 1) if confidences else None,
        logs_count=len(figures),
        expected_count=len(expected_past),
        missing_count=sum(1 for m in expected_past if m not in written_weeks),
        current_week=current,
        current_label=week_label(current),
        current_written=current in written_weeks,
        started_on=incubation_started_on(project),
        can_contribute=can_contribute(current_user, project),
        can_manage_programme=can_manage_programme(current_user),
        programme=programme,
        members_count=len(project.members),
        number=_number,
    )


@bp.route("/projects/<int:project_id>/journal/<week>", methods=["GET", "POST"])
@login_required
def edit_log(project_id: int, week: str):
    monday = parse_week(week)
    if monday is None:
        abort(404)
    project = load_project(project_id)
    require_contributor(project)
    log = db.session.scalar(
        select(WeeklyLog)
        .where(WeeklyLog.project_id == project.id, WeeklyLog.week_start == monday)
        .options(joinedload(WeeklyLog.author), joinedload(WeeklyLog.updated_by))
    )
    form = LogForm(obj=log)
    if request.method == "GET" and log is not None:
        form.days_spent.data = plain_number(log.days_spent or 0)
    today = paris_date(utcnow())
    started = incubation_started_on(project)
    if monday > week_start(today):
        problem = _("This week has not begun yet: its log is written once it starts.")
    elif started is None or monday < week_start(started):
        problem = _("The project was not in incubation that week.")
    else:
        problem = None
    if form.validate_on_submit():
        try:
            save_log(project, current_user, monday, done=form.done.data, learnt=form.learnt.data,
                     blockers=form.blockers.data, next_steps=form.next_steps.data,
                     team_note=form.team_note.data, days_spent=decimal_text(form.days_spent.data),
                     confidence=form.confidence.data or None)
        except (InvalidData, Conflict) as exc:
            db.session.rollback()
            show_errors(form, exc)
            project = load_project(project_id)
            log = db.session.scalar(
                select(WeeklyLog)
                .where(WeeklyLog.project_id == project.id, WeeklyLog.week_start == monday)
                .options(joinedload(WeeklyLog.author), joinedload(WeeklyLog.updated_by))
            )
        else:
            db.session.commit()
            flash(_("The log of week %(week)s is saved.", week=week_label(monday)), "success")
            return redirect(url_for("incubation.journal", project_id=project.id, week=week_label(monday),
                                    _anchor=f"week-{week_label(monday)}"))
    return render_template(
        "incubation/log_form.html",
        project=project,
        call=project.call,
        form=form,
        log=log,
        monday=monday,
        label=week_label(monday),
        sunday=monday + timedelta(days=6),
        problem=problem,
        is_current=monday == week_start(today),
    ), 422 if form.errors else 200


# --- test-and-learn iterations ---------------------------------------------------------------

@bp.route("/projects/<int:project_id>/iterations")
@login_required
def iterations(project_id: int):
    project = load_project(project_id)
    items = db.session.scalars(
        select(Iteration)
        .where(Iteration.project_id == project.id)
        .options(joinedload(Iteration.author), joinedload(Iteration.decided_by))
        .order_by(Iteration.number.desc())
    ).all()
    return render_template(
        "incubation/iterations.html",
        project=project,
        call=project.call,
        open_iterations=[i for i in items if i.decision is None],
        decided_iterations=[i for i in items if i.decision is not None],
        pivots=sum(1 for i in items if i.decision == "pivot"),
        can_contribute=can_contribute(current_user, project),
    )


def _iteration_fields(form: IterationForm) -> dict:
    fields = {name: getattr(form, name).data for name in (
        "title", "hypothesis", "experiment", "audience", "measure", "target", "result", "learning",
        "pivot_change", "started_on", "ended_on")}
    fields["users_count"] = (form.users_count.data or "").strip()
    fields["decision"] = form.decision.data or None
    return fields


def _iteration_page(project_id: int, number: int | None):
    project = load_project(project_id)
    require_contributor(project)
    iteration = None
    if number is not None:
        iteration = db.session.scalar(
            select(Iteration).where(Iteration.project_id == project.id, Iteration.number == number)
            .options(joinedload(Iteration.decided_by)))
        if iteration is None:
            abort(404)
    form = IterationForm(obj=iteration)
    if request.method == "GET":
        if iteration is None:
            form.started_on.data = paris_date(utcnow()).isoformat()
        else:
            form.decision.data = iteration.decision or ""
            form.users_count.data = "" if iteration.users_count is None else str(iteration.users_count)
            form.ended_on.data = iteration.ended_on.isoformat() if iteration.ended_on else ""
    if form.validate_on_submit():
        try:
            saved = save_iteration(project, current_user, iteration, **_iteration_fields(form))
        except (InvalidData, Conflict) as exc:
            db.session.rollback()
            show_errors(form, exc)
            project = load_project(project_id)
            if number is not None:
                iteration = db.session.scalar(select(Iteration).where(
                    Iteration.project_id == project.id, Iteration.number == number))
        else:
            db.session.commit()
            flash(_("Iteration %(number)d is saved.", number=saved.number), "success")
            return redirect(url_for("incubation.iterations", project_id=project.id,
                                    _anchor=f"iteration-{saved.number}"))
    return render_template("incubation/iteration_form.html", project=project, call=project.call,
                           form=form, iteration=iteration), 422 if form.errors else 200


@bp.route("/projects/<int:project_id>/iterations/new", methods=["GET", "POST"])
@login_required
def new_iteration(project_id: int):
    return _iteration_page(project_id, None)


@bp.route("/projects/<int:project_id>/iterations/<int:number>/edit", methods=["GET", "POST"])
@login_required
def edit_iteration(project_id: int, number: int):
    return _iteration_page(project_id, number)


# --- impact indicators ---------------------------------------------------------------------

def _value_form(indicator: Indicator) -> IndicatorValueForm:
    form = IndicatorValueForm(prefix=f"indicator-{indicator.id}")
    if not form.measured_on.data:
        form.measured_on.data = paris_date(utcnow()).isoformat()
    return form


def _chart(indicator: Indicator):
    points = [(v.measured_on, v.value) for v in indicator.values]
    if not points:
        return None
    suffix = f" {indicator.unit}" if indicator.unit else ""
    first, last = indicator.values[0], indicator.values[-1]
    if len(points) == 1:
        description = _("One value: %(value)s on %(date)s.", value=_number(first.value) + suffix,
                        date=format_date(first.measured_on))
    else:
        description = _("%(count)d values, from %(first)s on %(first_date)s to %(last)s on %(last_date)s.",
                        count=len(points), first=_number(first.value) + suffix,
                        first_date=format_date(first.measured_on), last=_number(last.value) + suffix,
                        last_date=format_date(last.measured_on))
    if indicator.target is not None:
        description += " " + _("Target: %(target)s.", target=_number(indicator.target) + suffix)
    return line_chart(points, title=_("%(name)s over time", name=indicator.name), description=description,
                      target=indicator.target, chart_id=f"indicator-{indicator.id}-chart", unit=indicator.unit,
                      format_date=_short_date, format_number=_number, target_label=_("Target"),
                      date_axis_label=_("Date of the measure"),
                      value_axis_label=_("Value (%(unit)s)", unit=indicator.unit) if indicator.unit else _("Value"))


def _render_indicators(project: Project, *, status: int = 200, declare_form: IndicatorForm | None = None,
                       failed: tuple[int, IndicatorValueForm] | None = None):
    indicators = db.session.scalars(
        select(Indicator).where(Indicator.project_id == project.id)
        .options(selectinload(Indicator.values))
        .order_by(Indicator.created_at, Indicator.id)
    ).all()
    contributor = can_contribute(current_user, project)
    entries = []
    for indicator in indicators:
        form = None
        if contributor:
            form = failed[1] if failed and failed[0] == indicator.id else _value_form(indicator)
        entries.append({"indicator": indicator, "chart": _chart(indicator), "form": form,
                        "last": indicator.values[-1] if indicator.values else None})
    return render_template(
        "incubation/indicators.html",
        project=project,
        call=project.call,
        entries=entries,
        declare_form=declare_form or (IndicatorForm(formdata=None) if contributor else None),
        can_contribute=contributor,
        number=_number,
    ), status


@bp.route("/projects/<int:project_id>/indicators")
@login_required
def indicators(project_id: int):
    return _render_indicators(load_project(project_id))


# The form posts to the page's own path; the endpoint is named for the action.
@bp.route("/projects/<int:project_id>/indicators", methods=["POST"], endpoint="declare_indicator")
@login_required
def post_indicator(project_id: int):
    project = load_project(project_id)
    require_contributor(project)
    form = IndicatorForm()
    if form.validate_on_submit():
        try:
            indicator = declare_indicator(project, current_user, name=form.name.data, unit=form.unit.data,
                                          description=form.description.data,
                                          target=decimal_text(form.target.data) or None)
        except (InvalidData, Conflict) as exc:
            db.session.rollback()
            show_errors(form, exc)
            project = load_project(project_id)
        else:
            db.session.commit()
            flash(_("The indicator “%(name)s” is declared.", name=indicator.name), "success")
            return redirect(url_for("incubation.indicators", project_id=project.id,
                                    _anchor=f"indicator-{indicator.id}"))
    return _render_indicators(project, status=422, declare_form=form)


@bp.route("/projects/<int:project_id>/indicators/<int:indicator_id>/values", methods=["POST"])
@login_required
def record_indicator_value(project_id: int, indicator_id: int):
    project = load_project(project_id)
    require_contributor(project)
    indicator = db.session.get(Indicator, indicator_id)
    if indicator is None or indicator.project_id != project.id:
        abort(404)
    form = IndicatorValueForm(prefix=f"indicator-{indicator.id}")
    if form.validate_on_submit():
        try:
            record_value(indicator, current_user, measured_on=form.measured_on.data,
                         value=decimal_text(form.value.data), note=form.note.data)
        except (InvalidData, Conflict) as exc:
            db.session.rollback()
            show_errors(form, exc)
            project = load_project(project_id)
        else:
            db.session.commit()
            flash(_("The value of “%(name)s” is recorded.", name=indicator.name), "success")
            return redirect(url_for("incubation.indicators", project_id=project.id,
                                    _anchor=f"indicator-{indicator.id}"))
    return _render_indicators(project, status=422, failed=(indicator_id, form))


# --- the coach's page ----------------------------------------------------------------------

@dataclass
class CoachingRow:
    project: Project
    cells: list[dict] = field(default_factory=list)
    missing_window: int = 0
    missing_total: int = 0
    can_write: bool = False
    phase_label: str = ""


def _coached_rows(coach: User, window: list[date], now) -> list[CoachingRow]:
    projects = db.session.scalars(
        select(Project)
        .join(Call, Project.call_id == Call.id)
        .join(ProjectCoach, and_(ProjectCoach.project_id == Project.id, ProjectCoach.user_id == coach.id))
        .where(incubating_clause())
        .options(contains_eager(Project.call), selectinload(Project.history),
                 selectinload(Project.members), selectinload(Project.coaches))
        .order_by(Project.title, Project.id)
    ).unique().all()
    if not projects:
        return []
    written: dict[int, dict[date, int]] = {p.id: {} for p in projects}
    # One light query for every log of these projects: the grid and the weeks missing since the start.
    for project_id, monday, confidence in db.session.execute(
        select(WeeklyLog.project_id, WeeklyLog.week_start, WeeklyLog.confidence)
        .where(WeeklyLog.project_id.in_(written))
    ):
        written[project_id][monday] = confidence
    today = paris_date(now)
    current = week_start(today)
    rows = []
    for project in projects:
        definition = get_definition(project.workflow)
        expected = set(expected_weeks(active_periods(periods(project.history, definition)), today))
        logs = written[project.id]
        row = CoachingRow(project, can_write=can_contribute(current_user, project))
        phase = definition.phases.get(project.phase or "")
        row.phase_label = phase.label(locale_code()) if phase else ""
        for monday in window:
            if monday in logs:
                status = "written"
            elif monday == current and monday in expected:
                status = "in_progress"
            elif monday in expected:
                status = "missing"
            else:
                status = "not_expected"
            row.cells.append({"monday": monday, "label": week_label(monday), "status": status,
                              "confidence": logs.get(monday)})
        row.missing_window = sum(1 for c in row.cells if c["status"] == "missing")
        row.missing_total = sum(1 for m in expected if m != current and m not in logs)
        rows.append(row)
    return rows


@bp.route("/coaching")
@login_required
def coaching():
    staff = is_staff(current_user)
    if "coach" in request.args:
        coach_id = request.args.get("coach", type=bounded_int)
        coach = db.session.get(User, coach_id) if coach_id is not None else None
        if coach is None:
            abort(404 if staff else 403)
    else:
        coach = current_user if current_user.has_role("coach") else None
    if coach is None and not staff:
        abort(403)
    if coach is not None:
        if not can_view_coaching(current_user, coach):
            abort(403)
        if not staff and not coach.has_role("coach"):
            abort(403)
    coaches = []
    if staff:
        coaches = db.session.scalars(
            select(User).join(UserRole).where(UserRole.role == "coach").order_by(User.name, User.id)
        ).all()
    now = utcnow()
    current = week_start(paris_date(now))
    window = [current - timedelta(weeks=k) for k in range(COACHING_WEEKS - 1, -1, -1)]
    rows = _coached_rows(coach, window, now) if coach is not None else []
    return render_template(
        "incubation/coaching.html",
        coach=coach,
        own_page=coach is not None and coach.id == current_user.id,
        coaches=coaches,
        rows=rows,
        window=window,
        current_week=current,
        week_label=week_label,
        missing_window=sum(r.missing_window for r in rows),
        missing_total=sum(r.missing_total for r in rows),
    )


# --- the programme's time budget -----------------------------------------------------------

def _programme_phases(programme: Programme) -> tuple[list[tuple[str, str]], list[Call]]:
    """The phases of the workflows the programme's calls use (all workflows when it has no call yet)."""
    calls = db.session.scalars(select(Call).where(Call.programme_id == programme.id)
                               .order_by(Call.opens_at.desc(), Call.id)).all()
    definitions = []
    for name in dict.fromkeys(call.workflow for call in calls):
        try:
            definitions.append(get_definition(name))
        except LookupError:
            continue
    phases: dict[str, str] = {}
    for definition in definitions or all_definitions():
        for phase in definition.phases.values():
            phases.setdefault(phase.name, phase.label(locale_code()))
    return list(phases.items()), calls


@bp.route("/programmes/<int:programme_id>/settings", methods=["GET", "POST"])
@login_required
def programme_settings(programme_id: int):
    if not can_manage_programme(current_user):
        abort(403)
    programme = db.get_or_404(Programme, programme_id)
    phases, calls = _programme_phases(programme)
    form = time_budget_form_class(phases)()
    if request.method == "GET":
        budget = programme.time_budget or {}
        for name, phase in form.phase_fields:
            getattr(form, name).data = plain_number(budget[phase]) if phase in budget else ""
    if form.validate_on_submit():
        set_time_budget(programme, form.budget(), [phase for _, phase in form.phase_fields])
        db.session.commit()
        flash(_("The time budget of the programme is saved."), "success")
        return redirect(url_for("incubation.programme_settings", programme_id=programme.id))
    return render_template("incubation/programme_settings.html", programme=programme, form=form,
                           calls=calls), 422 if form.errors else 200
