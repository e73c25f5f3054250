"""Benchmark: the cost of firing an event, and of the two busiest pages, as projects grow.

Run: `make bench` (SQLite, then a throw-away PostgreSQL), or
`.venv/bin/python benchmarks/bench_workflow.py [--db URL|postgresql] [--sizes 10,100,1000]`.
Prints, for 10, 100 and 1,000 projects in one call (and more with --sizes): the mean time
and SQL statement count of `fire()` (submit then shortlist, each committed), and of GET
/calls/ID (staff submissions list) and GET /projects/ID.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event, insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import Counter, run  # noqa: E402
from incubator import create_app
from incubator.calls.operations import create_call
from incubator.extensions import db
from incubator.models import Project, ProjectEvent, ProjectMember, User
from incubator.workflows import fire


def bulk_projects(call, author, n, now):
    rows = [dict(call_id=call.id, title=f"Projet {i}", problem="Problème", proposal="Proposition",
                 service="Direction", answers={"affected": "x", "frequency": "y"}, state="submitted",
                 submitted_at=now, created_at=now, updated_at=now, version=1) for i in range(n)]
    ids = [r.id for r in db.session.execute(insert(Project).returning(Project.id), rows)]
    db.session.execute(insert(ProjectMember), [dict(project_id=i, user_id=author.id, added_at=now) for i in ids])
    db.session.execute(insert(ProjectEvent), [dict(project_id=i, event="submit", from_state="draft",
                                                   to_state="submitted", actor_id=author.id, at=now, comment="")
                                              for i in ids])
    db.session.commit()
    return ids


def measure(url: str, sizes: list[int], rounds: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    print(f"database: {url.split('@')[-1]}")
    print(f"{'projects':>9} {'fire ms':>9} {'fire SQL':>9} {'list ms':>9} {'list SQL':>9} "
          f"{'page ms':>9} {'page SQL':>9}")
    with app.app_context():
        upgrade()
        now = datetime.now(UTC)
        staff = User(email="staff@bench.test", name="Staff")
        staff.set_roles(["staff"])
        staff.set_password("bench-password")
        agent = User(email="agent@bench.test", name="Agent")
        agent.set_roles(["agent"])
        db.session.add_all([staff, agent])
        db.session.commit()
        client = app.test_client()
        login = client.post("/login", data={"email": staff.email, "password": "bench-password"})
        assert login.status_code == 302, login.get_data(as_text=True)[-3000:]
        for size in sizes:
            call = create_call(title=f"Appel {size}", opens_at=now - timedelta(days=5),
                               closes_at=now + timedelta(days=5))
            db.session.commit()
            ids = bulk_projects(call, agent, size, now)
            counter = Counter()
            event.listen(db.engine, "before_cursor_execute", counter)
            fire_times = []
            for pid in ids[:rounds]:
                db.session.expire_all()
                start = time.perf_counter()
                project = db.session.get(Project, pid)
                fire(project, "shortlist", db.session.get(User, staff.id), "ok")
                db.session.commit()
                fire_times.append(time.perf_counter() - start)
            fire_sql = counter.n / rounds
            counter.n = 0
            list_times = []
            for _ in range(rounds):
                start = time.perf_counter()
                r = client.get(f"/calls/{call.id}")
                assert r.status_code == 200, (r.status_code, r.location)
                list_times.append(time.perf_counter() - start)
            list_sql = counter.n / rounds
            counter.n = 0
            page_times = []
            for _ in range(rounds):
                start = time.perf_counter()
                assert client.get(f"/projects/{ids[0]}").status_code == 200
                page_times.append(time.perf_counter() - start)
            page_sql = counter.n / rounds
            event.remove(db.engine, "before_cursor_execute", counter)
            print(f"{size:>9} {statistics.median(fire_times) * 1000:>9.2f} {fire_sql:>9.1f} "
                  f"{statistics.median(list_times) * 1000:>9.2f} {list_sql:>9.1f} "
                  f"{statistics.median(page_times) * 1000:>9.2f} {page_sql:>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL, or `postgresql` for a throw-away server started here "
                                     "(default: a temporary SQLite file)")
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    run(measure, [int(s) for s in args.sizes.split(",")], args.rounds, args.db)


if __name__ == "__main__":
    main()
