"""Learnings search: the search documents and their full-text index, filled from the existing rows

SQLite: an FTS5 table `search_fts` whose content is `search_documents` (kept in step by triggers),
tokenised with unicode61 and diacritics removed, so "energetique" finds "énergétique".
PostgreSQL: a text search configuration `incubator_search` (french stemming; accents folded with
unaccent when the extension can be created, as it can without superuser rights since PostgreSQL 13),
a generated tsvector column and its GIN index.

Written by hand: autogenerate does not know virtual tables, triggers or generated tsvector columns
(`incubator.search.index.include_name` keeps them out of its comparisons).

Revision ID: 1c163598294e
Revises: 0000974fb92a
Create Date: 2026-11-23 10:00:00.000000

"""
import html
import json
import re

import markdown
import nh3
import sqlalchemy as sa
from alembic import op

import incubator.models

# revision identifiers, used by Alembic.
revision = '1c163598294e'
down_revision = '0000974fb92a'
branch_labels = None
depends_on = None

KINDS = ("project", "iteration", "validation", "log", "decision")

SQLITE_UP = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        title, body, content='search_documents', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
        INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    """CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    END""",
    """CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS search_documents_au",
    "DROP TRIGGER IF EXISTS search_documents_ad",
    "DROP TRIGGER IF EXISTS search_documents_ai",
    "DROP TABLE IF EXISTS search_fts",
]

# '<' is blanked in the indexed text: PostgreSQL's parser reads "<script>" as a tag and skips
# everything after it, and users' text is plain text here (the Markdown is already stripped).
PG_VECTOR = """
    ALTER TABLE search_documents ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('incubator_search'::regconfig, replace(title, '<', ' ')), 'A') ||
        setweight(to_tsvector('incubator_search'::regconfig, replace(body, '<', ' ')), 'B')
    ) STORED
"""


def _postgresql_configuration(conn) -> None:
    """french stemming; with unaccent first when it can be had (a trusted extension: no superuser needed
    since PostgreSQL 13, but the contrib files must be installed)."""
    unaccent = True
    savepoint = conn.begin_nested()
    try:
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS unaccent")
    except sa.exc.DBAPIError:
        savepoint.rollback()
        unaccent = False
    else:
        savepoint.commit()
    conn.exec_driver_sql("CREATE TEXT SEARCH CONFIGURATION incubator_search (COPY = french)")
    if unaccent:
        conn.exec_driver_sql(
            "ALTER TEXT SEARCH CONFIGURATION incubator_search "
            "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem")


def upgrade():
    op.create_table('search_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', incubator.models.UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('project', 'iteration', 'validation', 'log', 'decision')",
                       name=op.f('ck_search_documents_known_kind')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_search_documents_project_id_projects'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_documents')),
    sa.UniqueConstraint('kind', 'ref_id', name='one_document_per_source')
    )
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_documents_project_id'), ['project_id'], unique=False)
        batch_op.create_index('ix_search_documents_updated_at', ['updated_at'], unique=False)

    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for statement in SQLITE_UP:
            conn.exec_driver_sql(statement)
    elif conn.dialect.name == "postgresql":
        _postgresql_configuration(conn)
        conn.exec_driver_sql(PG_VECTOR)
        conn.exec_driver_sql(
            "CREATE INDEX ix_search_documents_search_vector ON search_documents USING gin (search_vector)")
    _fill(conn)


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            conn.exec_driver_sql(statement)
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_search_documents_search_vector")
        conn.exec_driver_sql("ALTER TABLE search_documents DROP COLUMN IF EXISTS search_vector")
        conn.exec_driver_sql("DROP TEXT SEARCH CONFIGURATION IF EXISTS incubator_search")
        # The unaccent extension stays: something else may use it.
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_search_documents_updated_at')
        batch_op.drop_index(batch_op.f('ix_search_documents_project_id'))
    op.drop_table('search_documents')


# --- filling the index from the rows already there ---------------------------------------------------
# Self-contained on purpose (the columns as they are at this revision, no application import): a
# later change to the application must not break this migration. `incubator search reindex` rebuilds
# the same documents with the application's current code.

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


_MARKDOWN = []


def _plain(source):
    if not source:
        return ""
    if not _MARKDOWN:  # one converter, reset between texts: building one costs ten conversions
        _MARKDOWN.append(markdown.Markdown(extensions=["extra", "sane_lists"], output_format="html"))
    rendered = _MARKDOWN[0].reset().convert(str(source))
    text = _CONTROL.sub("", html.unescape(nh3.clean(rendered, tags=set(), strip_comments=True)))
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return _BLANK_LINES.sub("\n\n", text).strip()


def _title(text):
    return _SPACES.sub(" ", _CONTROL.sub("", (text or "").replace("\n", " "))).strip()[:200]


def _join(*parts):
    return "\n\n".join(p for p in (_plain(part) for part in parts) if p)


def _answers(value):
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [str(v) for v in value.values() if v] if isinstance(value, dict) else []


SOURCES = {
    "project": (
        "SELECT id, id AS project_id, title, problem, proposal, answers, service, taken_over_by, public_summary, "
        "COALESCE(updated_at, created_at) AS at FROM projects",
        lambda r: (_title(r.title), _join(r.problem, r.proposal, *_answers(r.answers), r.service,
                                          r.taken_over_by, r.public_summary))),
    "iteration": (
        "SELECT id, project_id, title, hypothesis, experiment, audience, measure, target, result, learning, "
        "pivot_change, COALESCE(updated_at, created_at) AS at FROM iterations",
        lambda r: (_title(r.title), _join(r.hypothesis, r.experiment, r.audience, r.measure, r.target,
                                          r.result, r.learning, r.pivot_change))),
    "validation": (
        "SELECT id, project_id, notes, created_at AS at FROM validations",
        lambda r: ("", _join(r.notes))),
    "log": (
        "SELECT id, project_id, done, learnt, blockers, next_steps, team_note, "
        "COALESCE(updated_at, created_at) AS at FROM weekly_logs",
        lambda r: ("", _join(r.done, r.learnt, r.blockers, r.next_steps, r.team_note))),
    "decision": (
        "SELECT id, project_id, comment, at FROM project_events WHERE comment <> ''",
        lambda r: ("", _join(r.comment))),
}


def _fill(conn):
    documents = sa.table(
        "search_documents", sa.column("project_id", sa.Integer), sa.column("kind", sa.String),
        sa.column("ref_id", sa.Integer), sa.column("title", sa.String), sa.column("body", sa.Text),
        sa.column("updated_at", sa.DateTime))
    for kind, (query, build) in SOURCES.items():
        last = 0
        while True:
            stmt = sa.text(f"SELECT * FROM ({query}) AS source WHERE id > :last ORDER BY id LIMIT 1000")
            rows = conn.execute(stmt.columns(at=sa.DateTime), {"last": last}).all()
            if not rows:
                break
            last = rows[-1].id
            batch = []
            for row in rows:
                title, body = build(row)
                if kind != "project" and not body:
                    continue
                batch.append({"project_id": row.project_id, "kind": kind, "ref_id": row.id, "title": title,
                              "body": body, "updated_at": row.at})
            if batch:
                conn.execute(sa.insert(documents), batch)
