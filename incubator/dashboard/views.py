"""The dashboard's pages: what falls due, the funnel, the board, promotions' timelines, weekly-log compliance.

Every page runs a fixed number of SQL statements whatever the number of projects (counts in SQL,
windowed queries, pagination) and shows only what the viewer may see.
"""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal, format_percent, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..clock import utcnow
from ..extensions import db
from ..incubation.periods import paris_date
from ..incubation.timeline import duration_words
from ..models import Call
from ..pagination import ListPagination
from ..policy import can_view_dashboard, is_staff
from ..templating import locale_code
from ..urls import bounded_int
from ..workflows import all_definitions, get_definition
from . import bp
from .funnel import funnel
from .gantt import GanttTexts, gantt_rows, planned_delay, render
from .pictures import FunnelTexts, funnel_svg
from .queries import (
    HORIZON_DAYS,
    NO_COACH,
    board_columns,
    calls_for_choice,
    column_page,
    compliance,
    due_next,
    is_overdue,
    promotion_page,
    promotions,
    sees_everything,
    workflow_totals,
)

CARDS_PER_COLUMN = 6
CARDS_PER_FINAL_COLUMN = 3  # outcomes and refusals are the record, not Monday's work
MAX_FUNNELS = 6
DEFAULT_FUNNELS = 3
DEFAULT_CANDIDATES = 12
GANTT_PER_PAGE = 12
COMPLIANCE_WEEKS = 10
COMPLIANCE_PER_PAGE = 20


def dashboard_page(view):
    """Logged in (else the login page), and allowed to see the dashboard (else 403)."""
    @login_required
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not can_view_dashboard(current_user):
            abort(403)
        return view(*args, **kwargs)
    return wrapper


def _number(value: float) -> str:
    return format_decimal(value, format="#,##0")


def _percent(part: int, whole: int) -> str:
    return format_percent(part / whole) if whole else "—"


def _common() -> dict:
    return {"sees_all": sees_everything(current_user), "is_overdue": is_overdue}


# --- overview: what falls due next ---------------------------------------------------------

@bp.route("/")
@dashboard_page
def index():
    now = utcnow()
    due = due_next(current_user, now)
    return render_template("dashboard/index.html", due=due, now=now, active="index", days=HORIZON_DAYS,
                           until=paris_date(now) + timedelta(days=HORIZON_DAYS),
                           in_words=lambda moment: duration_words(now, moment), **_common())


# --- the funnel ----------------------------------------------------------------------------

def _funnel_view(call: Call, steps, locale: str) -> dict:
    first = steps[0].count if steps else 0
    rows = []
    previous = None
    for step in steps:
        rows.append({"label": step.label, "count": step.count,
                     "of_previous": _percent(step.count, previous) if previous is not None else "",
                     "of_first": _percent(step.count, first)})
        previous = step.count
    parts = []
    for index, step in enumerate(steps):
        if index == 0 or not steps[index - 1].count:
            parts.append(_("%(stage)s: %(count)s.", stage=step.label, count=_number(step.count)))
        else:
            parts.append(_("%(stage)s: %(count)s, %(rate)s of the previous stage.", stage=step.label,
                           count=_number(step.count), rate=rows[index]["of_previous"]))
    texts = FunnelTexts(
        title=_("Funnel of “%(call)s”", call=call.title),
        description=" ".join(parts),
        number=_number,
        rate=lambda count, prev: _percent(count, prev) if prev else "",
        bar_title=lambda label, count: ngettext("%(stage)s: %(num)d project", "%(stage)s: %(num)d projects",
                                                count, stage=label),
    )
    svg = funnel_svg([(s.label, s.count) for s in steps], svg_id=f"funnel-{call.id}", texts=texts)
    return {"call": call, "svg": svg, "rows": rows, "total": first,
            "workflow": get_definition(call.workflow).label(locale)}


@bp.route("/funnel")
@dashboard_page
def funnel_page():
    now = utcnow()
    locale = locale_code()
    calls = calls_for_choice()
    wanted = set(request.args.getlist("call", type=bounded_int))
    chosen = [c for c in calls if c.id in wanted][:MAX_FUNNELS]
    if chosen:
        data = funnel(current_user, chosen, locale)
    else:
        # By default the latest calls that have a funnel to draw for this viewer: the same single query
        # over a few more calls, then the first ones with a project in their first stage.
        recent = [c for c in calls if c.opens_at <= now][:DEFAULT_CANDIDATES] or calls[:DEFAULT_FUNNELS]
        data = funnel(current_user, recent, locale)
        chosen = [c for c in recent if data[c.id] and data[c.id][0].count][:DEFAULT_FUNNELS] \
            or recent[:DEFAULT_FUNNELS]
    funnels = [_funnel_view(call, data.get(call.id, []), locale) for call in chosen]
    return render_template("dashboard/funnel.html", calls=calls, chosen={c.id for c in chosen}, funnels=funnels,
                           too_many=len(wanted) > MAX_FUNNELS, max_funnels=MAX_FUNNELS, active="funnel",
                           **_common())


# --- the board -----------------------------------------------------------------------------

def _board_scope():
    """The workflow and (optionally) the call the board shows, from the query string; 404 if unknown."""
    call = None
    call_id = request.args.get("call", type=bounded_int)
    if call_id:
        call = db.session.get(Call, call_id)
        if call is None:
            abort(404)
    name = call.workflow if call else request.args.get("workflow", "")
    if not name:
        totals = workflow_totals(current_user)
        names = [d.name for d in all_definitions()]
        name = max(names, key=lambda n: (totals.get(n, 0), n == "pau")) if names else ""
    try:
        definition = get_definition(name)
    except LookupError:
        abort(404)
    return definition, call


def _shown(columns, definition):
    """All the states for who sees every project; for the others, the states open to one of their roles
    and those where they see a project (their own, say): an empty column there would mislead."""
    if sees_everything(current_user):
        return columns
    roles = current_user.roles
    return [c for c in columns if c.count or not roles.isdisjoint(definition.states[c.name].visible_to)]


def _coach_names(project) -> str:
    return ", ".join(sorted(c.user.display_name for c in project.coaches))


@bp.route("/board")
@dashboard_page
def board():
    now = utcnow()
    locale = locale_code()
    definition, call = _board_scope()
    columns = _shown(board_columns(current_user, definition, call.id if call else None, CARDS_PER_COLUMN,
                                   now, locale, CARDS_PER_FINAL_COLUMN), definition)
    return render_template(
        "dashboard/board.html", definition=definition, call=call, now=now, active="board",
        under_way=[c for c in columns if not c.final], closed=[c for c in columns if c.final],
        total=sum(c.count for c in columns), definitions=sorted(all_definitions(), key=lambda d: d.label(locale)),
        calls=calls_for_choice(), coach_names=_coach_names, per_column=CARDS_PER_COLUMN, **_common())


@bp.route("/board/<workflow>/<state>")
@dashboard_page
def column(workflow: str, state: str):
    now = utcnow()
    try:
        definition = get_definition(workflow)
    except LookupError:
        abort(404)
    if state not in definition.states:
        abort(404)
    call = None
    call_id = request.args.get("call", type=bounded_int)
    if call_id:
        call = db.session.get(Call, call_id)
        if call is None or call.workflow != workflow:
            abort(404)
    pagination = column_page(current_user, definition, state, call.id if call else None,
                             request.args.get("page", 1, type=bounded_int), current_app.config["PER_PAGE"], now)
    return render_template("dashboard/column.html", definition=definition, state=definition.states[state],
                           call=call, pagination=pagination, now=now, coach_names=_coach_names, active="board",
                           **_common())


# --- promotions' timelines -----------------------------------------------------------------

def _phased_workflows() -> list[str]:
    return [d.name for d in all_definitions() if d.phases]


@bp.route("/promotions")
@dashboard_page
def promotions_page():
    call_id = request.args.get("call", type=bounded_int)
    if call_id:  # the picker on a promotion's page
        return redirect(url_for("dashboard.promotion", call_id=call_id))
    now = utcnow()
    items = promotions(current_user, now, _phased_workflows())
    return render_template("dashboard/promotions.html", promotions=items, active="promotions", **_common())


def _gantt_texts(call: Call, rows, now, total: int) -> GanttTexts:
    overdue = sum(1 for r in rows if r.overdue)
    description = " ".join([
        ngettext("%(num)d project of this promotion reached incubation.",
                 "%(num)d projects of this promotion reached incubation.", total),
        ngettext("This page shows %(num)d of them.", "This page shows %(num)d of them.", len(rows))
        if len(rows) != total else "",
        ngettext("%(num)d review is overdue.", "%(num)d reviews are overdue.", overdue) if overdue else "",
        _("For each project, the planned phases (dashed) above the actual ones; stand-bys are hatched, "
          "an outcome is a diamond; a vertical line marks today. The table below gives the same dates."),
    ])
    return GanttTexts(
        title=_("Timeline of the promotion “%(call)s”", call=call.title), description=" ".join(description.split()),
        today=_("Today"), planned=_("planned"), on_hold=_("On hold"), overdue=_("Review overdue"),
        month=lambda d: format_date(d, "MMM yyyy"), day=lambda d: format_date(d, "medium"),
    )


def _status_words(row, now) -> str:
    if row.overdue:
        return _("Review overdue since %(date)s", date=format_date(row.due, "d MMM"))
    if row.outcome:
        return row.outcome[1]
    if row.on_hold:
        return _("On hold")
    if row.due:
        return _("Review on %(date)s", date=format_date(row.due, "d MMM yyyy"))
    return row.state_label


@bp.route("/promotions/<int:call_id>")
@dashboard_page
def promotion(call_id: int):
    now = utcnow()
    locale = locale_code()
    call = db.get_or_404(Call, call_id)
    definition = get_definition(call.workflow)
    pagination = rows = svg = None
    if definition.phases:
        pagination = promotion_page(current_user, call, request.args.get("page", 1, type=bounded_int), GANTT_PER_PAGE)
        rows = gantt_rows(pagination.items, now, locale)
        for row in rows:
            row.status = _status_words(row, now)
            delay = planned_delay(row, now)
            row.late_words = duration_words(now - delay, now) if delay else ""
        svg = render(rows, now, svg_id=f"gantt-{call.id}", texts=_gantt_texts(call, rows, now, pagination.total))
    return render_template("dashboard/promotion.html", call=call, definition=definition, pagination=pagination,
                           rows=rows, svg=svg, now=now, active="promotions",
                           others=[c for c in calls_for_choice() if c.workflow in _phased_workflows()],
                           **_common())


# --- weekly-log compliance -----------------------------------------------------------------

@bp.route("/compliance")
@dashboard_page
def compliance_page():
    now = utcnow()
    window, rows, coaches = compliance(current_user, now, COMPLIANCE_WEEKS)
    coach_arg = request.args.get("coach", "")
    coach_id = request.args.get("coach", type=bounded_int) if coach_arg else None
    if coach_id is not None:
        if coach_id == NO_COACH:
            rows = [r for r in rows if not r.coaches]
        else:
            rows = [r for r in rows if any(c.id == coach_id for c in r.coaches)]
    last_page = max(1, -(-len(rows) // COMPLIANCE_PER_PAGE))
    page = min(max(request.args.get("page", 1, type=bounded_int), 1), last_page)
    pagination = ListPagination(page=page, per_page=COMPLIANCE_PER_PAGE, max_per_page=None, error_out=False,
                                items=rows)
    current = window[-1]
    return render_template(
        "dashboard/compliance.html", window=window, current_week=current, pagination=pagination, coaches=coaches,
        coach_id=coach_id, no_coach=NO_COACH, active="compliance", percent=lambda f: format_percent(f.rate)
        if f.rate is not None else "—",
        owed=sum(r.owed for r in rows),
        missing=sum(r.missing for r in rows), written=sum(r.written for r in rows),
        coach_links=is_staff(current_user), **_common())
