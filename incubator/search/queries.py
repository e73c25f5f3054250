"""Reading the search index: what the user typed made safe, the matching documents of the projects the
user may see, ranked, filtered, counted by kind and paginated, with their highlighted excerpts.

Whatever is typed, it never reaches the database as query syntax: it is cut into words (letters and
digits only) and "quoted phrases", and the FTS5 or tsquery expression is written from those.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import and_, func, literal_column, select, table
from sqlalchemy import column as sql_column
from sqlalchemy.sql import ColumnElement

from ..extensions import db
from ..incubation.models import Iteration, Validation, WeeklyLog
from ..models import Call, Project, ProjectEvent
from ..policy import visible_projects_clause
from .index import FTS_TABLE, PG_CONFIG, VECTOR_COLUMN
from .models import SearchDocument
from .text import START, STOP, excerpt

MAX_LENGTH = 200
MAX_WORDS = 20
_WORD = re.compile(r"[^\W_]+")
_PHRASE = re.compile(r'"([^"]*)"|«([^»]*)»|“([^”]*)”')
# Too common to mean anything (PostgreSQL's french configuration drops them too): without this list
# SQLite would require "de" or "la" to be in every result.
STOPWORDS = frozenset("""
a à au aux avec ce ces cet cette d dans de des du elle elles en est et eux il ils je la le les leur
leurs lui ma mais me mes mon ne ni nos notre nous on ou où par pas pour qu que qui sa se ses son sur
ta te tes toi ton tu un une vos votre vous y
""".split())


class QueryError(ValueError):
    """What the user typed cannot be searched for; the message says why, for the form."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ParsedQuery:
    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]


def parse_query(text: str) -> ParsedQuery:
    """Words and "phrases" from what was typed; operators and punctuation are dropped, never interpreted."""
    text = unicodedata.normalize("NFC", text or "").strip()
    if len(text) > MAX_LENGTH:
        raise QueryError(_("The search is too long: %(max)d characters at most (it has %(count)d).",
                           max=MAX_LENGTH, count=len(text)))
    phrases: list[tuple[str, ...]] = []
    singles: list[str] = []

    def take(match: re.Match) -> str:
        inner = next(g for g in match.groups() if g is not None)
        words = tuple(w.lower() for w in _WORD.findall(inner))
        if len(words) > 1:
            phrases.append(words)
        else:
            singles.extend(words)
        return " "

    rest = _PHRASE.sub(take, text)
    singles.extend(w.lower() for w in _WORD.findall(rest))
    words: list[str] = []
    for word in singles:
        if word in STOPWORDS or (len(word) == 1 and not word.isdigit()) or word in words:
            continue
        words.append(word)
    if not words and not phrases:
        if _WORD.search(text):
            raise QueryError(_("These words are too common to search for: add a more specific word."))
        raise QueryError(_("Type at least one word: punctuation alone cannot be searched for."))
    if len(words) + sum(len(p) for p in phrases) > MAX_WORDS:
        raise QueryError(_("The search has too many words: %(max)d at most.", max=MAX_WORDS))
    return ParsedQuery(tuple(words), tuple(phrases))


def _stem_light(word: str) -> str:
    """SQLite has no French stemmer: a plural's final s or x is dropped, and the word is matched as a prefix."""
    if len(word) > 4 and word[-1] in "sx":
        return word[:-1]
    return word


def fts5_expression(query: ParsedQuery) -> str:
    """An FTS5 query: every word (a prefix from three letters on) and every phrase, all required."""
    parts = [f'"{_stem_light(w)}"*' if len(w) >= 3 else f'"{w}"' for w in query.words]
    # Common words inside a phrase are left out, as PostgreSQL's phraseto_tsquery does: "le vélo" finds
    # the same on both databases.
    phrases = [[w for w in p if w not in STOPWORDS] for p in query.phrases]
    parts += ['"' + " ".join(p) + '"' for p in phrases if p]
    return " ".join(parts)


def _config() -> ColumnElement:
    return literal_column(f"'{PG_CONFIG}'::regconfig")


def tsquery(query: ParsedQuery) -> ColumnElement:
    """A PostgreSQL tsquery: stemmed words (prefixes from three letters on) and phrases, all required."""
    parts: list[ColumnElement] = []
    if query.words:
        # Letters and digits only: nothing here is tsquery syntax but the operators written below.
        terms = " & ".join(f"{w}:*" if len(w) >= 3 else w for w in query.words)
        parts.append(func.to_tsquery(_config(), terms))
    parts += [func.phraseto_tsquery(_config(), " ".join(p)) for p in query.phrases]
    expression = parts[0]
    for part in parts[1:]:
        expression = expression.op("&&")(part)
    return expression


# --- the search ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    state: str | None = None
    call_id: int | None = None
    theme: str | None = None
    kind: str | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.state, self.call_id, self.theme, self.kind))


@dataclass
class Hit:
    kind: str
    ref_id: int
    project_id: int
    project_title: str
    state: str
    workflow: str
    theme: str | None
    call_id: int
    call_title: str
    updated_at: datetime
    title: str  # with START/STOP markers around the matches
    excerpt: str  # idem
    number: int | None = None  # an iteration's
    week_start: date | None = None  # a log's
    method: str | None = None  # a validation's
    verdict: str | None = None
    held_on: date | None = None
    users_count: int | None = None
    event: str | None = None  # a decision's
    at: datetime | None = None


@dataclass
class Results:
    hits: list[Hit]
    total: int  # with the kind filter
    by_kind: dict[str, int] = field(default_factory=dict)  # without it
    page: int = 1
    per_page: int = 20

    @property
    def all_kinds(self) -> int:
        return sum(self.by_kind.values())


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _scope(stmt, user, filters: Filters, *, with_kind: bool):
    """Joined to the project and its call, limited to what `user` may see and to the filters."""
    stmt = (stmt.join(Project, Project.id == SearchDocument.project_id)
            .join(Call, Call.id == Project.call_id))
    visible = visible_projects_clause(user)
    if visible is not True:
        stmt = stmt.where(visible)
    if filters.state:
        stmt = stmt.where(Project.state == filters.state)
    if filters.call_id:
        stmt = stmt.where(Project.call_id == filters.call_id)
    if filters.theme:
        stmt = stmt.where(Project.theme == filters.theme)
    if with_kind and filters.kind:
        stmt = stmt.where(SearchDocument.kind == filters.kind)
    return stmt


def _with_sources(stmt):
    """What each kind's result shows besides its text (an iteration's number, a log's week...)."""
    return (stmt
            .outerjoin(Iteration, and_(SearchDocument.kind == "iteration", Iteration.id == SearchDocument.ref_id))
            .outerjoin(Validation, and_(SearchDocument.kind == "validation",
                                        Validation.id == SearchDocument.ref_id))
            .outerjoin(WeeklyLog, and_(SearchDocument.kind == "log", WeeklyLog.id == SearchDocument.ref_id))
            .outerjoin(ProjectEvent, and_(SearchDocument.kind == "decision",
                                          ProjectEvent.id == SearchDocument.ref_id)))


_COLUMNS = (
    SearchDocument.kind, SearchDocument.ref_id, SearchDocument.project_id, Project.title.label("project_title"),
    Project.state, Call.workflow, Project.theme, Call.id.label("call_id"), Call.title.label("call_title"),
    SearchDocument.updated_at, Iteration.number, WeeklyLog.week_start, Validation.method, Validation.verdict,
    Validation.held_on, Validation.users_count, ProjectEvent.event, ProjectEvent.at,
)


def _hit(row, title: str, text: str) -> Hit:
    return Hit(kind=row.kind, ref_id=row.ref_id, project_id=row.project_id, project_title=row.project_title,
               state=row.state, workflow=row.workflow, theme=row.theme, call_id=row.call_id,
               call_title=row.call_title, updated_at=row.updated_at, title=title or "", excerpt=text or "",
               number=row.number, week_start=row.week_start, method=row.method, verdict=row.verdict,
               held_on=row.held_on, users_count=row.users_count, event=row.event, at=row.at)


def _counts(base, user, filters: Filters) -> dict[str, int]:
    stmt = _scope(base.with_only_columns(SearchDocument.kind, func.count()), user, filters, with_kind=False)
    return dict(db.session.execute(stmt.group_by(SearchDocument.kind)).all())


def _page_bounds(total: int, page: int, per_page: int) -> int:
    last = max(1, -(-total // per_page))
    return min(max(page, 1), last)


def search(user, query: ParsedQuery | None, filters: Filters, *, page: int = 1, per_page: int = 20) -> Results:
    """The page of results: the best matches first, or the most recent documents without a query.

    Two queries whatever the number of documents: the counts by kind, then the page itself, with its
    excerpts computed for the page's rows only.
    """
    if query is None:
        return _browse(user, filters, page, per_page)
    if _dialect() == "postgresql":
        return _search_postgresql(user, query, filters, page, per_page)
    return _search_sqlite(user, query, filters, page, per_page)


def _finish(by_kind: dict[str, int], filters: Filters, page: int, per_page: int):
    total = by_kind.get(filters.kind, 0) if filters.kind else sum(by_kind.values())
    return total, _page_bounds(total, page, per_page)


def _browse(user, filters: Filters, page: int, per_page: int) -> Results:
    base = select(SearchDocument.id).select_from(SearchDocument)
    by_kind = _counts(base, user, filters)
    total, page = _finish(by_kind, filters, page, per_page)
    if not total:
        return Results([], 0, by_kind, page, per_page)
    stmt = _with_sources(_scope(select(*_COLUMNS, SearchDocument.title, SearchDocument.body)
                                .select_from(SearchDocument), user, filters, with_kind=True))
    rows = db.session.execute(
        stmt.order_by(SearchDocument.updated_at.desc(), SearchDocument.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    hits = [_hit(row, row.title, excerpt(row.body)) for row in rows]
    return Results(hits, total, by_kind, page, per_page)


def _search_sqlite(user, query: ParsedQuery, filters: Filters, page: int, per_page: int) -> Results:
    fts = table(FTS_TABLE, sql_column("rowid"))
    name = literal_column(FTS_TABLE)
    match = name.op("MATCH")(fts5_expression(query))
    rank = func.bm25(name, 10.0, 1.0)  # a match in the title weighs ten times one in the body
    joined = fts.join(SearchDocument, SearchDocument.id == fts.c.rowid)

    by_kind = _counts(select(SearchDocument.id).select_from(joined).where(match), user, filters)
    total, page = _finish(by_kind, filters, page, per_page)
    if not total:
        return Results([], 0, by_kind, page, per_page)
    order = (rank, SearchDocument.updated_at.desc(), SearchDocument.id.desc())
    # The page's ids first (ranking needs every match), then the excerpts of those rows only.
    ids = (_scope(select(SearchDocument.id).select_from(joined).where(match), user, filters, with_kind=True)
           .order_by(*order).limit(per_page).offset((page - 1) * per_page)).correlate(None)
    stmt = _with_sources(select(
        *_COLUMNS,
        func.highlight(name, 0, START, STOP).label("title_marked"),
        func.snippet(name, 1, START, STOP, "…", 24).label("excerpt_marked"),
    ).select_from(joined).join(Project, Project.id == SearchDocument.project_id).join(Call, Call.id == Project.call_id))
    rows = db.session.execute(stmt.where(match, fts.c.rowid.in_(ids)).order_by(*order)).all()
    hits = [_hit(row, row.title_marked, row.excerpt_marked) for row in rows]
    return Results(hits, total, by_kind, page, per_page)


# ts_headline's single-excerpt mode: the best passage of 15 to 35 words, cut at words.
_HEADLINE = f"StartSel={START}, StopSel={STOP}, MaxWords=35, MinWords=15"
_TITLE_HEADLINE = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
# PostgreSQL's parser reads "<word" as an HTML tag and drops it, or all that follows "<script>", from
# a headline; the texts are plain text, so '<' is swapped for a control character (never in stored
# text) for the headline and put back after.
_LT = "\x01"


def _pg_text(marked: str | None) -> str:
    return (marked or "").replace(_LT, "<")


def _pg_excerpt(marked: str | None, head: str, tail: str) -> str:
    """The headline with an ellipsis on each side where it cuts the text."""
    text = _pg_text(marked)
    plain = text.replace(START, "").replace(STOP, "")
    if not plain:
        return ""
    n, m = min(len(plain), len(head or "")), min(len(plain), len(tail or ""))
    if plain[:n] != (head or "")[:n]:
        text = "… " + text
    if plain[len(plain) - m:] != (tail or "")[len(tail or "") - m:]:
        text += " …"
    return text


def _search_postgresql(user, query: ParsedQuery, filters: Filters, page: int, per_page: int) -> Results:
    vector = literal_column(f"search_documents.{VECTOR_COLUMN}")
    match = vector.op("@@")(tsquery(query))
    by_kind = _counts(select(SearchDocument.id).select_from(SearchDocument).where(match), user, filters)
    total, page = _finish(by_kind, filters, page, per_page)
    if not total:
        return Results([], 0, by_kind, page, per_page)
    rank = func.ts_rank(vector, tsquery(query), 1)  # 1: long texts do not win by length alone
    ranked = (_scope(select(SearchDocument.id.label("doc_id"), rank.label("rank"))
                     .select_from(SearchDocument).where(match), user, filters, with_kind=True)
              .order_by(rank.desc(), SearchDocument.updated_at.desc(), SearchDocument.id.desc())
              .limit(per_page).offset((page - 1) * per_page)).subquery("ranked")
    # ts_headline re-reads each text: only for the page's rows, hence the subquery.
    stmt = _with_sources(
        select(*_COLUMNS,
               func.ts_headline(_config(), func.replace(SearchDocument.title, "<", _LT), tsquery(query),
                                _TITLE_HEADLINE).label("title_marked"),
               func.ts_headline(_config(), func.replace(SearchDocument.body, "<", _LT), tsquery(query),
                                _HEADLINE).label("excerpt_marked"),
               func.left(SearchDocument.body, 40).label("head"), func.right(SearchDocument.body, 40).label("tail"))
        .select_from(ranked).join(SearchDocument, SearchDocument.id == ranked.c.doc_id)
        .join(Project, Project.id == SearchDocument.project_id).join(Call, Call.id == Project.call_id)
    ).order_by(ranked.c.rank.desc(), SearchDocument.updated_at.desc(), SearchDocument.id.desc())
    rows = db.session.execute(stmt).all()
    hits = [_hit(row, _pg_text(row.title_marked), _pg_excerpt(row.excerpt_marked, row.head, row.tail))
            for row in rows]
    return Results(hits, total, by_kind, page, per_page)
