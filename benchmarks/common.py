"""What the benchmarks share: a statement counter, a median timer, and the database to run on."""

from __future__ import annotations

import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from incubator.extensions import db  # noqa: E402


class Counter:
    """Counts the SQL statements sent (listen on `before_cursor_execute`)."""

    def __init__(self):
        self.n = 0

    def __call__(self, *args):
        self.n += 1


def timed(func, rounds: int, counter: Counter) -> tuple[float, float]:
    """Median milliseconds and mean statements of `func` over `rounds` runs, from a cold session."""
    times = []
    counter.n = 0
    for _ in range(rounds):
        db.session.expire_all()
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, counter.n / rounds


def run(measure, shapes, rounds: int, database: str | None) -> None:
    """`measure(url, shapes, rounds)` on a database URL, a throw-away PostgreSQL (`postgresql`) or,
    by default, a temporary SQLite file."""
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if database == "postgresql":
        from tests.pg import TempPostgres

        server = TempPostgres()
        try:
            measure(server.start(), shapes, rounds)
        finally:
            server.stop()
    elif database:
        measure(database, shapes, rounds)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            measure(f"sqlite:///{tmp}/bench.sqlite", shapes, rounds)


def main(measure, shapes, description: str, rounds: int = 5) -> None:
    """The command line every benchmark shares: `--db` (a URL, or `postgresql`) and `--rounds`."""
    import argparse

    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--db", help="database URL, or `postgresql` for a throw-away server started here "
                                     "(default: a temporary SQLite file)")
    parser.add_argument("--rounds", type=int, default=rounds)
    args = parser.parse_args()
    logging.getLogger("incubator").setLevel(logging.ERROR)
    run(measure, shapes, args.rounds, args.db)
