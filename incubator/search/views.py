"""The learnings search page: a GET form, the results of the projects the user may see, with their matches marked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_sqlalchemy.pagination import Pagination
from markupsafe import Markup, escape
from sqlalchemy import select

from ..extensions import db
from ..incubation.forms_evidence import METHOD_LABELS, VERDICT_LABELS
from ..incubation.models import week_label
from ..models import Call
from ..templating import event_label, locale_code
from ..themes import THEMES, theme_choices
from ..urls import bounded_int
from ..workflows import all_definitions
from . import bp
from .forms import SearchForm
from .models import KINDS
from .queries import Filters, Hit, QueryError, Results, parse_query, search
from .text import highlighted

KIND_LABELS = {
    "project": _l("Project"),
    "iteration": _l("Iteration"),
    "validation": _l("User validation"),
    "log": _l("Weekly log"),
    "decision": _l("Decision"),
}
KIND_PLURALS = {
    "project": _l("Projects"),
    "iteration": _l("Iterations"),
    "validation": _l("User validations"),
    "log": _l("Weekly logs"),
    "decision": _l("Decisions"),
}


class ResultsPagination(Pagination):
    """The `pagination` macro's object over results already counted and fetched."""

    def _query_items(self) -> list:
        return self._query_args["results"].hits

    def _query_count(self) -> int:
        return self._query_args["results"].total


@dataclass
class ResultView:
    kind: str
    kind_label: str
    heading: Markup
    url: str
    excerpt: Markup
    hit: Hit
    date_label: str
    date_iso: str


def _state_choices() -> list[tuple[str, str]]:
    return list({name: st.label(locale_code()) for d in all_definitions() for name, st in d.states.items()}.items())


def _filters(form: SearchForm) -> Filters:
    """The filters as chosen; an unknown value (an edited URL) is dropped rather than refused."""
    states = {name for name, _label in form.state.choices}
    calls = {value for value, _label in form.call.choices}
    return Filters(
        state=form.state.data if form.state.data in states and form.state.data else None,
        call_id=int(form.call.data) if form.call.data in calls and form.call.data else None,
        theme=form.theme.data if form.theme.data in THEMES else None,
        kind=form.kind.data if form.kind.data in KINDS else None,
    )


def _when(value: date | datetime | None) -> tuple[str, str]:
    if value is None:
        return "", ""
    day = value.date() if isinstance(value, datetime) else value
    return format_date(day, "long"), day.isoformat()


def _view(hit: Hit) -> ResultView:
    title = highlighted(hit.title)
    project_url = url_for("projects.show", project_id=hit.project_id)
    when: date | datetime | None = hit.updated_at
    if hit.kind == "iteration" and hit.number is not None:
        heading = escape(_("Iteration %(number)d: %(title)s")) % {"number": hit.number, "title": title}
        url = url_for("incubation.iterations", project_id=hit.project_id, _anchor=f"iteration-{hit.number}")
        date_label = _("Updated on %(date)s")
    elif hit.kind == "validation" and hit.method is not None:
        heading = escape(ngettext("%(method)s with %(num)d user: %(verdict)s",
                                  "%(method)s with %(num)d users: %(verdict)s", hit.users_count or 0,
                                  method=str(METHOD_LABELS.get(hit.method, hit.method)),
                                  verdict=str(VERDICT_LABELS.get(hit.verdict, hit.verdict)).lower()))
        url = url_for("incubation.validations", project_id=hit.project_id, _anchor=f"validation-{hit.ref_id}")
        when, date_label = hit.held_on, _("Held on %(date)s")
    elif hit.kind == "log" and hit.week_start is not None:
        label = week_label(hit.week_start)
        heading = escape(_("Week of %(date)s")) % {"date": format_date(hit.week_start, "long")}
        url = url_for("incubation.journal", project_id=hit.project_id, week=label, _anchor=f"week-{label}")
        when, date_label = hit.week_start + timedelta(days=6), _("Week ending %(date)s")
    elif hit.kind == "decision" and hit.event is not None:
        heading = escape(_("Decision: %(event)s")) % {"event": event_label(hit.workflow, hit.event)}
        url = url_for("projects.show", project_id=hit.project_id, _anchor="history")
        when, date_label = hit.at, _("Decided on %(date)s")
    else:  # the project itself
        heading = title
        url = project_url
        date_label = _("Updated on %(date)s")
    shown, iso = _when(when)
    return ResultView(kind=hit.kind, kind_label=str(KIND_LABELS[hit.kind]), heading=heading, url=url,
                      excerpt=highlighted(hit.excerpt), hit=hit,
                      date_label=date_label % {"date": shown} if shown else "", date_iso=iso)


@bp.route("/")
@login_required
def index():
    form = SearchForm(request.args)
    form.kind.choices = [("", _("Every kind")), *((k, str(KIND_LABELS[k])) for k in KINDS)]
    form.state.choices = [("", _("Every state")), *_state_choices()]
    form.call.choices = [("", _("Every call")), *(
        (str(call_id), title) for call_id, title in db.session.execute(
            select(Call.id, Call.title).order_by(Call.opens_at.desc(), Call.id.desc())))]
    form.theme.choices = theme_choices(blank=_("Every theme"))
    filters = _filters(form)
    text = (form.q.data or "").strip()
    query, results, status = None, None, 200
    if text:
        try:
            query = parse_query(text)
        except QueryError as exc:
            form.q.errors = [exc.message]
            status = 422
    if status == 200:
        results = search(current_user, query, filters, page=request.args.get("page", 1, type=bounded_int),
                         per_page=current_app.config["PER_PAGE"])
    return render_template(
        "search/index.html",
        form=form,
        text=text,
        filters=filters,
        results=results,
        views=[_view(hit) for hit in results.hits] if results else [],
        pagination=_pagination(results),
        kind_chips=_kind_chips(results, filters, text) if results else [],
        params=_params(text, filters),
    ), status


def _pagination(results: Results | None) -> Pagination | None:
    if results is None:
        return None
    return ResultsPagination(page=results.page, per_page=results.per_page, max_per_page=None, error_out=False,
                             results=results)


def _params(text: str, filters: Filters) -> dict:
    """The query string of this search, for the page links and the kind chips (empty values dropped)."""
    return {"q": text, "kind": filters.kind, "state": filters.state,
            "call": str(filters.call_id) if filters.call_id else None, "theme": filters.theme}


def _kind_chips(results: Results, filters: Filters, text: str) -> list[dict]:
    """How many results each kind has (the other filters applied), each a link that narrows to it."""
    params = {k: v for k, v in _params(text, filters).items() if v and k != "kind"}
    chips = [{"label": _("All kinds"), "count": results.all_kinds, "current": filters.kind is None,
              "params": params}]
    for kind in KINDS:
        count = results.by_kind.get(kind, 0)
        if count or filters.kind == kind:
            chips.append({"label": str(KIND_PLURALS[kind]), "count": count, "current": filters.kind == kind,
                          "params": {**params, "kind": kind}})
    return chips
