"""Benchmark: incubation pages and the tick as projects and weeks grow.

Run: `make bench`, or `.venv/bin/python benchmarks/bench_incubation.py [--db URL|postgresql]`.
For 10, 100 and 500 projects in incubation for a year (a weekly log for most weeks, three
iterations, two pieces of evidence and an indicator with monthly values each), prints the median
time and SQL statement count of the project timeline, the journal, the review page and the
coach's page (the coach follows every project), then of `incubator tick`: the first tick of a
Monday (every project's log check falls due) and a quiet tick a minute later.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event, insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import Counter, main, timed  # noqa: E402
from incubator import create_app  # noqa: E402
from incubator.calls.operations import create_call  # noqa: E402
from incubator.extensions import db  # noqa: E402
from incubator.incubation.models import (  # noqa: E402
    Indicator,
    IndicatorValue,
    Iteration,
    Validation,
    WeeklyLog,
    week_start,
)
from incubator.models import Project, ProjectCoach, ProjectEvent, ProjectMember, User  # noqa: E402
from incubator.notifications.timers import tick  # noqa: E402

WEEKS = 52


def person(email: str, role: str) -> User:
    user = User(email=email, name=email.split("@")[0])
    user.set_roles([role])
    user.set_password("bench-password")
    db.session.add(user)
    return user


def build(n_projects: int, now: datetime, coach: User, agent: User, staff: User) -> list[int]:
    """Projects started a year ago, with their ledger, in bulk."""
    started = now - timedelta(weeks=WEEKS)
    call = create_call(title=f"Appel {n_projects}", opens_at=started - timedelta(days=200),
                       closes_at=started - timedelta(days=150))
    db.session.flush()
    ids = []
    for n in range(n_projects):
        project = Project(call_id=call.id, title=f"Projet {n}", state="pre_incubation", phase="pre_incubation",
                          phase_started_at=now - timedelta(days=20), review_due_at=now + timedelta(days=70),
                          submitted_at=started - timedelta(days=160))
        db.session.add(project)
        db.session.flush()
        ids.append(project.id)
    db.session.execute(insert(ProjectMember), [{"project_id": i, "user_id": agent.id, "added_at": started}
                                               for i in ids])
    db.session.execute(insert(ProjectCoach), [{"project_id": i, "user_id": coach.id, "assigned_at": started}
                                              for i in ids])
    steps = [("create", None, "draft", 170), ("submit", "draft", "submitted", 160),
             ("shortlist", "submitted", "shortlisted", 140), ("select", "shortlisted", "selected", 20),
             ("start", "selected", "pre_incubation", 0)]
    history = [{"project_id": i, "event": name, "from_state": source, "to_state": dest,
                "at": started - timedelta(days=days), "comment": ""}
               for i in ids for name, source, dest, days in steps]
    db.session.execute(insert(ProjectEvent), [{"actor_id": None, **row} for row in history])
    first = week_start(started.date()) + timedelta(days=7)
    logs = [{"project_id": i, "week_start": first + timedelta(weeks=w), "done": "Entretiens avec des usagers",
             "learnt": "", "blockers": "", "next_steps": "", "team_note": "", "days_spent": 1.5, "confidence": 3,
             "author_id": coach.id, "updated_by_id": coach.id, "created_at": now, "updated_at": now}
            for i in ids for w in range(WEEKS - 2) if w % 9 != 4]
    db.session.execute(insert(WeeklyLog), logs)
    db.session.execute(insert(Iteration), [
        {"project_id": i, "number": k, "title": f"Test {k}", "hypothesis": "Les usagers viennent",
         "experiment": "", "audience": "", "measure": "", "target": "", "result": "", "learning": "Oui",
         "decision": "pivot" if k == 2 else "persevere", "pivot_change": "Autre cible" if k == 2 else "",
         "started_on": (started + timedelta(weeks=4 * k)).date(), "created_at": now, "updated_at": now}
        for i in ids for k in (1, 2, 3)])
    db.session.execute(insert(Validation), [
        {"project_id": i, "method": "interviews", "users_count": 12, "verdict": "validated", "notes": "",
         "held_on": (started + timedelta(weeks=6 * k)).date(), "created_at": now} for i in ids for k in (1, 2)])
    db.session.execute(insert(Indicator), [{"project_id": i, "name": "Usagers", "unit": "", "description": "",
                                            "created_at": now} for i in ids])
    indicator_ids = db.session.scalars(db.select(Indicator.id).where(Indicator.project_id.in_(ids))).all()
    db.session.execute(insert(IndicatorValue), [
        {"indicator_id": k, "measured_on": (started + timedelta(days=30 * m)).date(), "value": 10.0 * m,
         "note": "", "created_at": now} for k in indicator_ids for m in range(12)])
    db.session.commit()
    return ids


def measure(url: str, sizes: list[int], rounds: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    print(f"database: {url.split('@')[-1]}")
    print(f"{'projects':>9} {'timeline ms':>12} {'SQL':>5} {'journal ms':>11} {'SQL':>5} {'review ms':>10} {'SQL':>5} "
          f"{'coach ms':>9} {'SQL':>5} {'Monday tick ms':>15} {'SQL':>6} {'quiet tick ms':>14} {'SQL':>5}")
    with app.app_context():
        upgrade()
        now = datetime.now(UTC)
        for index, size in enumerate(sizes):
            coach = person(f"coach{size}@bench.example", "coach")
            agent = person(f"agent{size}@bench.example", "agent")
            staff = person(f"staff{size}@bench.example", "staff")
            db.session.commit()
            ids = build(size, now, coach, agent, staff)
            client = app.test_client()
            with app.app_context():
                login = client.post("/login", data={"email": coach.email, "password": "bench-password"})
            assert login.status_code == 302
            counter = Counter()
            event.listen(db.engine, "before_cursor_execute", counter)
            pid = ids[0]
            figures = []
            for path in (f"/projects/{pid}/timeline", f"/projects/{pid}/journal", f"/projects/{pid}/review",
                         "/coaching"):
                def get(path=path, client=client):
                    with app.app_context():  # each request its own `g`, as in production
                        response = client.get(path)
                    assert response.status_code == 200, (path, response.status_code,
                                                         response.get_data(as_text=True)[:3000])
                figures.append(timed(get, rounds, counter))
            # The tick: a first run the Sunday before (writes the timers), then Monday 9:00 Paris.
            # Each size ticks a week later than the previous one (the tick remembers its last run).
            monday = datetime.combine(week_start(now.date()) + timedelta(days=7 * (index + 1)),
                                      datetime.min.time(), UTC)
            tick(monday - timedelta(hours=12))
            counter.n = 0
            start = time.perf_counter()
            report = tick(monday + timedelta(hours=8, minutes=5))
            figures.append(((time.perf_counter() - start) * 1000, counter.n))
            assert report.processed >= size, report.describe()
            counter.n = 0
            start = time.perf_counter()
            tick(monday + timedelta(hours=8, minutes=6))
            figures.append(((time.perf_counter() - start) * 1000, counter.n))
            event.remove(db.engine, "before_cursor_execute", counter)
            cells = " ".join(f"{ms:>{w}.1f} {sql:>{s}.0f}" for (ms, sql), w, s in
                             zip(figures, (12, 11, 10, 9, 15, 14), (5, 5, 5, 5, 6, 5), strict=True))
            print(f"{size:>9} {cells}")


if __name__ == "__main__":
    main(measure, [10, 100, 500], __doc__)
