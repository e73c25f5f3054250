"""Every page type of the app, as (who looks, which URL), found in the demo data through the database.

One entry per distinct page template (and per markedly different state of one, like a home page
per role); the browser audit visits them all. Forms in their working states (a score sheet, a
decision to record) are audited along the Pau journey, where they exist.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import quote

from sqlalchemy import select

from incubator.clock import utcnow
from incubator.extensions import db
from incubator.incubation.models import Iteration, WeeklyLog, week_label
from incubator.jury.models import Juror, PitchSession, PitchSlot
from incubator.models import Call, Project, ProjectCoach, ProjectMember, User


@dataclass(frozen=True)
class PageType:
    name: str
    role: str  # a demo account (agent, coach, staff, jury, admin) or "anonymous"
    path: str  # {names} filled in from demo_ids()
    template: str
    status: int = 200


def _user(local: str) -> User:
    return db.session.scalar(select(User).where(User.email == f"{local}@demo.incubateur.fr"))


def _first(statement):
    value = db.session.scalar(statement.limit(1))
    assert value is not None, f"the demo data has no row for {statement}"
    return value


def catalogue() -> list[PageType]:
    """The page types, with URLs taken from the demo data as it stands in the database."""
    ids = demo_ids()
    return [replace(page, path=page.path.format(**ids)) for page in PAGES]


def demo_ids() -> dict[str, object]:
    """What the page URLs need from the demo data."""
    now = utcnow()
    agent, coach = _user("agent"), _user("coach")
    open_call = _first(select(Call).where(Call.workflow == "pau", Call.opens_at <= now, Call.closes_at > now)
                       .order_by(Call.id))
    draft = _first(select(Project).join(ProjectMember)
                   .where(ProjectMember.user_id == agent.id, Project.state == "draft", Project.call_id == open_call.id)
                   .order_by(Project.id))
    # The pre-incubated project its coach follows, with its logs, iterations and evidence.
    incubated = _first(select(Project).join(ProjectCoach)
                       .where(ProjectCoach.user_id == coach.id, Project.state == "pre_incubation")
                       .order_by(Project.id))
    log = _first(select(WeeklyLog).where(WeeklyLog.project_id == incubated.id).order_by(WeeklyLog.week_start.desc()))
    iteration = _first(select(Iteration).where(Iteration.project_id == incubated.id).order_by(Iteration.number))
    # The latest pitch session, closed, where the demo juror chaired, and a project it selected.
    session = _first(select(PitchSession).join(Juror).where(Juror.user_id == _user("jury").id)
                     .order_by(PitchSession.starts_at.desc()))
    selected = _first(select(PitchSlot).where(PitchSlot.session_id == session.id, PitchSlot.decision == "select")
                      .order_by(PitchSlot.position))
    programme_id = session.call.programme_id
    published = db.session.scalar(select(Project.id).where(Project.published_at.is_not(None))
                                  .order_by(Project.id).limit(1))
    ids = {
        "open_call": open_call.id, "draft": draft.id, "incubated": incubated.id, "week": week_label(log.week_start),
        "iteration": iteration.number, "session": session.id, "session_call": session.call_id,
        "selected": selected.project_id, "programme": programme_id, "agent": agent.id,
        "workflow": open_call.workflow, "word": quote(incubated.title.split()[0].lower()),
        "incubated_state": incubated.state, "incubated_call": incubated.call_id,
        "published": published or 999999999,  # none published yet: the page is listed as not built
    }
    db.session.rollback()  # no read left open while the server writes
    return ids


PAGES = [
    PageType("landing", "anonymous", "/", "main/landing.html"),
    PageType("login", "anonymous", "/login", "auth/login.html"),
    PageType("open data catalogue", "anonymous", "/open-data/", "opendata/catalogue.html"),
    PageType("open data project", "anonymous", "/open-data/projects/{published}", "opendata/project.html"),

    PageType("home (agent)", "agent", "/", "main/index.html"),
    PageType("call, open (agent)", "agent", "/calls/{open_call}", "calls/show.html"),
    PageType("proposal form", "agent", "/calls/{open_call}/propose", "projects/form.html"),
    PageType("project, draft (agent)", "agent", "/projects/{draft}", "projects/show.html"),
    PageType("project edit", "agent", "/projects/{draft}/edit", "projects/form.html"),
    PageType("projects list (agent)", "agent", "/projects/", "projects/index.html"),
    PageType("notifications inbox", "agent", "/notifications", "notifications/inbox.html"),
    PageType("notification preferences", "agent", "/account/preferences", "notifications/preferences.html"),
    PageType("open data consent", "agent", "/open-data/consent", "opendata/consent.html"),
    PageType("access refused (403)", "agent", "/admin/users", "error.html", 403),
    PageType("not found (404)", "agent", "/projects/999999999", "error.html", 404),

    PageType("home (coach)", "coach", "/", "main/index.html"),
    PageType("coaching grid", "coach", "/coaching", "incubation/coaching.html"),
    PageType("weekly logs", "coach", "/projects/{incubated}/journal", "incubation/journal.html"),
    PageType("weekly log form", "coach", "/projects/{incubated}/journal/{week}",
             "incubation/log_form.html"),
    PageType("iterations", "coach", "/projects/{incubated}/iterations", "incubation/iterations.html"),
    PageType("new iteration", "coach", "/projects/{incubated}/iterations/new", "incubation/iteration_form.html"),
    PageType("iteration edit", "coach", "/projects/{incubated}/iterations/{iteration}/edit",
             "incubation/iteration_form.html"),
    PageType("validations", "coach", "/projects/{incubated}/validations", "incubation/validations.html"),
    PageType("new validation", "coach", "/projects/{incubated}/validations/new", "incubation/validation_form.html"),
    PageType("indicators", "coach", "/projects/{incubated}/indicators", "incubation/indicators.html"),
    PageType("timeline", "coach", "/projects/{incubated}/timeline", "incubation/timeline.html"),
    PageType("portfolio", "coach", "/projects/{incubated}/portfolio", "incubation/portfolio.html"),

    PageType("home (staff)", "staff", "/", "main/index.html"),
    PageType("calls list", "staff", "/calls/", "calls/index.html"),
    PageType("call, with its sessions (staff)", "staff", "/calls/{session_call}", "calls/show.html"),
    PageType("new call", "staff", "/calls/new", "calls/form.html"),
    PageType("call edit", "staff", "/calls/{open_call}/edit", "calls/form.html"),
    PageType("projects list (staff)", "staff", "/projects/", "projects/index.html"),
    PageType("project, incubated (staff)", "staff", "/projects/{incubated}", "projects/show.html"),
    PageType("phase review, due (staff)", "staff", "/projects/{incubated}/review", "incubation/review.html"),
    PageType("programme settings", "staff", "/programmes/{programme}/settings",
             "incubation/programme_settings.html"),
    PageType("pitch session (staff)", "staff", "/jury/{session}", "jury/session.html"),
    PageType("new pitch session", "staff", "/jury/calls/{open_call}/sessions/new", "jury/session_form.html"),
    PageType("scoring grid", "staff", "/jury/calls/{open_call}/criteria", "jury/criteria.html"),
    PageType("scoreboard", "staff", "/jury/{session}/scoreboard", "jury/scoreboard.html"),
    PageType("deliberation", "staff", "/jury/{session}/deliberation", "jury/deliberation.html"),
    PageType("minutes", "staff", "/jury/{session}/minutes", "jury/minutes.html"),
    PageType("mission letter", "staff", "/jury/{session}/projects/{selected}/mission-letter",
             "jury/mission_letter.html"),
    PageType("mission letter template", "staff", "/jury/programmes/{programme}/mission-letter-template",
             "jury/mission_letter_template.html"),
    PageType("workflows", "staff", "/workflows", "main/workflows.html"),
    PageType("workflow", "staff", "/workflows/{workflow}", "main/workflow.html"),
    PageType("dashboard", "staff", "/dashboard/", "dashboard/index.html"),
    PageType("dashboard: funnel", "staff", "/dashboard/funnel", "dashboard/funnel.html"),
    PageType("dashboard: board", "staff", "/dashboard/board", "dashboard/board.html"),
    PageType("dashboard: board column", "staff", "/dashboard/board/{workflow}/{incubated_state}",
             "dashboard/column.html"),
    PageType("dashboard: promotions", "staff", "/dashboard/promotions", "dashboard/promotions.html"),
    PageType("dashboard: promotion", "staff", "/dashboard/promotions/{incubated_call}", "dashboard/promotion.html"),
    PageType("dashboard: log compliance", "staff", "/dashboard/compliance", "dashboard/compliance.html"),
    PageType("search results", "staff", "/search/?q={word}", "search/index.html"),
    PageType("open data management", "staff", "/open-data/manage", "opendata/manage.html"),
    PageType("open data: publish a project", "staff", "/open-data/projects/{incubated}/publish",
             "opendata/publish.html"),

    PageType("home (jury)", "jury", "/", "main/index.html"),
    PageType("pitch session (juror)", "jury", "/jury/{session}", "jury/session.html"),
    PageType("score sheet, closed (juror)", "jury", "/jury/{session}/projects/{selected}/score",
             "jury/score.html"),

    PageType("users", "admin", "/admin/users", "admin/users.html"),
    PageType("new user", "admin", "/admin/users/new", "admin/user_form.html"),
    PageType("user edit", "admin", "/admin/users/{agent}/edit", "admin/user_form.html"),
]
