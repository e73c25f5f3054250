"""The evidence a phase review looks at, in a fixed number of queries, as plain JSON-able data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from ..clock import utcnow
from ..extensions import db
from ..models import Project, ProjectMember
from ..workflows import get_definition
from .models import Indicator, IndicatorValue, Iteration, Validation, WeeklyLog, week_label
from .periods import active_periods, paris_date, periods, time_budget, weeks_owed


def evidence_summary(project: Project, at: datetime | None = None) -> dict:
    """Users consulted and verdicts, iterations and pivots, logs kept and missed, days against the
    budget, and each indicator's latest value."""
    at = at or utcnow()
    definition = get_definition(project.workflow)
    validations = {"count": 0, "users": 0, "by_verdict": {}, "by_method": {}, "last_on": None}
    for method, verdict, count, users, last in db.session.execute(
        select(Validation.method, Validation.verdict, func.count(), func.coalesce(func.sum(Validation.users_count), 0),
               func.max(Validation.held_on))
        .where(Validation.project_id == project.id).group_by(Validation.method, Validation.verdict)
    ):
        validations["count"] += count
        validations["users"] += int(users)
        validations["by_verdict"][verdict] = validations["by_verdict"].get(verdict, 0) + count
        validations["by_method"][method] = validations["by_method"].get(method, 0) + count
        last = last.isoformat() if last else None
        if last and (validations["last_on"] is None or last > validations["last_on"]):
            validations["last_on"] = last

    iterations = {"count": 0, "open": 0, "by_decision": {}, "pivots": []}
    for number, title, decision, change in db.session.execute(
        select(Iteration.number, Iteration.title, Iteration.decision, Iteration.pivot_change)
        .where(Iteration.project_id == project.id).order_by(Iteration.number)
    ):
        iterations["count"] += 1
        if decision is None:
            iterations["open"] += 1
        else:
            iterations["by_decision"][decision] = iterations["by_decision"].get(decision, 0) + 1
        if decision == "pivot":
            iterations["pivots"].append({"number": number, "title": title, "change": change})

    logs = db.session.scalars(select(WeeklyLog).where(WeeklyLog.project_id == project.id)).all()
    all_periods = periods(project.history, definition)
    active = active_periods(all_periods)
    today = paris_date(at)
    written = {log.week_start for log in logs}
    weeks = weeks_owed(active, today)
    missing = [w for w in weeks if w not in written]
    recent = sorted(logs, key=lambda log: log.week_start)[-4:]
    members = db.session.scalar(select(func.count()).select_from(ProjectMember)
                                .where(ProjectMember.project_id == project.id)) or 0
    budgets = time_budget(active, project.call.programme.time_budget or {}, members, logs, at)

    latest = (select(IndicatorValue.indicator_id, func.max(IndicatorValue.measured_on).label("day"))
              .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
              .where(Indicator.project_id == project.id)
              .group_by(IndicatorValue.indicator_id).subquery())
    indicators = [
        {"name": name, "unit": unit, "target": target, "value": value,
         "on": day.isoformat() if day else None}
        for name, unit, target, value, day in db.session.execute(
            select(Indicator.name, Indicator.unit, Indicator.target, IndicatorValue.value,
                   IndicatorValue.measured_on)
            .outerjoin(latest, latest.c.indicator_id == Indicator.id)
            .outerjoin(IndicatorValue, (IndicatorValue.indicator_id == Indicator.id)
                       & (IndicatorValue.measured_on == latest.c.day))
            .where(Indicator.project_id == project.id).order_by(Indicator.id)
        )
    ]
    return {
        "at": at.isoformat(),
        "validations": validations,
        "iterations": iterations,
        "logs": {
            "expected": len(weeks), "written": len(written), "missing": len(missing),
            "missing_weeks": [week_label(w) for w in missing[-12:]],
            "recent_confidence": [log.confidence for log in recent],
        },
        "budget": [b.__dict__ for b in budgets],
        "indicators": indicators,
    }
