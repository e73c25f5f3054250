"""Keeping the search documents in step with what they come from: a flush listener, and a full rebuild.

Every flush that adds, changes or deletes a project, an iteration, a piece of evidence, a weekly log
or a commented decision rewrites (or removes) its document in the same transaction, so the index
never shows a text that was rolled back or misses one that was committed. Bulk statements
(`session.execute(insert(Model), rows)`) bypass the ORM's flush and so this listener: after loading
data that way, run `incubator search reindex`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, event, insert, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ..clock import utcnow
from ..incubation.models import Iteration, Validation, WeeklyLog
from ..models import Project, ProjectEvent
from .models import SearchDocument
from .text import clean_title, join_parts

# The index objects the migration creates by hand (the models do not describe them).
FTS_TABLE = "search_fts"  # SQLite: the FTS5 table, plus its shadow tables search_fts_*
PG_CONFIG = "incubator_search"  # PostgreSQL: french stemming, accents folded when unaccent exists
VECTOR_COLUMN = "search_vector"  # PostgreSQL: generated tsvector column of search_documents
VECTOR_INDEX = "ix_search_documents_search_vector"  # PostgreSQL: its GIN index


@dataclass(frozen=True)
class Source:
    kind: str
    model: type
    fields: tuple[str, ...]  # the attributes the document is made of: a change to one rewrites it
    build: Callable[[Any], tuple[str, str] | None]  # (title, body), or None when there is nothing to find
    date: Callable[[Any], Any]
    project_id: Callable[[Any], int]


def _project(p) -> tuple[str, str]:
    answers = p.answers if isinstance(p.answers, dict) else {}
    return clean_title(p.title), join_parts(p.problem, p.proposal, *(str(v) for v in answers.values() if v),
                                            p.service, p.taken_over_by, p.public_summary)


def _iteration(i) -> tuple[str, str]:
    return clean_title(i.title), join_parts(i.hypothesis, i.experiment, i.audience, i.measure, i.target,
                                            i.result, i.learning, i.pivot_change)


def _with_body(body: str) -> tuple[str, str] | None:
    return ("", body) if body else None


SOURCES = (
    Source("project", Project, ("title", "problem", "proposal", "answers", "service", "taken_over_by",
                                "public_summary"),
           _project, lambda p: p.updated_at or p.created_at, lambda p: p.id),
    Source("iteration", Iteration, ("title", "hypothesis", "experiment", "audience", "measure", "target",
                                    "result", "learning", "pivot_change", "project_id"),
           _iteration, lambda i: i.updated_at or i.created_at, lambda i: i.project_id),
    Source("validation", Validation, ("notes", "project_id"),
           lambda v: _with_body(join_parts(v.notes)), lambda v: v.created_at, lambda v: v.project_id),
    Source("log", WeeklyLog, ("done", "learnt", "blockers", "next_steps", "team_note", "project_id"),
           lambda w: _with_body(join_parts(w.done, w.learnt, w.blockers, w.next_steps, w.team_note)),
           lambda w: w.updated_at or w.created_at, lambda w: w.project_id),
    # A fired event's comment: the reasons of a decision (a selection, a phase review, an abandon...).
    Source("decision", ProjectEvent, ("comment",),
           lambda e: _with_body(join_parts(e.comment)), lambda e: e.at, lambda e: e.project_id),
)
BY_MODEL = {source.model: source for source in SOURCES}


def document(source: Source, obj) -> dict | None:
    """The document's row for a source row (an ORM object or a Core row), or None to have none."""
    made = source.build(obj)
    if made is None:
        return None
    title, body = made
    return {"kind": source.kind, "ref_id": obj.id, "project_id": source.project_id(obj), "title": title,
            "body": body, "updated_at": source.date(obj) or utcnow()}


def _text_changed(obj, source: Source) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in source.fields)


def _after_flush(session: Session, flush_context) -> None:
    """Rewrite the documents of what this flush inserted, changed or deleted (pre-flush lists, ids known)."""
    changes: dict[tuple[str, int], dict | None] = {}
    for obj in session.new:
        source = BY_MODEL.get(type(obj))
        if source is not None:
            changes[(source.kind, obj.id)] = document(source, obj)
    for obj in session.dirty:
        source = BY_MODEL.get(type(obj))
        if source is not None and _text_changed(obj, source):
            changes[(source.kind, obj.id)] = document(source, obj)
    for obj in session.deleted:
        source = BY_MODEL.get(type(obj))
        if source is not None:
            changes[(source.kind, obj.id)] = None
    if changes:
        apply_changes(session.connection(), changes)


def apply_changes(conn: Connection, changes: dict[tuple[str, int], dict | None]) -> None:
    table = SearchDocument.__table__
    gone: dict[str, list[int]] = {}
    for (kind, ref_id), row in changes.items():
        if row is None:
            gone.setdefault(kind, []).append(ref_id)
    for kind, ids in gone.items():
        conn.execute(delete(table).where(table.c.kind == kind, table.c.ref_id.in_(ids)))
    rows = [row for row in changes.values() if row is not None]
    if rows:
        upsert(conn, rows)


def upsert(conn: Connection, rows: list[dict]) -> None:
    """Insert the documents, or rewrite the ones already there (one per kind and source row)."""
    table = SearchDocument.__table__
    name = conn.dialect.name
    if name in ("sqlite", "postgresql"):
        if name == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        stmt = dialect_insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.kind, table.c.ref_id],
            set_={c: stmt.excluded[c] for c in ("project_id", "title", "body", "updated_at")},
        )
        conn.execute(stmt, rows)
        return
    for row in rows:  # any other database: delete, then insert
        conn.execute(delete(table).where(table.c.kind == row["kind"], table.c.ref_id == row["ref_id"]))
    conn.execute(insert(table), rows)


def _batches(conn: Connection, model: type, size: int) -> Iterable[list]:
    """The model's rows, by id, a batch at a time (keyset pages: no long-lived cursor)."""
    table = model.__table__
    last = 0
    while True:
        rows = conn.execute(select(table).where(table.c.id > last).order_by(table.c.id).limit(size)).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def reindex(session: Session, batch: int = 1000) -> dict[str, int]:
    """Every document rebuilt from the database; returns how many of each kind. The caller commits."""
    conn = session.connection()
    table = SearchDocument.__table__
    # A document's date is when its text last changed (as the flush listener keeps it): a rebuild
    # keeps the date of every document whose text comes out the same.
    kept = {(kind, ref_id): (title, body, at) for kind, ref_id, title, body, at in conn.execute(
        select(table.c.kind, table.c.ref_id, table.c.title, table.c.body, table.c.updated_at))}
    conn.execute(delete(table))
    counts = {}
    for source in SOURCES:
        counts[source.kind] = 0
        for rows in _batches(conn, source.model, batch):
            documents = [d for d in (document(source, row) for row in rows) if d is not None]
            for d in documents:
                old = kept.get((d["kind"], d["ref_id"]))
                if old is not None and old[:2] == (d["title"], d["body"]):
                    d["updated_at"] = old[2]
            if documents:
                conn.execute(insert(table), documents)
                counts[source.kind] += len(documents)
    if conn.dialect.name == "sqlite":
        # The triggers kept the FTS table in step; a rebuild also repairs an index edited by hand.
        conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    return counts


def register_listeners() -> None:
    """Once per process, for every session (web requests, commands, the demo, the scheduler)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's `include_name`: leave out of autogenerate the index objects the migration made by hand.

    Pass it to `migrate.init_app(...)` and to the model/migration comparison test; otherwise
    autogenerate would propose to drop the FTS5 tables and the tsvector column.
    """
    if name is None:
        return True
    if type_ == "table":
        return not (name == FTS_TABLE or name.startswith(FTS_TABLE + "_"))
    if type_ == "column":
        return not (parent_names.get("table_name") == SearchDocument.__tablename__ and name == VECTOR_COLUMN)
    if type_ == "index":
        return name != VECTOR_INDEX
    return True
