"""Benchmark: the scoreboard and the minutes as the jury day grows.

Run: `make bench`, or `.venv/bin/python benchmarks/bench_jury.py [--db URL|postgresql]`.
Prints, for sessions of 10, 30 and 100 projects with 5 and 15 jurors (every present juror
has submitted a sheet on every project), the median time and SQL statement count of
`scoreboard()`, of the scoreboard page and of the minutes page.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import Counter, main, timed  # noqa: E402
from incubator import create_app  # noqa: E402
from incubator.calls.operations import create_call  # noqa: E402
from incubator.extensions import db  # noqa: E402
from incubator.jury import operations as jury  # noqa: E402
from incubator.jury.models import PitchSession  # noqa: E402
from incubator.models import User  # noqa: E402
from tests.jury_helpers import bulk_session  # noqa: E402


def measure(url: str, shapes: list[tuple[int, int]], rounds: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    print(f"database: {url.split('@')[-1]}")
    print(f"{'projects':>9} {'jurors':>7} {'board ms':>9} {'board SQL':>10} {'page ms':>9} {'page SQL':>9} "
          f"{'minutes ms':>11} {'minutes SQL':>12}")
    with app.app_context():
        upgrade()
        staff = User(email="staff@bench.example", name="Staff")
        staff.set_roles(["staff"])
        staff.set_password("bench-password")
        db.session.add(staff)
        db.session.commit()
        client = app.test_client()
        assert client.post("/login", data={"email": staff.email, "password": "bench-password"}).status_code == 302
        now = datetime.now(UTC)
        for n_projects, n_jurors in shapes:
            call = create_call(title=f"Appel {n_projects}x{n_jurors}", opens_at=now - timedelta(days=30),
                               closes_at=now - timedelta(days=1))
            session_id = bulk_session(call, n_projects, n_jurors)
            db.session.commit()
            counter = Counter()
            event.listen(db.engine, "before_cursor_execute", counter)
            board = timed(lambda sid=session_id: jury.scoreboard(db.session.get(PitchSession, sid),
                                                                 db.session.get(User, staff.id)), rounds, counter)
            page = timed(lambda sid=session_id: client.get(f"/jury/{sid}/scoreboard"), rounds, counter)
            minutes = timed(lambda sid=session_id: client.get(f"/jury/{sid}/minutes"), rounds, counter)
            event.remove(db.engine, "before_cursor_execute", counter)
            print(f"{n_projects:>9} {n_jurors:>7} {board[0]:>9.1f} {board[1]:>10.1f} {page[0]:>9.1f} "
                  f"{page[1]:>9.1f} {minutes[0]:>11.1f} {minutes[1]:>12.1f}")


if __name__ == "__main__":
    main(measure, [(10, 5), (30, 5), (100, 5), (30, 15), (100, 15)], __doc__)
