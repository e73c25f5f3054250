"""The demo data: loaded once, the real projects at their stage, the pitch days, a consistent history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from incubator.auth.operations import find_user
from incubator.demo import DEMO_PASSWORD, FORUM_PROGRAMME, PROGRAMME, cohort_start, load_demo
from incubator.extensions import db
from incubator.incubation import storage
from incubator.incubation.models import (
    Attachment,
    Indicator,
    IndicatorValue,
    Iteration,
    PhaseReview,
    Validation,
    WeeklyLog,
    week_label,
    week_start,
)
from incubator.incubation.periods import monday_at, paris_date
from incubator.incubation.summary import evidence_summary
from incubator.jury import operations as jury
from incubator.jury.models import (
    Conflict,
    Criterion,
    Juror,
    JuryDraw,
    PitchSession,
    PitchSlot,
    Score,
    ScoreSheet,
)
from incubator.models import (
    Call,
    Programme,
    Project,
    ProjectCoach,
    ProjectEvent,
    ProjectMember,
    User,
    UserRole,
)
from incubator.notifications.models import Notification, TickRun, Timer
from incubator.notifications.timers import tick
from incubator.workflows import get_definition

PARIS = ZoneInfo("Europe/Paris")
SELECTED_2019 = {"Pau Partage", "Poubelle Battle", "ID Quart"}
SELECTED_2020 = {"Histologe", "Simone & Co", "Kameha Meha"}
CRITERIA = ["Pertinence au regard des besoins des usagers", "Efficience et frugalité", "Bien-être des agents"]

REAL_PROJECTS = {
    "Pau Partage": "integrated",
    "Poubelle Battle": "scaled",
    "ID Quart": "scaled",
    "Histologe": "scaled",
    "Simone & Co": "spun_off",
    "Kameha Meha": "on_hold",
}
# The current cohort, dated from `now`: one in startup mode, one in pre-incubation, one abandoned.
COHORT = {
    "Retour en douceur": "startup",
    "Punaises de lit : agir dès le premier signalement": "pre_incubation",
    "Sport sur ordonnance dans les parcs": "abandoned",
}


def _counts() -> dict[str, int]:
    models = (User, UserRole, Programme, Call, Project, ProjectMember, ProjectCoach, ProjectEvent,
              Criterion, PitchSession, PitchSlot, JuryDraw, Juror, Conflict, ScoreSheet, Score,
              WeeklyLog, Iteration, Validation, Attachment, Indicator, IndicatorValue, PhaseReview,
              Notification, Timer, TickRun)
    return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in models}


@pytest.fixture
def demo(app):
    summary = load_demo()
    db.session.expire_all()
    return summary


def _calls() -> list[Call]:
    return list(db.session.scalars(select(Call).join(Programme).where(Programme.name == PROGRAMME)
                                   .order_by(Call.opens_at)))


def _projects(call: Call) -> list[Project]:
    return list(db.session.scalars(select(Project).where(Project.call_id == call.id)))


def _events(project: Project) -> list[str]:
    return [e.event for e in project.history]


def _by_title() -> dict[str, Project]:
    return {p.title: p for p in db.session.scalars(select(Project))}


def test_loading_twice_changes_nothing(app):
    first = load_demo()
    counts = _counts()
    second = load_demo()
    db.session.expire_all()

    assert _counts() == counts
    assert (first.already_loaded, second.already_loaded) == (False, True)
    assert first.describe().endswith("(loaded)")
    assert second.describe().endswith("(already loaded)")
    assert first.describe().startswith(f"Demo data: 2 programmes, 5 calls, {counts['projects']} projects, "
                                       "4 pitch sessions, 5 demo accounts")
    assert first.accounts == second.accounts
    assert 55 <= sum(len(_projects(call)) for call in _calls()) <= 75
    assert counts["pitch_sessions"] == 4 and counts["jury_draws"] == 1
    assert counts["weekly_logs"] > 300 and counts["iterations"] >= 20 and counts["indicator_values"] > 50
    assert counts["attachments"] == 2 and counts["tick_runs"] == 0


def test_a_missing_demo_account_is_recreated_and_nothing_else(app):
    load_demo()
    db.session.delete(find_user("admin@demo.incubateur.fr"))
    db.session.commit()
    counts = _counts()

    summary = load_demo()
    db.session.expire_all()

    admin = find_user("admin@demo.incubateur.fr")
    assert admin is not None and admin.has_role("admin") and admin.check_password(DEMO_PASSWORD)
    after = _counts()
    assert after.pop("users") == counts.pop("users") + 1
    assert after.pop("user_roles") == counts.pop("user_roles") + 1
    assert after == counts
    assert summary.already_loaded


def test_demo_accounts_one_per_role(demo):
    assert [role for role, _ in demo.accounts] == ["agent", "coach", "staff", "jury", "admin"]
    for role, email in demo.accounts:
        user = find_user(email)
        assert user is not None, email
        assert email == f"{role}@demo.incubateur.fr"
        assert user.has_role(role)
        assert user.check_password(DEMO_PASSWORD)
        assert user.name and user.service and user.title
    jury = find_user("jury@demo.incubateur.fr")
    assert jury.title == "Directrice générale des services"


def test_every_team_has_two_or_three_agents_with_a_service_and_title(demo):
    """Pau's teams are 2 or 3 agents; in the idea forum an agent may post alone."""
    for project in db.session.scalars(select(Project)):
        low = 1 if project.workflow == "idea_forum" else 2
        assert low <= len(project.members) <= 3, project.title
        for member in project.members:
            assert member.user.has_role("agent")
            assert member.user.service and member.user.title


def test_the_demo_agent_has_a_draft_and_an_incubated_project(demo):
    agent = find_user("agent@demo.incubateur.fr")
    projects = db.session.scalars(select(Project).join(ProjectMember)
                                  .where(ProjectMember.user_id == agent.id)).all()
    open_drafts = [p for p in projects if p.state == "draft" and p.call.is_open()]
    incubated = [p for p in projects if p.state in ("pre_incubation", "startup", "on_hold")]
    assert open_drafts and incubated


def test_the_demo_coach_coaches_every_incubated_project(demo):
    coach = find_user("coach@demo.incubateur.fr")
    started = [p for p in db.session.scalars(select(Project)) if "start" in _events(p)]
    assert {p.title for p in started} == set(REAL_PROJECTS) | set(COHORT)
    assert all(p.is_coached_by(coach) for p in started)
    start_at = {p.id: next(e.at for e in p.history if e.event == "start") for p in started}
    for link in db.session.scalars(select(ProjectCoach)):
        assert link.assigned_at == start_at[link.project_id]


def test_the_six_real_projects_reached_their_stage(demo):
    projects = _by_title()
    assert {title: projects[title].state for title in REAL_PROJECTS} == REAL_PROJECTS

    def comment(title, event):
        return next(e.comment for e in projects[title].history if e.event == event)

    assert "CCAS" in comment("Pau Partage", "integrate")
    poubelle = " ".join(e.comment for e in projects["Poubelle Battle"].history)
    assert "gamification" in poubelle and "compost" in poubelle and "fonds d'accélération" in poubelle
    id_quart = _events(projects["ID Quart"])
    assert id_quart[-4:] == ["pause", "resume", "continue", "scale"]
    assert projects["ID Quart"].state_before_hold is None
    assert "communes voisines" in comment("ID Quart", "resume")
    assert "logiciel libre" in comment("ID Quart", "scale")
    # Outcomes say who takes the project over.
    taken = {title: projects[title].taken_over_by for title in REAL_PROJECTS}
    assert "CCAS" in taken["Pau Partage"] and "Association" in taken["Simone & Co"]
    assert "logiciel libre" in taken["ID Quart"] and "startups d'État" in taken["Histologe"]
    assert taken["Poubelle Battle"] and not taken["Kameha Meha"]
    assert "115 situations" in comment("Histologe", "graduate")
    assert "1 000 kits" in comment("Simone & Co", "spin_off")
    kameha = projects["Kameha Meha"]
    assert _events(kameha)[-2:] == ["start", "pause"]
    assert kameha.state_before_hold == "pre_incubation"
    assert "onfinement" in comment("Kameha Meha", "pause")
    assert kameha.history[-1].at.date() == datetime(2020, 3, 16).date()


def test_first_call_thirty_submissions_ten_shortlisted_three_selected(demo):
    first, second, cohort, third = _calls()
    projects = _projects(first)
    submitted = [p for p in projects if "submit" in _events(p)]
    shortlisted = [p for p in projects if "shortlist" in _events(p)]
    selected = [p for p in projects if "select" in _events(p)]
    assert 28 <= len([p for p in projects if p.state != "draft"]) <= 32
    assert 28 <= len(submitted) <= 32
    assert len(shortlisted) == 10
    assert {p.title for p in selected} == {"Pau Partage", "Poubelle Battle", "ID Quart"}
    assert {p.state for p in shortlisted} - set(REAL_PROJECTS.values()) == {"rejected", "rework"}
    # Each declined or rejected proposal says why.
    for project in projects:
        for event in project.history:
            if event.event in ("decline", "reject", "ask_rework"):
                assert len(event.comment) > 20
    states = {p.state for p in projects}
    assert {"draft", "withdrawn", "not_retained"} <= states


def test_second_call_three_selected(demo):
    second = _calls()[1]
    projects = _projects(second)
    assert 13 <= len([p for p in projects if "submit" in _events(p)]) <= 17
    assert 6 <= len([p for p in projects if "shortlist" in _events(p)]) <= 8
    assert {p.title for p in projects if "select" in _events(p)} == {"Histologe", "Simone & Co", "Kameha Meha"}


def test_third_call_is_open_with_drafts_and_submissions(demo):
    third = _calls()[3]
    assert third.title == "Troisième appel à projets"
    assert third.is_open()
    states = sorted(p.state for p in _projects(third))
    assert "draft" in states and "submitted" in states
    assert set(states) == {"draft", "submitted"}


def test_open_call_follows_the_given_now(app):
    now = datetime(2031, 3, 1, 12, tzinfo=UTC)
    load_demo(now=now)
    third = _calls()[3]
    assert third.is_open(now)
    assert (third.opens_at - now).days in (-16, -15) and (third.closes_at - now).days in (29, 30)
    assert all(e.at <= now for p in _projects(third) for e in p.history)


def test_a_now_before_the_story_is_refused(app):
    with pytest.raises(ValueError):
        load_demo(now=datetime(2020, 1, 1, tzinfo=UTC))
    assert db.session.scalar(select(func.count()).select_from(Project)) == 0


def test_history_is_consistent(demo):
    definition = get_definition("pau")
    for call in _calls():
        for project in _projects(call):
            history = project.history
            assert history[0].event == "create" and history[0].at == project.created_at
            assert all(a.at < b.at for a, b in zip(history, history[1:], strict=False)), project.title
            # the last change: its last event, or its publication in the catalogue after it
            assert project.updated_at == max(history[-1].at, project.published_at or history[-1].at)
            for event in history[1:]:
                assert event.at.tzinfo is not None
                rule = definition.events[event.event]
                if rule.comment_required:
                    assert event.comment, (project.title, event.event)
                actor = event.actor
                if "team" in rule.roles:
                    assert project.has_member(actor)
                elif "jury" in rule.roles:
                    assert actor.has_role("jury")
                else:
                    assert actor.has_role("staff")
                if event.event == "submit":
                    assert call.opens_at <= event.at < call.closes_at
                    assert project.submitted_at == event.at
                if event.event in ("shortlist", "decline"):
                    assert event.at > call.closes_at


# --- pitch days ------------------------------------------------------------------------------------

def _session(call: Call) -> PitchSession:
    sessions = db.session.scalars(select(PitchSession).where(PitchSession.call_id == call.id)).all()
    assert len(sessions) == 1, call.title
    return sessions[0]


def _forum_call() -> Call:
    return db.session.scalar(select(Call).join(Programme).where(Programme.name == FORUM_PROGRAMME))


def _check_session(session: PitchSession) -> None:
    """What every demo pitch session holds: sheets for every present non-recused juror, on time, decisions
    that are the history's jury events, a closed deliberation."""
    call = session.call
    definition = get_definition(call.workflow)
    jury_events = {e.name for e in definition.jury_decisions()}
    criteria = jury.ensure_criteria(call)
    assert [c.name for c in criteria] == CRITERIA
    assert all((c.weight, c.scale_min, c.scale_max) == (1, 1, 5) for c in criteria)
    assert session.minutes_per_pitch == 15 and session.place
    assert session.created_at < session.starts_at
    if session.coaching_at is not None:
        assert session.coaching_at.astimezone(PARIS).date() == session.starts_at.astimezone(PARIS).date()
        assert session.coaching_at.astimezone(PARIS).hour < 12 <= session.starts_at.astimezone(PARIS).hour
    chairs = [j for j in session.jurors if j.is_chair]
    assert len(chairs) == 1 and not chairs[0].absent
    assert [s.position for s in session.slots] == list(range(len(session.slots)))
    # The slots are the call's projects heard by the jury: every project that got a jury decision.
    heard = {p.id for p in _projects(call) if any(e.event in jury_events for e in p.history)}
    assert {s.project_id for s in session.slots} == heard
    sheets = {(sh.juror_id, sh.project_id): sh for sh in db.session.scalars(
        select(ScoreSheet).join(Juror).where(Juror.session_id == session.id))}
    last_decision = max(s.decided_at for s in session.slots)
    for slot in session.slots:
        recused = set(db.session.scalars(select(Conflict.juror_id).where(Conflict.project_id == slot.project_id)))
        for juror in session.jurors:
            sheet = sheets.get((juror.id, slot.project_id))
            if juror.absent or juror.id in recused:
                assert sheet is None, (juror.user.name, slot.project.title)
                continue
            assert sheet is not None and sheet.submitted_at is not None, (juror.user.name, slot.project.title)
            assert sheet.comment.strip()
            assert sorted(s.criterion_id for s in sheet.scores) == sorted(c.id for c in criteria)
            assert all(1 <= s.value <= 5 for s in sheet.scores)
            assert session.starts_at < sheet.submitted_at < slot.decided_at
            assert sheet.updated_at == sheet.submitted_at
        assert not jury.missing_scores(session, slot.project_id)
        # The decision is the history's jury event: same event, time, actor and rationale.
        event = next(e for e in slot.project.history if e.event in jury_events)
        assert slot.decision == event.event
        assert slot.decided_at == event.at and slot.decided_at.tzinfo is not None
        assert slot.decided_by_id == event.actor_id == chairs[0].user_id
        assert slot.rationale == event.comment and len(slot.rationale) > 20
        assert not slot.override_reason
    assert session.is_closed and session.closed_at > last_decision
    assert session.closed_by_id == chairs[0].user_id
    assert len(session.deliberation_notes) > 40


def _board(session: PitchSession) -> dict[str, jury.BoardRow]:
    rows, _ = jury.scoreboard(session, find_user("staff@demo.incubateur.fr"))
    return {row.slot.project.title: row for row in rows}


def test_the_pau_pitch_days(demo):
    """2019 in full (jury, absence, recusal, scores, decisions); 2020 more briefly, with a mentor; the current
    cohort's, dated from now."""
    first = _calls()[0]
    session = _session(first)
    _check_session(session)
    local = session.starts_at.astimezone(PARIS)
    assert (local.year, local.month, local.day) == (2019, 1, 24)
    assert "Hôtel de Ville de Pau" in session.place and session.coaching_place
    shortlisted = {p.title for p in _projects(first) if "shortlist" in _events(p)}
    assert {s.project.title for s in session.slots} == shortlisted and len(session.slots) == 10

    # A jury of management and elected officials, chaired by the DGS, with their titles.
    jurors = {j.user.email: j for j in session.jurors}
    assert len(jurors) >= 4 and all(j.kind == "appointed" and j.title for j in session.jurors)
    assert all(j.user.has_role("jury") for j in session.jurors)
    chair = jurors["jury@demo.incubateur.fr"]
    assert chair.is_chair and chair.title == "Directrice générale des services"
    titles = " ".join(j.title for j in session.jurors)
    assert "Adjoint au maire" in titles and "Directrice générale adjointe" in titles
    absent = [j for j in session.jurors if j.absent]
    assert len(absent) == 1 and absent[0].absence_note

    # One conflict of interest: a juror of the same service as the team, with the reason.
    conflicts = db.session.scalars(select(Conflict).join(Juror).where(Juror.session_id == session.id)).all()
    assert len(conflicts) == 1
    conflict = conflicts[0]
    assert conflict.project.title == "Poubelle Battle" and len(conflict.reason) > 20
    assert conflict.juror.user.service in {m.user.service for m in conflict.project.members}
    assert session.created_at < conflict.declared_at < session.starts_at
    present = [j for j in session.jurors if not j.absent]
    sheets = db.session.scalar(select(func.count(ScoreSheet.id)).join(Juror).where(Juror.session_id == session.id))
    assert sheets == len(present) * 10 - 1

    # The scores agree with the outcomes: selected first, rework in the middle, rejected last.
    board = _board(session)
    by_decision = {}
    for row in board.values():
        by_decision.setdefault(row.slot.decision, []).append(row.mean)
    assert {t for t, r in board.items() if r.slot.decision == "select"} == SELECTED_2019
    assert {r.rank for r in board.values() if r.slot.decision == "select"} == {1, 2, 3}
    assert min(by_decision["select"]) > max(by_decision["ask_rework"])
    assert min(by_decision["ask_rework"]) > max(by_decision["reject"])
    assert [t for t, r in board.items() if r.disagreement] == ["La médiathèque hors les murs"]
    assert board["Poubelle Battle"].recusals and board["Poubelle Battle"].sheets == len(present) - 1
    assert all(r.sheets == r.expected for r in board.values())

    second = _calls()[1]
    session = _session(second)
    _check_session(session)
    local = session.starts_at.astimezone(PARIS)
    assert (local.year, local.month, local.day) == (2020, 1, 16)
    board = _board(session)
    selected = {t for t, r in board.items() if r.slot.decision == "select"}
    assert selected == SELECTED_2020
    assert {board[t].rank for t in selected} == {1, 2, 3}
    mentored = [p for p in _projects(second) if p.mentor is not None]
    assert [p.title for p in mentored] == ["Histologe"]
    assert mentored[0].mentor.title.startswith("Directrice générale adjointe")

    # The current cohort's pitch day, three weeks before its pre-incubation starts.
    cohort = _calls()[2]
    assert "Santé et qualité de vie" in cohort.title and cohort.status() == "closed"
    session = _session(cohort)
    _check_session(session)
    start = next(e.at for e in _by_title()["Retour en douceur"].history if e.event == "start")
    assert timedelta(days=14) < start - session.starts_at < timedelta(days=21)
    board = _board(session)
    assert {t for t, r in board.items() if r.slot.decision == "select"} == set(COHORT)
    assert {board[t].rank for t in COHORT} == {1, 2, 3}
    assert {r.slot.decision for r in board.values()} == {"select", "ask_rework", "reject"}

    # Played in calendar order: the decisions' history ids follow their times.
    events = db.session.scalars(select(ProjectEvent).order_by(ProjectEvent.id)).all()
    decisions = [e for e in events if e.event in ("select", "ask_rework", "reject", "launch", "abandon")]
    assert all(a.at < b.at for a, b in zip(decisions, decisions[1:], strict=False))
    day = [e for e in events if e.project.call_id == first.id
           and e.at.astimezone(PARIS).date() == datetime(2019, 1, 24).date()]
    assert len(day) == 10 and all(e.event in ("select", "ask_rework", "reject") for e in day)


def test_the_idea_forum_with_a_drawn_jury(demo):
    forum = _forum_call()
    assert forum.title == "Forum des idées 2025" and forum.workflow == "idea_forum"
    assert forum.status() == "closed"
    ideas = _projects(forum)
    states = {p.title: p.state for p in ideas}
    assert {"launched", "rework", "abandoned", "not_retained", "withdrawn", "idea"} <= set(states.values())
    assert sum(1 for s in states.values() if s in ("launched", "rework", "abandoned")) == 3

    session = _session(forum)
    _check_session(session)
    assert session.share_scores
    # Three agents drawn at random; the draw is recorded and plays again the same.
    (draw,) = session.draws
    assert draw.size == 3 and draw.seed and len(draw.drawn) == 3
    assert jury.rerun_draw(draw) == draw.drawn
    assert draw.drawn_at < session.starts_at
    jurors = session.jurors
    assert [j.user_id for j in jurors] == draw.drawn
    assert all(j.kind == "drawn" and j.draw_id == draw.id for j in jurors)
    assert all(j.user.has_role("agent") and not j.user.has_role("jury") for j in jurors)
    team_ids = {m.user_id for s in session.slots for m in s.project.members}
    assert not team_ids & set(draw.drawn) and not team_ids & set(draw.pool)
    assert jurors[0].is_chair

    launched = [p for p in ideas if p.state == "launched"]
    assert len(launched) == 1 and launched[0].mentor is not None
    assert launched[0].mentor.title.startswith("Directrice générale adjointe")
    assert all(p.mentor is None for p in ideas if p.state != "launched")
    board = _board(session)
    ranked = sorted(board.values(), key=lambda r: r.rank)
    assert [r.slot.decision for r in ranked] == ["launch", "ask_rework", "abandon"]

    # The forum's history is consistent too; a drawn agent decides as a juror of the session.
    definition = get_definition("idea_forum")
    juror_ids = {j.user_id for j in session.jurors}
    for project in ideas:
        history = project.history
        assert history[0].event == "create" and history[0].at == project.created_at
        assert all(a.at < b.at for a, b in zip(history, history[1:], strict=False)), project.title
        assert project.updated_at == history[-1].at
        for event in history[1:]:
            rule = definition.events[event.event]
            if rule.comment_required:
                assert event.comment
            if "team" in rule.roles:
                assert project.has_member(event.actor)
            elif rule.jury_decision:
                assert event.actor_id in juror_ids  # a drawn agent, acting as a juror of the session
            else:
                assert event.actor.has_role("staff")
            if event.event == "post":
                assert forum.opens_at <= event.at < forum.closes_at
            if event.event in ("schedule_pitch", "decline"):
                assert event.at > forum.closes_at



# --- incubation: logs, iterations, evidence, indicators, reviews, reminders -------------------------

def _indicator(project: Project, name: str) -> list[float]:
    return [v.value for v in db.session.scalars(
        select(IndicatorValue).join(Indicator).where(Indicator.project_id == project.id, Indicator.name == name)
        .order_by(IndicatorValue.measured_on))]


def _reviews(project: Project) -> list[PhaseReview]:
    return list(db.session.scalars(select(PhaseReview).where(PhaseReview.project_id == project.id)
                                   .order_by(PhaseReview.decided_at)))


def test_the_stories_in_the_ledgers(demo):
    """Poubelle Battle's pivot, the impact indicators, Kameha Meha's lockdown stand-by."""
    project = _by_title()["Poubelle Battle"]
    iterations = db.session.scalars(select(Iteration).where(Iteration.project_id == project.id)
                                    .order_by(Iteration.number)).all()
    pivot = iterations[0]
    assert pivot.decision == "pivot" and pivot.decided_at is not None and pivot.decided_by is not None
    assert "compétition" in pivot.hypothesis and "trois tours" in pivot.audience and pivot.users_count
    assert "gamification" in pivot.result
    assert "plateforme d'échange" in pivot.pivot_change and "composter" in pivot.pivot_change
    assert [i.decision for i in iterations[1:]] == ["persevere", "persevere"]
    # The evidence behind it: users did not validate the contest; one interview summary is attached.
    rejected = db.session.scalars(select(Validation).where(Validation.iteration_id == pivot.id)).all()
    assert {v.verdict for v in rejected} == {"not_validated"} and len(rejected) == 2
    (attachment,) = [a for v in rejected for a in v.attachments]
    assert attachment.content_type == "application/pdf" and attachment.filename.endswith(".pdf")
    assert storage.path_for(attachment.storage_key).read_bytes().startswith(b"%PDF-")
    # The graduation review, decided after the pivot, shows it in its evidence snapshot.
    graduate = next(r for r in _reviews(project) if r.decision == "graduate")
    assert graduate.phase == "pre_incubation" and graduate.decided_at > pivot.decided_at
    assert graduate.summary["iterations"]["pivots"][0]["change"] == pivot.pivot_change
    assert graduate.summary["validations"]["by_verdict"]["not_validated"] == 2

    # Impact indicators: Histologe's 115 situations being resolved, Simone & Co's 1,000 kits in a month.
    projects = _by_title()
    situations = _indicator(projects["Histologe"], "Situations en cours de résolution")
    assert situations[-1] == 115 and situations == sorted(situations)
    kits = _indicator(projects["Simone & Co"], "Kits distribués")
    assert max(kits) >= 1000 and kits[-1] >= 1000
    assert _indicator(projects["Poubelle Battle"], "Foyers qui compostent")[-1] > 200
    assert _indicator(projects["Pau Partage"], "Binômes actifs")
    # Simone & Co's last evidence carries a small chart, a real PNG.
    attachment = db.session.scalar(select(Attachment).where(Attachment.content_type == "image/png"))
    assert attachment.validation.project.title == "Simone & Co"
    assert storage.path_for(attachment.storage_key).read_bytes().startswith(b"\x89PNG")

    # Kameha Meha stands by since the lockdown closed the schools; its review clock is stopped.
    project = projects["Kameha Meha"]
    pause = project.history[-1]
    assert pause.event == "pause" and "onfinement" in pause.comment
    assert project.state == "on_hold" and project.clock_stopped_at == pause.at
    assert project.review_due_at is not None and project.review_due_at > pause.at  # kept for the resume
    (review,) = _reviews(project)
    assert review.decision == "pause" and review.phase == "pre_incubation"
    assert review.summary["validations"]["count"] == 1 and review.summary["iterations"]["open"] == 1
    # No log is expected while it stands by.
    logs = db.session.scalars(select(WeeklyLog).where(WeeklyLog.project_id == project.id)).all()
    assert logs and max(log.week_start for log in logs) < paris_date(pause.at)


def test_every_incubation_has_its_ledger_and_its_reviews(demo):
    definition = get_definition("pau")
    for title in (*REAL_PROJECTS, *COHORT):
        project = _by_title()[title]
        logs = db.session.scalars(select(WeeklyLog).where(WeeklyLog.project_id == project.id)).all()
        summary = evidence_summary(project)
        assert summary["logs"]["expected"] >= 7, title
        assert summary["logs"]["written"] / summary["logs"]["expected"] >= 0.8, title
        assert summary["validations"]["count"] and summary["iterations"]["count"], title
        assert summary["indicators"] and all(i["value"] is not None for i in summary["indicators"]), title
        coaches = {c.user_id for c in project.coaches}
        assert all(log.author_id in coaches and log.done and 1 <= log.confidence <= 5 for log in logs), title
        assert len({log.done for log in logs}) >= len(logs) * 0.6, title  # the weeks vary
        # Written during the incubation, a week at a time, never ahead of time.
        start = next(e.at for e in project.history if e.event == "start")
        assert all(week_start(paris_date(start)) <= log.week_start <= paris_date(log.created_at)
                   for log in logs), title
        # Each review event has its phase review, whose snapshot holds only what came before.
        events = [e for e in project.history if e.event in definition.events and definition.events[e.event].review]
        reviews = _reviews(project)
        assert [r.event_id for r in reviews] == [e.id for e in events], title
        for review in reviews:
            written = sum(1 for log in logs if log.created_at <= review.decided_at)
            assert review.summary["logs"]["written"] == written > 0, title
    # Pre-incubation budgets one day a week per agent: the days declared are close to it.
    project = _by_title()["Pau Partage"]
    budget = next(b for b in evidence_summary(project)["budget"] if b["phase"] == "pre_incubation")
    assert 0.7 <= budget["declared_days"] / budget["planned_days"] <= 1.1


@pytest.mark.parametrize("now", [datetime(2026, 11, 19, 15, tzinfo=UTC), datetime(2031, 3, 3, 7, tzinfo=UTC)],
                         ids=["thursday", "monday-before-the-reminders"])
def test_the_current_cohort_is_alive_today(app, now):
    load_demo(now=now)
    db.session.expire_all()
    projects = _by_title()
    assert {title: projects[title].state for title in COHORT} == COHORT
    startup, pre = projects["Retour en douceur"], projects["Punaises de lit : agir dès le premier signalement"]
    start = next(e.at for e in startup.history if e.event == "start")
    assert start == cohort_start(now) and now - start > timedelta(weeks=30)
    coach, agent = find_user("coach@demo.incubateur.fr"), find_user("agent@demo.incubateur.fr")
    assert startup.is_coached_by(coach) and pre.is_coached_by(coach) and pre.has_member(agent)

    # A review falls due in the coming weeks, another is overdue (after a stand-by that moved it).
    assert now < startup.review_due_at <= now + timedelta(weeks=4)
    assert now - timedelta(weeks=5) <= pre.review_due_at < now and pre.clock_stopped_at is None
    assert [e.event for e in pre.history][-3:] == ["continue", "pause", "resume"]

    # The last complete weeks are missing: one for the first, two running for the second.
    this_week = week_start(paris_date(now))
    last, before = week_label(this_week - timedelta(weeks=1)), week_label(this_week - timedelta(weeks=2))
    assert evidence_summary(startup, now)["logs"]["missing_weeks"][-1:] == [last]
    assert evidence_summary(pre, now)["logs"]["missing_weeks"][-2:] == [before, last]
    for project in (startup, pre):
        assert db.session.scalars(select(Iteration).where(Iteration.project_id == project.id)).all()
        assert db.session.scalars(select(Validation).where(Validation.project_id == project.id)).all()
        assert db.session.scalars(select(Indicator).where(Indicator.project_id == project.id)).all()
        assert not db.session.scalar(select(func.count()).select_from(WeeklyLog).where(
            WeeklyLog.project_id == project.id, WeeklyLog.created_at > now))

    # The reminders of the last weeks went as the scheduler sends them (last week's log is checked on
    # Monday 9:00); older news is read.
    checked = monday_at(this_week, 9) <= now
    kinds = [n.kind for n in db.session.scalars(select(Notification).where(Notification.user_id == coach.id,
                                                                          Notification.read_at.is_(None)))]
    assert kinds.count("log_missing") == (3 if checked else 1) and "log_missing_twice" not in kinds
    staff = find_user("staff@demo.incubateur.fr")
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == staff.id, Notification.kind == "log_missing_twice")) == (1 if checked else 0)
    assert db.session.scalar(select(Timer.outcome).where(Timer.kind == "review_due")).startswith("review due")
    old = now - timedelta(days=14)
    assert not db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.created_at < old, Notification.read_at.is_(None)))
    assert db.session.scalar(select(func.count()).select_from(Notification).where(Notification.created_at < old))


def test_a_tick_after_the_demo_writes_timers_and_fails_nothing(app, smtp):
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    load_demo(now=now)
    recent = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.email_state == "pending"))
    assert not db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.created_at < now - timedelta(days=14), Notification.email_state != "off"))

    written = db.session.scalar(select(func.count()).select_from(Timer))  # the reminders the demo sent
    report = tick(now)
    assert report.errors == 0 and report.email_failures == 0
    assert report.emails == recent == len(smtp.messages) > 0
    assert db.session.scalar(select(func.count()).select_from(Timer)) > written  # the deadlines ahead
    keys = set(db.session.scalars(select(Timer.key)))
    startup = _by_title()["Retour en douceur"]
    assert any(k.startswith(f"review_due:{startup.id}:") for k in keys)  # due within the coming weeks
    assert db.session.scalar(select(func.count()).select_from(TickRun)) == 1

    again = tick(now)
    assert (again.created, again.processed, again.notifications, again.emails) == (0, 0, 0, 0)
