"""Benchmark: the programme dashboard's pages as projects grow.

Run: `.venv/bin/python benchmarks/bench_dashboard.py [--db URL|postgresql] [--rounds N]`.
For 10, 100 and 500 projects in one promotion (spread over the workflow's states: submitted,
declined, shortlisted, rejected, in pre-incubation, in startup mode, on hold, integrated; those in
incubation with a coach and weekly logs for most of the last 30 weeks), prints for each dashboard
page the median time and the SQL statements of one request, as the programme team. The tables are
emptied between sizes, so each size is measured alone.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event, insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import Counter, main, timed  # noqa: E402
from incubator import create_app  # noqa: E402
from incubator.calls.operations import create_call  # noqa: E402
from incubator.extensions import db  # noqa: E402
from incubator.incubation.models import WeeklyLog, week_start  # noqa: E402
from incubator.jury.models import PitchSession  # noqa: E402
from incubator.models import Project, ProjectCoach, ProjectEvent, ProjectMember, User  # noqa: E402

WEEKS = 30
# Each state with the path of events that leads to it, and the days before "started" each one fired.
PATHS = {
    "submitted": [],
    "not_retained": [("decline", "submitted", "not_retained", 150)],
    "shortlisted": [("shortlist", "submitted", "shortlisted", 150)],
    "rejected": [("shortlist", "submitted", "shortlisted", 150), ("reject", "shortlisted", "rejected", 20)],
    "pre_incubation": [("shortlist", "submitted", "shortlisted", 150), ("select", "shortlisted", "selected", 20),
                       ("start", "selected", "pre_incubation", 0)],
    "startup": [("shortlist", "submitted", "shortlisted", 150), ("select", "shortlisted", "selected", 20),
                ("start", "selected", "pre_incubation", 0), ("graduate", "pre_incubation", "startup", -91)],
    "on_hold": [("shortlist", "submitted", "shortlisted", 150), ("select", "shortlisted", "selected", 20),
                ("start", "selected", "pre_incubation", 0), ("pause", "pre_incubation", "on_hold", -60)],
    "integrated": [("shortlist", "submitted", "shortlisted", 150), ("select", "shortlisted", "selected", 20),
                   ("start", "selected", "pre_incubation", 0), ("graduate", "pre_incubation", "startup", -91),
                   ("integrate", "startup", "integrated", -200)],
}
PAGES = ["/dashboard/", "/dashboard/funnel?call={call}", "/dashboard/board", "/dashboard/board/pau/submitted",
         "/dashboard/promotions", "/dashboard/promotions/{call}", "/dashboard/compliance"]


def person(email: str, role: str) -> User:
    user = User(email=email, name=email.split("@")[0])
    user.set_roles([role])
    user.set_password("bench-password")
    db.session.add(user)
    return user


def empty_tables() -> None:
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            if table.name != "alembic_version":
                conn.execute(table.delete())


def build(n_projects: int, now: datetime, coach: User, agent: User) -> int:
    """One promotion of `n_projects` projects in bulk; returns the call's id."""
    started = now - timedelta(weeks=WEEKS)
    call = create_call(title=f"Promotion {n_projects}", opens_at=started - timedelta(days=200),
                       closes_at=started - timedelta(days=160))
    db.session.flush()
    db.session.add(PitchSession(call_id=call.id, title="Jury", starts_at=now + timedelta(days=9)))
    states = list(PATHS)
    projects = []
    for n in range(n_projects):
        state = states[n % len(states)]
        events = PATHS[state]
        phase = next((dest for _e, _s, dest, _d in reversed(events) if dest in ("pre_incubation", "startup")), None)
        if state == "integrated":
            phase = "startup"
        last = started - timedelta(days=events[-1][3]) if events else started - timedelta(days=160)
        projects.append(Project(
            call_id=call.id, title=f"Projet {n}", state=state, phase=phase,
            phase_started_at=last if phase else None,
            review_due_at=(last + timedelta(days=91 + 61 * (n % 3))) if state in ("pre_incubation", "startup")
            else (started + timedelta(days=91)) if state == "on_hold" else None,
            clock_stopped_at=last if state == "on_hold" else None,
            state_before_hold="pre_incubation" if state == "on_hold" else None,
            submitted_at=started - timedelta(days=160), updated_at=now - timedelta(minutes=n)))
    db.session.add_all(projects)
    db.session.flush()
    ids = [p.id for p in projects]
    db.session.execute(insert(ProjectMember), [{"project_id": i, "user_id": agent.id, "added_at": started}
                                               for i in ids])
    history, coached, logs = [], [], []
    first = week_start(started.date()) + timedelta(days=7)
    for project in projects:
        steps = [("create", None, "draft", 170), ("submit", "draft", "submitted", 160), *PATHS[project.state]]
        history += [{"project_id": project.id, "event": name, "from_state": source, "to_state": dest,
                     "at": started - timedelta(days=days), "comment": "", "actor_id": None}
                    for name, source, dest, days in steps]
        if project.phase:
            coached.append({"project_id": project.id, "user_id": coach.id, "assigned_at": started})
            logs += [{"project_id": project.id, "week_start": first + timedelta(weeks=w), "done": "Entretiens",
                      "learnt": "", "blockers": "", "next_steps": "", "team_note": "", "days_spent": 1.5,
                      "confidence": 3, "author_id": coach.id, "updated_by_id": coach.id, "created_at": now,
                      "updated_at": now}
                     for w in range(WEEKS - 2) if w % 7 != 3]
    db.session.execute(insert(ProjectEvent), history)
    if coached:
        db.session.execute(insert(ProjectCoach), coached)
        db.session.execute(insert(WeeklyLog), logs)
    db.session.commit()
    return call.id


def measure(url: str, sizes: list[int], rounds: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    print(f"database: {url.split('@')[-1]}")
    results: dict[str, list[tuple[float, float]]] = {}
    with app.app_context():
        logging.disable(logging.INFO)  # the migrations' own messages
        upgrade()
        logging.disable(logging.NOTSET)
        now = datetime.now(UTC)
        for size in sizes:
            empty_tables()
            staff = person(f"staff{size}@bench.example", "staff")
            coach = person(f"coach{size}@bench.example", "coach")
            agent = person(f"agent{size}@bench.example", "agent")
            db.session.commit()
            call_id = build(size, now, coach, agent)
            client = app.test_client()
            with app.app_context():
                login = client.post("/login", data={"email": staff.email, "password": "bench-password"})
            assert login.status_code == 302
            counter = Counter()
            event.listen(db.engine, "before_cursor_execute", counter)
            for template in PAGES:
                path = template.format(call=call_id)

                def get(path=path, client=client):
                    with app.app_context():  # each request its own `g`, as in production
                        response = client.get(path)
                    assert response.status_code == 200, (path, response.status_code,
                                                         response.get_data(as_text=True)[:3000])
                get()  # warm-up: templates compiled, caches filled
                results.setdefault(template, []).append(timed(get, rounds, counter))
            event.remove(db.engine, "before_cursor_execute", counter)
    head = " ".join(f"{f'{size} ms':>10} {'SQL':>4}" for size in sizes)
    print(f"{'page (projects →)':<32} {head}")
    for template, figures in results.items():
        cells = " ".join(f"{ms:>10.1f} {sql:>4.0f}" for ms, sql in figures)
        print(f"{template.replace('{call}', 'ID'):<32} {cells}")


if __name__ == "__main__":
    main(measure, [10, 100, 500], __doc__)
