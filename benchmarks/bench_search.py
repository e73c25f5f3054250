"""Benchmark: the learnings search as the documents grow.

Run: `.venv/bin/python benchmarks/bench_search.py [--db URL|postgresql]`.
For 100, 1,000 and 5,000 documents (a tenth are projects; the rest their weekly logs, iterations,
evidence and commented decisions, in generated French sentences), prints the median time and SQL
statement count of the search page for a word found in almost every document, for a rare word, for
the same common word as an agent on one team (the visibility clause), and of the page without a
query; then the time of `incubator search reindex` and of saving one iteration (flush listener).
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import delete, event, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import Counter, main, timed  # noqa: E402
from incubator import create_app  # noqa: E402
from incubator.calls.operations import create_call  # noqa: E402
from incubator.extensions import db  # noqa: E402
from incubator.incubation import operations as ops  # noqa: E402
from incubator.incubation.models import Iteration, Validation, WeeklyLog, week_start  # noqa: E402
from incubator.models import Project, ProjectEvent, ProjectMember, User  # noqa: E402
from incubator.search.index import reindex  # noqa: E402

WORDS = ("habitants agents quartier service usagers bénévoles atelier entretien prototype composteur vélo "
         "mobilité précarité énergétique démarche accueil mairie école crèche déchets tri partage "
         "formulaire numérique rendez-vous ménages aînés isolement jardin parking signalement").split()
RARE = "zanzibar"


def sentence(rng: random.Random, n: int = 14) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def text(rng: random.Random, common: bool, rare: bool, sentences: int = 3) -> str:
    parts = [sentence(rng) for _ in range(sentences)]
    if common:
        parts.append("Le retour des usagers compte.")
    if rare:
        parts.append(f"Piste {RARE}.")
    return " ".join(parts)


def person(email: str, role: str) -> User:
    user = User(email=email, name=email.split("@")[0])
    user.set_roles([role])
    user.set_password("bench-password")
    db.session.add(user)
    return user


def build(n_documents: int, agent: User, now: datetime) -> list[int]:
    """Projects in pre-incubation, with logs, iterations, evidence and decisions, in bulk (no flush:
    the index is then built by `reindex`, which is also measured)."""
    rng = random.Random(n_documents)
    n_projects = max(1, n_documents // 10)
    started = now - timedelta(weeks=30)
    call = create_call(title=f"Appel {n_documents}", opens_at=started - timedelta(days=200),
                       closes_at=started - timedelta(days=150))
    db.session.flush()
    serial = iter(range(10 ** 9))

    def flags() -> tuple[bool, bool]:
        k = next(serial)
        return k % 20 != 0, k % 100 == 7  # the common word in 95 % of documents, the rare one in 1 %

    ids = []
    for n in range(n_projects):
        common, rare = flags()
        project = Project(call_id=call.id, title=f"Projet {n} {rng.choice(WORDS)}", state="pre_incubation",
                          phase="pre_incubation", phase_started_at=started, submitted_at=started,
                          problem=text(rng, common, rare), proposal=sentence(rng), answers={})
        db.session.add(project)
        db.session.flush()
        ids.append(project.id)
    db.session.execute(insert(ProjectMember), [{"project_id": ids[0], "user_id": agent.id, "added_at": started}])
    first = week_start(started.date())
    logs, iterations, validations, events = [], [], [], []
    per_project = n_documents // n_projects - 1
    for i in ids:
        for k in range(per_project):
            common, rare = flags()
            body = text(rng, common, rare, 2)
            if k % 9 < 5:
                logs.append({"project_id": i, "week_start": first + timedelta(weeks=k), "done": body, "learnt": "",
                             "blockers": "", "next_steps": "", "team_note": "", "days_spent": 1, "confidence": 3,
                             "created_at": now, "updated_at": now})
            elif k % 9 < 7:
                iterations.append({"project_id": i, "number": k, "title": f"Test {rng.choice(WORDS)}",
                                   "hypothesis": sentence(rng), "experiment": "", "audience": "", "measure": "",
                                   "target": "", "result": "", "learning": body, "pivot_change": "",
                                   "started_on": date(2026, 1, 5), "created_at": now, "updated_at": now})
            elif k % 9 < 8:
                validations.append({"project_id": i, "method": "interviews", "users_count": 9,
                                    "verdict": "validated", "notes": body, "held_on": date(2026, 1, 5),
                                    "created_at": now})
            else:
                events.append({"project_id": i, "event": "start", "from_state": "selected",
                               "to_state": "pre_incubation", "at": now, "comment": body, "actor_id": None})
    for model, rows in ((WeeklyLog, logs), (Iteration, iterations), (Validation, validations),
                        (ProjectEvent, events)):
        if rows:
            db.session.execute(insert(model), rows)
    db.session.commit()
    return ids


def measure(url: str, sizes: list[int], rounds: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    print(f"database: {url.split('@')[-1]}")
    print(f"{'documents':>9} {'common ms':>10} {'SQL':>4} {'rare ms':>8} {'SQL':>4} {'agent ms':>9} {'SQL':>4} "
          f"{'browse ms':>10} {'SQL':>4} {'reindex ms':>11} {'save ms':>8} {'SQL':>4}")
    with app.app_context():
        upgrade()
        now = datetime.now(UTC)
        for size in sizes:
            db.session.execute(delete(Project))  # each size on its own (the rest cascades)
            staff = person(f"staff{size}@bench.example", "staff")
            agent = person(f"agent{size}@bench.example", "agent")
            coach = person(f"coach{size}@bench.example", "coach")
            db.session.commit()
            ids = build(size, agent, now)
            start = time.perf_counter()
            counts = reindex(db.session)
            db.session.commit()
            reindex_ms = (time.perf_counter() - start) * 1000
            assert sum(counts.values()) >= size * 0.9, counts
            counter = Counter()
            event.listen(db.engine, "before_cursor_execute", counter)
            figures = []
            for user, path in ((staff, "/search/?q=usagers+retour"), (staff, f"/search/?q={RARE}"),
                               (agent, "/search/?q=usagers+retour"), (staff, "/search/")):
                client = app.test_client()
                with app.app_context():
                    login = client.post("/login", data={"email": user.email, "password": "bench-password"})
                assert login.status_code == 302

                def get(path=path, client=client):
                    with app.app_context():  # each request its own `g`, as in production
                        response = client.get(path)
                    assert response.status_code == 200, (path, response.status_code)
                    assert "search-result" in response.get_data(as_text=True), path

                figures.append(timed(get, rounds, counter))
            # The flush listener's share of a save: one iteration rewritten, as the ledger page does.
            project = db.session.get(Project, ids[0])
            iteration = db.session.scalar(select(Iteration).where(Iteration.project_id == ids[0]).limit(1))

            def save(project=project, iteration=iteration, coach=coach):
                ops.save_iteration(project, coach, iteration, title=iteration.title, started_on=date(2026, 1, 5),
                                   hypothesis=iteration.hypothesis, learning=sentence(random.Random()))
                db.session.commit()

            figures.append(timed(save, rounds, counter))
            event.remove(db.engine, "before_cursor_execute", counter)
            cells = " ".join(f"{ms:>{w}.1f} {sql:>4.0f}" for (ms, sql), w in zip(figures[:4], (10, 8, 9, 10),
                                                                               strict=True))
            save_ms, save_sql = figures[4]
            print(f"{sum(counts.values()):>9} {cells} {reindex_ms:>11.0f} {save_ms:>8.1f} {save_sql:>4.0f}")


if __name__ == "__main__":
    main(measure, [100, 1000, 5000], __doc__)
