"""The public records of published projects: an explicit allow-list of columns, read in bounded queries.

Nothing here loads a project row as a whole: the SELECT names each published column, so the team's
own texts (problem, proposal, answers), comments, scores, logs and e-mail addresses never reach the
catalogue, its pages or its downloads. Free texts are scrubbed once more on the way out
(incubator.opendata.privacy). Team members are named only when they agreed (`name_public`), and the
database returns no other member's name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import and_, func, select

from ..extensions import db
from ..incubation.models import Indicator, IndicatorValue, Iteration, Validation
from ..models import Call, Programme, Project, ProjectEvent, ProjectMember, User
from ..templating import state_label
from ..themes import THEMES, theme_label
from ..urls import bounded_int
from ..workflows import all_definitions, get_definition
from .operations import publishable_states, published_clause
from .privacy import NameIndex, known_names, scrub, scrub_markdown

PARIS = ZoneInfo("Europe/Paris")
CHUNK = 200  # projects read per round of queries by the downloads

_team_size = (select(func.count()).select_from(ProjectMember)
              .where(ProjectMember.project_id == Project.id).correlate(Project).scalar_subquery())
_iterations = (select(func.count()).select_from(Iteration)
               .where(Iteration.project_id == Project.id).correlate(Project).scalar_subquery())
_validations = (select(func.count()).select_from(Validation)
                .where(Validation.project_id == Project.id).correlate(Project).scalar_subquery())
_users_consulted = (select(func.coalesce(func.sum(Validation.users_count), 0))
                    .where(Validation.project_id == Project.id).correlate(Project).scalar_subquery())

# The allow-list, as SQL: what a published project shows, and nothing else.
PUBLIC_COLUMNS = (
    Project.id, Project.title, Project.public_summary, Project.theme, Project.state, Project.service,
    Project.taken_over_by, Project.submitted_at, Project.published_at,
    Call.id.label("call_id"), Call.title.label("call_title"), Call.workflow,
    Programme.name.label("programme"), Programme.organisation,
    _team_size.label("team_size"), _iterations.label("iterations"), _validations.label("validations"),
    _users_consulted.label("users_consulted"),
)


@dataclass
class PublicIndicator:
    name: str
    value: float
    unit: str
    measured_on: date
    target: float | None


@dataclass
class PublicProject:
    id: int
    title: str
    summary: str  # Markdown, scrubbed
    theme: str | None
    theme_label: str
    workflow: str
    state: str
    state_label: str
    final: bool
    outcome: str  # the final state's label, once the project reached one
    taken_over_by: str
    programme: str
    organisation: str
    call_id: int
    call_title: str
    service: str
    submitted_on: date | None
    started_on: date | None
    outcome_on: date | None
    published_on: date | None
    team_size: int
    named_members: list[str] = field(default_factory=list)
    iterations: int = 0
    validations: int = 0
    users_consulted: int = 0
    indicators: list[PublicIndicator] = field(default_factory=list)


@dataclass(frozen=True)
class Filters:
    theme: str = ""
    state: str = ""
    call: int | None = None
    year: int | None = None

    @classmethod
    def from_args(cls, args) -> Filters:
        """Unknown values are ignored rather than refused: a stale link still shows the catalogue."""
        theme = args.get("theme", "")
        state = args.get("state", "")
        return cls(theme=theme if theme in THEMES else "",
                   state=state if state in {name for name, _ in state_choices()} else "",
                   call=args.get("call", type=bounded_int), year=args.get("year", type=bounded_int))

    def apply(self, stmt):
        if self.theme:
            stmt = stmt.where(Project.theme == self.theme)
        if self.state:
            stmt = stmt.where(Project.state == self.state)
        if self.call:
            stmt = stmt.where(Project.call_id == self.call)
        if self.year and 1900 < self.year < 3000:
            start = datetime(self.year, 1, 1, tzinfo=PARIS)
            stmt = stmt.where(Project.submitted_at >= start,
                              Project.submitted_at < datetime(self.year + 1, 1, 1, tzinfo=PARIS))
        return stmt

    def args(self) -> dict:
        return {"theme": self.theme, "state": self.state, "call": self.call, "year": self.year}

    @property
    def active(self) -> bool:
        return any(self.args().values())


def public_select():
    """The published projects' public columns, most recently published first."""
    return (select(*PUBLIC_COLUMNS)
            .join(Call, Project.call_id == Call.id).join(Programme, Call.programme_id == Programme.id)
            .where(published_clause()))


class RowPagination(SelectPagination):
    """A page of rows (not of ORM entities): the public columns only."""

    def _query_items(self) -> list:
        stmt = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(stmt).all())


def paginate(filters: Filters, page: int, per_page: int) -> tuple[RowPagination, list[PublicProject]]:
    stmt = filters.apply(public_select()).order_by(Project.published_at.desc(), Project.id.desc())
    pagination = RowPagination(select=stmt, session=db.session(), page=page, per_page=per_page,
                               error_out=False)
    return pagination, build(pagination.items)


def get_public_project(project_id: int) -> PublicProject | None:
    rows = db.session.execute(public_select().where(Project.id == project_id)).all()
    records = build(rows)
    return records[0] if records else None


def iter_published(chunk: int = CHUNK) -> Iterator[PublicProject]:
    """Every published project by id, `chunk` at a time: four queries per chunk, whatever its size."""
    last = 0
    names = known_names()
    while True:
        rows = db.session.execute(
            public_select().where(Project.id > last).order_by(Project.id).limit(chunk)).all()
        if not rows:
            return
        yield from build(rows, names)
        if len(rows) < chunk:
            return
        last = rows[-1].id


def build(rows, names: NameIndex | None = None) -> list[PublicProject]:
    """Public records for rows of PUBLIC_COLUMNS: three more queries (named members, milestones,
    latest indicator values), however many rows."""
    if not rows:
        return []
    names = names or known_names()
    ids = [row.id for row in rows]

    named: dict[int, list[str]] = {}
    # Only the names of members who agreed come out of the database.
    for project_id, name in db.session.execute(
        select(ProjectMember.project_id, User.name).join(User, User.id == ProjectMember.user_id)
        .where(ProjectMember.project_id.in_(ids), ProjectMember.name_public.is_(True))
        .order_by(ProjectMember.project_id, ProjectMember.added_at, ProjectMember.user_id)
    ):
        named.setdefault(project_id, []).append(name)

    reached: dict[int, dict[str, tuple[datetime, datetime]]] = {}  # first and last arrival per state
    for project_id, state, first, last in db.session.execute(
        select(ProjectEvent.project_id, ProjectEvent.to_state, func.min(ProjectEvent.at), func.max(ProjectEvent.at))
        .where(ProjectEvent.project_id.in_(ids)).group_by(ProjectEvent.project_id, ProjectEvent.to_state)
    ):
        reached.setdefault(project_id, {})[state] = (first, last)

    latest_day = (select(func.max(IndicatorValue.measured_on))
                  .where(IndicatorValue.indicator_id == Indicator.id).correlate(Indicator).scalar_subquery())
    indicators: dict[int, list[PublicIndicator]] = {}
    for project_id, name, unit, target, value, measured_on in db.session.execute(
        select(Indicator.project_id, Indicator.name, Indicator.unit, Indicator.target, IndicatorValue.value,
               IndicatorValue.measured_on)
        .join(IndicatorValue, and_(IndicatorValue.indicator_id == Indicator.id,
                                   IndicatorValue.measured_on == latest_day))
        .where(Indicator.project_id.in_(ids)).order_by(Indicator.project_id, Indicator.id)
    ):
        indicators.setdefault(project_id, []).append(
            PublicIndicator(scrub(name, names), value, scrub(unit, names), measured_on, target))

    return [_record(row, named.get(row.id, []), reached.get(row.id, {}), indicators.get(row.id, []), names)
            for row in rows]


def _day(moment: datetime | None) -> date | None:
    return moment.astimezone(PARIS).date() if moment else None


def _record(row, named: list[str], reached: dict, indicators: list[PublicIndicator],
            names: NameIndex) -> PublicProject:
    definition = get_definition(row.workflow)
    state = definition.states.get(row.state)
    final = bool(state and state.final)
    phase_states = set(definition.phase_states())
    starts = [first for name, (first, _last) in reached.items() if name in phase_states]
    return PublicProject(
        id=row.id,
        title=scrub(row.title, names),
        summary=scrub_markdown(row.public_summary, names),
        theme=row.theme,
        theme_label=theme_label(row.theme),
        workflow=row.workflow,
        state=row.state,
        state_label=state_label(row.workflow, row.state),
        final=final,
        outcome=state_label(row.workflow, row.state) if final else "",
        taken_over_by=scrub(row.taken_over_by, names),
        programme=scrub(row.programme, names),
        organisation=scrub(row.organisation, names),
        call_id=row.call_id,
        call_title=scrub(row.call_title, names),
        service=scrub(row.service, names),
        submitted_on=_day(row.submitted_at),
        started_on=_day(min(starts)) if starts else None,
        outcome_on=_day(reached[row.state][1]) if final and row.state in reached else None,
        published_on=_day(row.published_at),
        team_size=row.team_size or 0,
        named_members=named,
        iterations=row.iterations or 0,
        validations=row.validations or 0,
        users_consulted=int(row.users_consulted or 0),
        indicators=indicators,
    )


# --- filter choices -----------------------------------------------------------------------------------

def state_choices() -> list[tuple[str, str]]:
    """Every state a published project may be in, once, with its label."""
    choices: dict[str, str] = {}
    for definition in all_definitions():
        for name in definition.states:  # in the definition's order
            if name in publishable_states(definition) and name not in choices:
                choices[name] = state_label(definition.name, name)
    return list(choices.items())


def call_choices() -> list[tuple[int, str]]:
    """The calls (promotions) that have a published project, most recent first: one query."""
    published_calls = (select(Project.call_id).join(Call, Project.call_id == Call.id)
                       .where(published_clause()).distinct())
    return [(call_id, title) for call_id, title in db.session.execute(
        select(Call.id, Call.title).where(Call.id.in_(published_calls)).order_by(Call.opens_at.desc(), Call.id))]


def year_choices() -> list[int]:
    """The years of submission of the published projects, most recent first: one query."""
    first, last = db.session.execute(
        select(func.min(Project.submitted_at), func.max(Project.submitted_at))
        .join(Call, Project.call_id == Call.id).where(published_clause())).one()
    if first is None:
        return []
    return list(range(_day(last).year, _day(first).year - 1, -1))


def theme_choices() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in THEMES.items()]

