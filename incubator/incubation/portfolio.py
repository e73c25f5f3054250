"""A project's portfolio: the problem, the team, the decisions and their reasons, the iterations, the
user-validation evidence, the indicators and the outcome, in one document (page, PDF, Markdown).

`load_portfolio` reads everything in a fixed number of queries, however long the ledger;
`render_markdown_portfolio` writes the same content as Markdown, user text kept as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import format_date, format_decimal, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Call, Programme, Project, User
from ..templating import state_label
from ..workflows import Definition, get_definition
from . import loading
from .forms_evidence import METHOD_LABELS, VERDICT_LABELS
from .models import Indicator, IndicatorValue, Iteration, PhaseReview, Validation, WeeklyLog
from .periods import Budget, active_periods, periods, time_budget
from .timeline import Entry, Timeline, build_timeline, duration_words

# Timeline entries that are decisions worth a reason in the portfolio (creation and edits aside).
DECISION_KINDS = ("submission", "jury", "phase_start", "review", "hold", "resume", "outcome", "event")


def decision_label(decision: str | None) -> str:
    return {"persevere": _("Persevere"), "pivot": _("Pivot"), "stop": _("Stop")}.get(
        decision or "", _("Not decided yet"))


def number(value: float | None) -> str:
    return "" if value is None else format_decimal(value, format="#,##0.##")


@dataclass
class IndicatorRow:
    indicator: Indicator
    values: list[IndicatorValue]

    @property
    def latest(self) -> IndicatorValue | None:
        return self.values[-1] if self.values else None

    def show(self, value: float | None) -> str:
        if value is None:
            return ""
        return f"{number(value)} {self.indicator.unit}".strip()


@dataclass
class Portfolio:
    project: Project
    call: Call
    programme: Programme
    definition: Definition
    now: datetime
    timeline: Timeline
    questions: list[tuple[str, str]]
    team: list[User]
    coaches: list[User]
    decisions: list[Entry]
    iterations: list[Iteration]
    validations: list[Validation]
    indicators: list[IndicatorRow]
    budget: list[Budget]
    logs_written: int
    days_declared: float
    outcome: Entry | None = None
    phase_labels: dict[str, str] = field(default_factory=dict)

    @property
    def state(self) -> str:
        return state_label(self.project.workflow, self.project.state)

    @property
    def is_final(self) -> bool:
        state = self.definition.states.get(self.project.state)
        return bool(state and state.final)

    @property
    def users_consulted(self) -> int:
        return sum(v.users_count for v in self.validations)

    @property
    def iteration_numbers(self) -> dict[int, int]:
        return {i.id: i.number for i in self.iterations}

    @property
    def pivots(self) -> list[Iteration]:
        return [i for i in self.iterations if i.decision == "pivot"]

    def reason(self, entry: Entry) -> str:
        """The reason given for a decision: a review's rationale, else the event's comment."""
        if entry.review is not None and entry.review.comment:
            return entry.review.comment
        return entry.event.comment if entry.event is not None else ""

    def phase(self, name: str | None) -> str:
        return self.phase_labels.get(name or "", name or "")


def load_project(project_id: int) -> Project | None:
    """The project with its call, programme, team, coaches, mentor and history: a fixed number of queries."""
    return loading.load_project(project_id, people=True, actors=True, mentor=True)


def load_portfolio(project: Project, now: datetime, locale: str = "fr") -> Portfolio:
    """Everything the portfolio shows, for a project loaded by `load_project`: six more queries."""
    definition = get_definition(project.workflow)
    iterations = db.session.scalars(
        select(Iteration).where(Iteration.project_id == project.id).order_by(Iteration.number)
    ).all()
    validations = db.session.scalars(
        select(Validation).where(Validation.project_id == project.id)
        .options(selectinload(Validation.attachments))
        .order_by(Validation.held_on, Validation.id)
    ).all()
    reviews = db.session.scalars(
        select(PhaseReview).where(PhaseReview.project_id == project.id)
        .order_by(PhaseReview.decided_at, PhaseReview.id)
    ).all()
    indicators = db.session.scalars(
        select(Indicator).where(Indicator.project_id == project.id)
        .options(selectinload(Indicator.values)).order_by(Indicator.id)
    ).all()
    logs = db.session.execute(
        select(WeeklyLog.week_start, WeeklyLog.days_spent).where(WeeklyLog.project_id == project.id)
    ).all()

    timeline = build_timeline(project, definition, project.history, iterations, validations, reviews,
                              now=now, locale=locale)
    by_event = {r.event_id: r for r in reviews}
    # Every decision that gives a reason, and the jury's, the reviews, stand-bys and the outcome even without.
    decisions = [e for e in timeline.entries if e.event is not None and e.kind in DECISION_KINDS
                 and (e.event.comment or (by_event.get(e.event.id) and by_event[e.event.id].comment)
                      or e.kind in ("jury", "review", "hold", "outcome"))]
    outcome = next((e for e in reversed(decisions) if e.kind == "outcome"), None)
    active = active_periods(periods(project.history, definition))
    budget = time_budget(active, project.call.programme.time_budget or {}, len(project.members), logs, now)
    answers = project.answers or {}
    questions = [(q.get("label", q.get("key", "")), answers.get(q.get("key"), "") or "")
                 for q in project.call.questionnaire or []]
    return Portfolio(
        project=project, call=project.call, programme=project.call.programme, definition=definition,
        now=now, timeline=timeline, questions=questions,
        team=[m.user for m in project.members], coaches=[c.user for c in project.coaches],
        decisions=decisions, outcome=outcome, iterations=list(iterations), validations=list(validations),
        indicators=[IndicatorRow(i, list(i.values)) for i in indicators], budget=budget,
        logs_written=len(logs), days_declared=round(sum(d or 0 for _w, d in logs), 1),
        phase_labels={name: p.label(locale) for name, p in definition.phases.items()},
    )


# --- Markdown ------------------------------------------------------------------------------------

def _day(value: date | datetime | None) -> str:
    return format_date(value, "long") if value else ""


def _person(user: User | None) -> str:
    if user is None:
        return _("unknown")
    parts = [user.display_name]
    if user.title:
        parts.append(user.title)
    if user.service:
        parts.append(user.service)
    return ", ".join(parts)


def _block(lines: list[str], label: str, text: str) -> None:
    """A labelled piece of user text, kept as written (indented lines stay part of the item)."""
    text = (text or "").strip()
    if text:
        lines.append(f"**{label}** {text}")
        lines.append("")


def render_markdown_portfolio(p: Portfolio) -> str:
    project = p.project
    lines: list[str] = [f"# {_('Portfolio')}: {project.title}", ""]
    facts = [
        (_("Programme"), p.programme.organisation and f"{p.programme.organisation}, {p.programme.name}"
         or p.programme.name),
        (_("Call for proposals"), p.call.title),
        (_("Service"), project.service),
        (_("Current state"), p.state),
    ]
    if project.taken_over_by:
        facts.append((_("Taken over by"), project.taken_over_by))
    facts.append((_("Produced on"), _day(p.now)))
    lines += [f"- **{label}:** {value}" for label, value in facts if value]
    lines.append("")

    lines += [f"## {_('Outcome')}", ""]
    if p.outcome is not None:
        lines.append(_("%(state)s on %(date)s.", state=p.state, date=_day(p.outcome.day)))
        if project.taken_over_by:
            lines.append("")
            lines.append(_("Taken over by %(who)s.", who=project.taken_over_by))
        reason = p.reason(p.outcome)
        if reason:
            lines += ["", reason.strip()]
    else:
        lines.append(_("No outcome yet: the project is at the state “%(state)s”.", state=p.state))
    lines.append("")

    lines += [f"## {_('The field problem')}", "", (project.problem or _("Not answered yet.")).strip(), ""]
    lines += [f"## {_('The proposed solution')}", "", (project.proposal or _("Not answered yet.")).strip(), ""]
    if p.questions:
        lines += [f"## {_('Answers to the questionnaire')}", ""]
        for label, answer in p.questions:
            lines += [f"### {label}", "", (answer or _("Not answered yet.")).strip(), ""]

    lines += [f"## {_('The team')}", ""]
    lines += [f"- {_person(u)}" for u in p.team] or [_("Nobody.")]
    lines.append("")
    if p.coaches:
        lines += [f"**{_('Coaches')}**", ""] + [f"- {_person(u)}" for u in p.coaches] + [""]
    if project.mentor is not None:
        lines += [f"**{_('Mentor')}:** {_person(project.mentor)}", ""]

    lines += [f"## {_('Decisions and reasons')}", ""]
    if not p.decisions:
        lines += [_("No decision yet."), ""]
    for e in p.decisions:
        who = e.event.actor.display_name if e.event.actor else _("System")
        lines.append(f"### {_day(e.day)}: {e.label}")
        lines.append("")
        lines.append(_("By %(name)s", name=who) + ".")
        if e.review is not None:
            lines.append("")
            lines.append(_("Review of “%(phase)s”", phase=p.phase(e.review.phase)) + ".")
        if e.kind == "hold" and e.standby is not None:
            lines.append("")
            lines.append(_("On hold for %(duration)s.", duration=e.standby_words))
        if e.taken_over_by:
            lines.append("")
            lines.append(_("Taken over by %(who)s.", who=e.taken_over_by))
        reason = p.reason(e)
        lines += ["", reason.strip() if reason else f"_{_('No reason recorded.')}_", ""]

    lines += [f"## {_('Iterations')}", ""]
    if not p.iterations:
        lines += [_("No iteration recorded."), ""]
    for it in p.iterations:
        lines += [f"### {_('Iteration %(number)d: %(title)s', number=it.number, title=it.title)}", ""]
        span = _day(it.started_on) + (f" – {_day(it.ended_on)}" if it.ended_on else "")
        lines += [f"- **{_('Dates')}:** {span}", f"- **{_('Decision')}:** {decision_label(it.decision)}"]
        if it.users_count is not None:
            lines.append(f"- **{_('How many users')}:** {it.users_count}")
        lines.append("")
        _block(lines, _("Hypothesis:"), it.hypothesis)
        _block(lines, _("Experiment:"), it.experiment)
        _block(lines, _("With whom:"), it.audience)
        _block(lines, _("Measure:"), it.measure)
        _block(lines, _("Target:"), it.target)
        _block(lines, _("Result:"), it.result)
        _block(lines, _("Learning:"), it.learning)
        if it.decision == "pivot":
            _block(lines, _("What changed:"), it.pivot_change or _("Not said."))

    lines += [f"## {_('User-validation evidence')}", ""]
    if not p.validations:
        lines += [_("No evidence recorded."), ""]
    else:
        lines += [ngettext("%(num)d user consulted in all.", "%(num)d users consulted in all.",
                           p.users_consulted), ""]
    iteration_numbers = p.iteration_numbers
    for v in p.validations:
        lines += [f"### {_day(v.held_on)}: {METHOD_LABELS.get(v.method, v.method)}", ""]
        lines += [f"- **{_('Users')}:** {v.users_count}",
                  f"- **{_('Verdict')}:** {VERDICT_LABELS.get(v.verdict, v.verdict)}"]
        if v.iteration_id in iteration_numbers:
            lines.append(f"- **{_('Iteration')}:** {iteration_numbers[v.iteration_id]}")
        if v.attachments:
            lines.append(f"- **{_('Files')}:** " + ", ".join(a.filename for a in v.attachments))
        lines.append("")
        if v.notes:
            lines += [v.notes.strip(), ""]

    lines += [f"## {_('Impact indicators')}", ""]
    if not p.indicators:
        lines += [_("No indicator declared."), ""]
    for row in p.indicators:
        ind = row.indicator
        lines += [f"### {ind.name}", ""]
        latest = row.latest
        lines.append(f"- **{_('Latest value')}:** " + (
            _("%(value)s on %(date)s", value=row.show(latest.value), date=_day(latest.measured_on))
            if latest else _("No value yet")))
        lines.append(f"- **{_('Target')}:** " + (row.show(ind.target) if ind.target is not None else _("None")))
        lines.append("")
        if ind.description:
            lines += [ind.description.strip(), ""]
        if row.values:
            lines += [f"| {_('Date')} | {_('Value')} | {_('Note')} |", "|---|---:|---|"]
            for value in row.values:
                note = (value.note or "").replace("|", "\\|").replace("\n", " ")
                lines.append(f"| {_day(value.measured_on)} | {row.show(value.value)} | {note} |")
            lines.append("")

    lines += [f"## {_('Time spent')}", ""]
    lines.append(ngettext("%(num)d weekly log written", "%(num)d weekly logs written", p.logs_written)
                 + ", " + _("%(days)s days declared by the team.", days=number(p.days_declared)))
    lines.append("")
    for b in p.budget:
        lines.append(f"- {p.phase(b.phase)}: " + _(
            "%(declared)s days declared for %(planned)s planned (%(weeks)s weeks)",
            declared=number(b.declared_days), planned=number(b.planned_days), weeks=number(b.weeks)))
    for s in p.timeline.standbys:
        lines.append("- " + _("Stand-by from %(date)s, %(duration)s", date=_day(s.start),
                              duration=duration_words(s.start, s.end or p.now)))
    lines.append("")
    return "\n".join(lines).rstrip() + "\n"


__all__ = ["IndicatorRow", "Portfolio", "decision_label", "load_portfolio", "load_project",
           "render_markdown_portfolio"]
