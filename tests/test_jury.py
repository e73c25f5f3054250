"""Jury day operations: privacy of scores, recusals, the frozen deliberation, the reproducible draw,
decisions and their override, the scoreboard and its query count."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from incubator.errors import Conflict as ConflictError
from incubator.errors import DomainError, InvalidData
from incubator.extensions import db
from incubator.jury import operations as jury
from incubator.jury.models import Juror, JuryDraw, PitchSession, PitchSlot, Score, ScoreSheet
from incubator.models import Project, ProjectEvent
from incubator.workflows import NotPermitted
from tests.jury_helpers import STARTS, Day, build_day, bulk_session, full, submitted


@pytest.fixture
def day(make_user, make_call, make_project) -> Day:
    return build_day(make_user, make_call, make_project)


def row_for(rows, project: Project) -> jury.BoardRow:
    return next(r for r in rows if r.slot.project_id == project.id)


# --- the session ----------------------------------------------------------------------------------------

def test_session_defaults_and_default_grid(day):
    assert day.session.minutes_per_pitch == 15
    assert [s.project_id for s in day.session.slots] == [p.id for p in day.projects]
    assert [(c.weight, c.scale_min, c.scale_max) for c in day.criteria] == [(1, 1, 5)] * 3
    assert len({c.name for c in day.criteria}) == 3
    assert jury.ensure_criteria(day.call) == day.criteria  # idempotent


def test_only_projects_awaiting_the_jury_pitch(day, make_project):
    draft = make_project("draft", call=day.call)
    with pytest.raises(InvalidData) as exc:
        jury.set_running_order(day.session, [day.projects[0].id, draft.id])
    assert "projects" in exc.value.fields


def test_appointed_jurors_need_the_jury_role_and_no_team_seat(day, make_user):
    with pytest.raises(InvalidData) as exc:
        jury.appoint_juror(day.session, make_user("agent"))
    assert "user" in exc.value.fields
    team_member = day.projects[0].members[0].user
    team_member.set_roles(["agent", "jury"])
    with pytest.raises(InvalidData):
        jury.appoint_juror(day.session, team_member)
    with pytest.raises(InvalidData):
        jury.appoint_juror(day.session, day.chair.user)  # already sitting


def test_a_project_whose_team_sits_on_the_jury_cannot_join_the_running_order(day, make_project, make_user):
    juror_user = day.members[0].user
    juror_user.set_roles(["jury", "agent"])
    late = make_project("shortlisted", call=day.call, team=[make_user("agent"), juror_user])
    with pytest.raises(InvalidData) as exc:
        jury.set_running_order(day.session, [*(p.id for p in day.projects), late.id])
    assert "projects" in exc.value.fields
    assert late.id not in {s.project_id for s in day.session.slots}


# --- privacy: a juror sees the others' scores only after submitting their own ----------------------------

def test_a_juror_cannot_read_others_scores_before_submitting_their_own(day):
    p0 = day.projects[0]
    for juror in day.jurors[:2]:
        jury.save_scores(juror, p0, full(day.criteria, 5 if juror.is_chair else 3), submit=True)
    late = day.jurors[2]
    assert not jury.may_see_scores(day.session, late.user, p0.id, submitted(day.session))
    row = row_for(jury.scoreboard(day.session, late.user)[0], p0)
    assert not row.visible and row.mean is None and row.spread is None and row.criterion_means == {}
    assert row.rank is None

    jury.save_scores(late, p0, full(day.criteria, 1), submit=False)  # a draft is not enough
    assert not jury.may_see_scores(day.session, late.user, p0.id, submitted(day.session))
    assert not row_for(jury.scoreboard(day.session, late.user)[0], p0).visible

    jury.save_scores(late, p0, full(day.criteria, 1), submit=True)
    assert jury.may_see_scores(day.session, late.user, p0.id, submitted(day.session))
    row = row_for(jury.scoreboard(day.session, late.user)[0], p0)
    assert row.visible and row.mean == pytest.approx(3.0) and row.sheets == 3
    # Submitting for one project reveals nothing of another.
    assert not row_for(jury.scoreboard(day.session, late.user)[0], day.projects[1]).visible


def test_staff_see_every_score_and_outsiders_none(day, make_user):
    jury.save_scores(day.chair, day.projects[0], full(day.criteria), submit=True)
    assert jury.may_see_scores(day.session, day.staff, day.projects[0].id, submitted(day.session))
    assert row_for(jury.scoreboard(day.session, day.staff)[0], day.projects[0]).mean == 4.0
    outsider = make_user("jury")
    assert not jury.may_see_scores(day.session, outsider, day.projects[0].id, submitted(day.session))


def test_a_recused_juror_does_not_see_the_scores_of_that_project(day):
    p0 = day.projects[0]
    jury.save_scores(day.chair, p0, full(day.criteria), submit=True)
    recused = day.members[0]
    jury.declare_conflict(recused, p0, "Ma sœur est dans l'équipe.")
    assert not jury.may_see_scores(day.session, recused.user, p0.id, submitted(day.session))
    assert not row_for(jury.scoreboard(day.session, recused.user)[0], p0).visible


# --- conflicts of interest ------------------------------------------------------------------------------

def test_a_recused_juror_score_is_refused(day):
    p0 = day.projects[0]
    juror = day.members[0]
    conflict = jury.declare_conflict(juror, p0, "  J'ai encadré la cheffe de projet.  ")
    assert conflict.reason == "J'ai encadré la cheffe de projet."
    with pytest.raises(NotPermitted):
        jury.save_scores(juror, p0, full(day.criteria), submit=True)
    assert db.session.scalar(select(func.count(ScoreSheet.id))) == 0
    jury.save_scores(juror, day.projects[1], full(day.criteria), submit=True)  # the other one is fine
    row = row_for(jury.scoreboard(day.session, day.staff)[0], p0)
    assert row.expected == 2
    assert [(c.juror_id, c.reason) for c in row.recusals] == [(juror.id, "J'ai encadré la cheffe de projet.")]
    assert juror not in row.missing


def test_a_conflict_declared_after_scoring_deletes_the_sheet(day):
    p0 = day.projects[0]
    juror = day.members[0]
    jury.save_scores(juror, p0, full(day.criteria, 5), comment="Très bien", submit=True)
    db.session.commit()
    jury.declare_conflict(juror, p0, "Je connais l'équipe.")
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(select(func.count(ScoreSheet.id)).where(ScoreSheet.juror_id == juror.id,
                                                                     ScoreSheet.project_id == p0.id)) == 0
    assert db.session.scalar(select(func.count(Score.id))) == 0
    assert row_for(jury.scoreboard(day.session, day.staff)[0], p0).sheets == 0


def test_a_conflict_needs_a_reason_a_pitching_project_and_is_declared_once(day, make_project):
    juror = day.members[0]
    with pytest.raises(InvalidData) as exc:
        jury.declare_conflict(juror, day.projects[0], "  ")
    assert "reason" in exc.value.fields
    with pytest.raises(InvalidData) as exc:
        jury.declare_conflict(juror, make_project("shortlisted", call=day.call), "Raison")
    assert "project" in exc.value.fields
    jury.declare_conflict(juror, day.projects[0], "Raison")
    with pytest.raises(InvalidData):
        jury.declare_conflict(juror, day.projects[0], "Encore")


def test_an_absent_juror_does_not_score(day):
    juror = day.members[0]
    jury.mark_absent(juror, "Malade")
    with pytest.raises(NotPermitted):
        jury.save_scores(juror, day.projects[0], full(day.criteria), submit=True)


# --- frozen once the deliberation closes ----------------------------------------------------------------

def test_scores_are_frozen_once_the_deliberation_closes(day):
    p0 = day.projects[0]
    juror = day.members[0]
    jury.save_scores(juror, p0, full(day.criteria, 2), comment="Avant", submit=True)
    jury.close_deliberation(day.session, day.chair.user, "Délibération close.")
    db.session.commit()
    with pytest.raises(ConflictError):
        jury.save_scores(juror, p0, full(day.criteria, 5), comment="Après", submit=True)
    with pytest.raises(ConflictError):
        jury.save_scores(juror, day.projects[1], full(day.criteria, 5), submit=False)
    with pytest.raises(ConflictError):
        jury.declare_conflict(day.members[1], p0, "Trop tard")
    with pytest.raises(ConflictError):
        jury.decide(day.session, p0, day.chair.user, "select", "Trop tard")
    with pytest.raises(ConflictError):
        jury.close_deliberation(day.session, day.staff)
    db.session.rollback()
    db.session.expire_all()
    sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.juror_id == juror.id))
    assert sheet.comment == "Avant" and {s.value for s in sheet.scores} == {2}
    assert db.session.scalar(select(func.count(ScoreSheet.id))) == 1
    session = db.session.get(PitchSession, day.session.id)
    assert session.is_closed and session.deliberation_notes == "Délibération close."
    assert db.session.get(Project, p0.id).state == "shortlisted"


def test_the_jury_is_frozen_too_once_closed(day, make_user):
    absent = day.members[0]
    jury.mark_absent(absent, "Parti")
    jury.close_deliberation(day.session, day.staff)
    stand_in = make_user("jury")
    with pytest.raises(ConflictError):
        jury.replace_juror(absent, day.staff, user=stand_in)
    with pytest.raises(ConflictError):
        jury.set_chair(day.session, day.members[1])
    with pytest.raises(ConflictError):
        jury.appoint_juror(day.session, stand_in)
    assert [j.id for j in day.session.jurors] == [j.id for j in day.jurors]
    assert day.chair.is_chair and not day.members[1].is_chair


def test_scores_change_until_the_deliberation_closes(day):
    p0 = day.projects[0]
    juror = day.members[0]
    jury.save_scores(juror, p0, full(day.criteria, 2), submit=True)
    sheet = jury.save_scores(juror, p0, full(day.criteria, 3), comment="Revu", submit=True)
    db.session.commit()
    db.session.expire_all()
    assert {s.value for s in sheet.scores} == {3} and len(sheet.scores) == 3


def test_only_the_chair_or_staff_close_and_an_absent_chair_does_not(day):
    with pytest.raises(NotPermitted):
        jury.close_deliberation(day.session, day.members[0].user)
    jury.mark_absent(day.chair)
    jury.set_chair(day.session, day.chair)  # named chair while absent: still not acting as one
    with pytest.raises(NotPermitted):
        jury.close_deliberation(day.session, day.chair.user)
    jury.close_deliberation(day.session, day.staff)
    assert day.session.closed_by_id == day.staff.id


# --- invalid scores -------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [0, 6, -1, "abc", 4.5, True, [4]],
                         ids=["below", "above", "negative", "text", "fraction", "bool", "list"])
def test_a_score_out_of_scale_or_not_a_whole_number_is_refused(day, value):
    c0, c1, c2 = day.criteria
    with pytest.raises(InvalidData) as exc:
        jury.save_scores(day.chair, day.projects[0], {c0.id: value, c1.id: 3, c2.id: 3}, submit=True)
    assert set(exc.value.fields) == {f"criterion-{c0.id}"}
    assert db.session.scalar(select(func.count(ScoreSheet.id))) == 0


def test_a_whole_float_or_a_digit_string_is_accepted(day):
    c0, c1, c2 = day.criteria
    sheet = jury.save_scores(day.chair, day.projects[0], {c0.id: 4.0, c1.id: "3", c2.id: 2}, submit=True)
    assert sorted(s.value for s in sheet.scores) == [2, 3, 4]


def test_submitting_needs_every_criterion_a_draft_does_not(day):
    c0, c1, c2 = day.criteria
    with pytest.raises(InvalidData) as exc:
        jury.save_scores(day.chair, day.projects[0], {c0.id: 3}, submit=True)
    assert set(exc.value.fields) == {f"criterion-{c1.id}", f"criterion-{c2.id}"}
    sheet = jury.save_scores(day.chair, day.projects[0], {c0.id: 3, c1.id: ""}, submit=False)
    assert sheet.submitted_at is None and [s.value for s in sheet.scores] == [3]
    sheet = jury.save_scores(day.chair, day.projects[0], {c0.id: 3, c1.id: 4, c2.id: 5}, submit=True)
    assert sheet.submitted_at is not None


def test_an_unknown_criterion_or_project_is_refused(day, make_call, make_project):
    with pytest.raises(InvalidData) as exc:
        jury.save_scores(day.chair, day.projects[0], {**full(day.criteria), 999999: 3}, submit=True)
    assert "scores" in exc.value.fields
    other = make_project("shortlisted", call=make_call())
    with pytest.raises(InvalidData) as exc:
        jury.save_scores(day.chair, other, full(day.criteria), submit=True)
    assert "project" in exc.value.fields


def test_the_grid_is_validated_and_frozen_once_scored(day):
    with pytest.raises(InvalidData) as exc:
        jury.save_criteria(day.call, [{"name": "", "weight": 0, "scale_min": 3, "scale_max": 3}])
    assert set(exc.value.fields) == {"criteria-0-name", "criteria-0-weight", "criteria-0-scale_max"}
    with pytest.raises(InvalidData) as exc:
        jury.save_criteria(day.call, [{"name": "Poids", "weight": "lourd", "scale_min": 1, "scale_max": 5}])
    assert "criteria-0-weight" in exc.value.fields
    with pytest.raises(InvalidData):
        jury.save_criteria(day.call, [])
    (only,) = jury.save_criteria(day.call, [{"name": " Seul ", "weight": "2", "scale_max": 10}])
    assert (only.name, only.weight, only.scale_min, only.scale_max) == ("Seul", 2, 0, 10)
    jury.save_scores(day.chair, day.projects[0], {only.id: 7}, submit=False)
    with pytest.raises(ConflictError):
        jury.save_criteria(day.call, [{"name": "Autre", "weight": 1, "scale_min": 1, "scale_max": 5}])


# --- the scoreboard -------------------------------------------------------------------------------------

def test_the_weighted_mean_spread_disagreement_criterion_means_and_ranking(day, make_project):
    p0, p1 = day.projects
    p2 = make_project("shortlisted", call=day.call, title="Projet 2")
    jury.set_running_order(day.session, [p0.id, p1.id, p2.id])
    criteria = jury.save_criteria(day.call, [
        {"name": "Pertinence", "weight": 2, "scale_min": 1, "scale_max": 5},
        {"name": "Sobriété", "weight": 1, "scale_min": 1, "scale_max": 5},
        {"name": "Bien-être", "weight": 1, "scale_min": 1, "scale_max": 5},
    ])
    c0, c1, c2 = (c.id for c in criteria)
    a, b, c = day.jurors
    # p0: weighted 5, 1 and (2*5 + 1 + 1) / 4 = 3; unweighted the last would be 2.33.
    for juror, values in ((a, (5, 5, 5)), (b, (1, 1, 1)), (c, (5, 1, 1))):
        jury.save_scores(juror, p0, dict(zip((c0, c1, c2), values, strict=True)), submit=True)
    # p1 and p2: (2*4 + 3 + 3) / 4 = 3.5 from everyone: a tie.
    for project in (p1, p2):
        for juror in day.jurors:
            jury.save_scores(juror, project, {c0: 4, c1: 3, c2: 3}, submit=True)
    db.session.commit()
    rows, grid = jury.scoreboard(day.session, day.staff)
    assert [g.weight for g in grid] == [2, 1, 1]
    r0, r1, r2 = (row_for(rows, p) for p in (p0, p1, p2))
    assert r0.mean == pytest.approx(3.0)
    assert r0.spread == pytest.approx(4.0)
    assert r0.stdev == pytest.approx((8 / 3) ** 0.5)
    assert r0.disagreement
    assert r0.criterion_means == pytest.approx({c0: 11 / 3, c1: 7 / 3, c2: 7 / 3})
    assert (r0.sheets, r0.expected, r0.missing) == (3, 3, [])
    assert r1.mean == pytest.approx(3.5) and r1.spread == 0 and r1.stdev == 0 and not r1.disagreement
    assert (r1.rank, r2.rank, r0.rank) == (1, 1, 3)  # a tie shares its rank


def test_the_scoreboard_counts_submitted_sheets_of_present_jurors(day):
    p0 = day.projects[0]
    a, b, c = day.jurors
    jury.save_scores(a, p0, full(day.criteria, 4), submit=True)
    jury.save_scores(b, p0, full(day.criteria, 2), submit=False)  # a draft does not count
    row = row_for(jury.scoreboard(day.session, day.staff)[0], p0)
    assert (row.sheets, row.expected, row.mean) == (1, 3, 4.0)
    assert [j.id for j in row.missing] == [b.id, c.id]
    assert row.rank == 1 and row_for(jury.scoreboard(day.session, day.staff)[0], day.projects[1]).rank is None
    jury.mark_absent(c)
    row = row_for(jury.scoreboard(day.session, day.staff)[0], p0)
    assert (row.expected, [j.id for j in row.missing]) == (2, [b.id])


# --- the draw -------------------------------------------------------------------------------------------

@pytest.fixture
def draw_day(make_user, make_call, make_project):
    """Two projects whose six team members are agents of their own services, and five other agents."""
    call = make_call()
    teams = [[make_user("agent", service=f"Équipe {i}") for _ in range(3)] for i in range(2)]
    projects = [make_project("shortlisted", call=call, team=team, title=f"Projet {i}")
                for i, team in enumerate(teams)]
    pool = [make_user("agent", service=f"Direction {i}") for i in range(5)]
    session = jury.create_session(call, title="Forum", starts_at=STARTS, project_ids=[p.id for p in projects])
    db.session.commit()
    return call, session, [u for team in teams for u in team], pool, make_user("staff")


def sha_draw(pool: list[int], seed: str, size: int) -> list[int]:
    """The draw recomputed by hand: nothing but hashlib on the recorded pool and seed."""
    return sorted(pool, key=lambda uid: hashlib.sha256(f"{seed}:{uid}".encode()).hexdigest())[:size]


def test_rerunning_a_recorded_draw_yields_the_same_jurors(draw_day):
    _call, session, team, pool, staff = draw_day
    at = datetime(2030, 6, 1, 9, 30, tzinfo=UTC)
    draw = jury.draw_jurors(session, 3, staff, seed="pau-2019", at=at)
    db.session.commit()
    db.session.expire_all()
    draw = db.session.get(JuryDraw, draw.id)
    assert draw.seed == "pau-2019" and draw.size == 3 and draw.drawn_at == at and draw.drawn_by_id == staff.id
    assert draw.pool == sorted(u.id for u in pool)
    assert jury.rerun_draw(draw) == draw.drawn
    assert sha_draw(draw.pool, draw.seed, draw.size) == draw.drawn
    jurors = db.session.scalars(select(Juror).where(Juror.session_id == session.id).order_by(Juror.id)).all()
    assert [j.user_id for j in jurors] == draw.drawn
    assert all(j.kind == "drawn" and j.draw_id == draw.id and j.replaces_id is None for j in jurors)


def test_the_same_seed_and_pool_always_give_the_same_result():
    pool = list(range(100, 140))
    first = jury.draw_order(pool, "graine")
    shuffled = pool[:]
    random.Random(4).shuffle(shuffled)
    assert jury.draw_order(shuffled, "graine") == first == jury.draw_order(pool, "graine")
    assert first == sha_draw(pool, "graine", len(pool))
    assert len({tuple(jury.draw_order(pool, f"s{i}")[:3]) for i in range(20)}) > 1  # the seed matters


def test_team_members_are_never_drawn(draw_day):
    call, _session, team, pool, staff = draw_day
    team_ids = {u.id for u in team}
    projects = [s.project_id for s in _session.slots]
    seen = set()
    for i in range(12):
        session = jury.create_session(call, title=f"Séance {i}", starts_at=STARTS, project_ids=projects)
        draw = jury.draw_jurors(session, 3, staff, seed=f"graine-{i}")
        assert team_ids.isdisjoint(draw.drawn)
        assert team_ids.isdisjoint(draw.pool)
        assert {draw.excluded[str(uid)] for uid in team_ids} == {"team"}
        assert draw.drawn == sha_draw(draw.pool, draw.seed, 3)
        seen.update(draw.drawn)
    assert seen <= {u.id for u in pool} and len(seen) > 3  # the seeds did vary the jury
    for i in range(200):  # and over many more seeds, straight from the pool
        pool_ids, _excluded = jury.eligible_pool(session)
        assert team_ids.isdisjoint(jury.draw_order(pool_ids, f"autre-{i}")[:3])


def test_agents_of_a_candidate_service_are_excluded_when_it_is_known(draw_day, make_user):
    _call, session, _team, pool, _staff = draw_day
    same = make_user("agent", service="  équipe 0 ")  # a team member's service, spelt differently
    project = session.slots[1].project
    project.service = "Direction des sports"
    sport = make_user("agent", service="Direction des Sports")
    unknown = make_user("agent", service="")
    inactive = make_user("agent", service="Ailleurs")
    inactive.is_active_account = False
    db.session.flush()
    ids, excluded = jury.eligible_pool(session)
    assert excluded[str(same.id)] == "service" and excluded[str(sport.id)] == "service"
    assert unknown.id in ids and inactive.id not in ids and str(inactive.id) not in excluded
    assert ids == sorted([*(u.id for u in pool), unknown.id])


def test_a_drawn_juror_is_not_drawn_again_and_the_pool_must_suffice(draw_day):
    _call, session, _team, pool, staff = draw_day
    first = jury.draw_jurors(session, 2, staff, seed="un")
    second = jury.draw_jurors(session, 2, staff, seed="deux")
    assert set(first.drawn).isdisjoint(second.drawn)
    assert {second.excluded[str(uid)] for uid in first.drawn} == {"sitting"}
    with pytest.raises(InvalidData) as exc:
        jury.draw_jurors(session, 2, staff)
    assert "size" in exc.value.fields
    with pytest.raises(InvalidData):
        jury.draw_jurors(session, 0, staff)
    generated = jury.draw_jurors(session, 1, staff)
    assert len(generated.seed) == 16  # a fresh random seed when none is given


def test_replacing_an_absent_drawn_juror_by_a_new_draw(draw_day):
    _call, session, _team, _pool, staff = draw_day
    draw = jury.draw_jurors(session, 2, staff, seed="jury")
    absent = next(j for j in session.jurors if j.user_id == draw.drawn[0])
    replacement = jury.replace_juror(absent, staff)
    db.session.commit()
    db.session.expire_all()
    absent = db.session.get(Juror, absent.id)
    replacement = db.session.get(Juror, replacement.id)
    assert absent.absent
    assert replacement.kind == "replacement" and replacement.replaces_id == absent.id
    redraw = replacement.draw
    assert redraw.purpose == "replacement" and redraw.drawn == [replacement.user_id]
    assert absent.user_id not in redraw.pool and draw.drawn[1] not in redraw.pool
    assert jury.rerun_draw(redraw) == redraw.drawn


def test_replacing_an_appointed_juror_by_a_named_member(day, make_user):
    absent = day.members[0]
    with pytest.raises(InvalidData):
        jury.replace_juror(absent, day.staff, user=make_user("agent"))
    db.session.rollback()
    stand_in = jury.replace_juror(absent, day.staff, user=make_user("jury", name="Suppléant"))
    assert absent.absent and stand_in.kind == "replacement" and stand_in.replaces is absent
    assert stand_in.draw is None


# --- decisions ------------------------------------------------------------------------------------------

def test_a_decision_before_every_present_juror_has_scored_is_refused_naming_them(day):
    p0 = day.projects[0]
    jury.save_scores(day.chair, p0, full(day.criteria), submit=True)
    with pytest.raises(DomainError) as exc:
        jury.decide(day.session, p0, day.chair.user, "select", "Bon projet")
    assert exc.value.status == 422
    for juror in day.members:
        assert juror.user.display_name in exc.value.message
    assert day.chair.user.display_name not in exc.value.message
    assert exc.value.details["missing"] == [j.user.email for j in day.members]
    assert p0.state == "shortlisted"
    assert next(s for s in day.session.slots if s.project_id == p0.id).decision is None


def test_absent_and_recused_jurors_do_not_hold_up_a_decision(day):
    p0 = day.projects[0]
    absent, recused = day.members
    jury.mark_absent(absent, "Excusé")
    jury.declare_conflict(recused, p0, "Ancien collègue")
    jury.save_scores(day.chair, p0, full(day.criteria), submit=True)
    assert jury.missing_scores(day.session, p0.id) == []
    slot = jury.decide(day.session, p0, day.chair.user, "select", "Bon projet")
    assert p0.state == "selected" and slot.override_reason == ""


def test_the_chair_overrides_with_a_written_reason(day):
    p0 = day.projects[0]
    at = datetime(2030, 6, 12, 17, 0, tzinfo=UTC)
    slot = jury.decide(day.session, p0, day.chair.user, "ask_rework", "  À retravailler  ",
                       override_reason="  Deux jurés partis à 17 h.  ", at=at)
    db.session.commit()
    db.session.expire_all()
    slot = db.session.get(PitchSlot, slot.id)
    assert (slot.decision, slot.rationale, slot.override_reason) == (
        "ask_rework", "À retravailler", "Deux jurés partis à 17 h.")
    assert slot.decided_at == at and slot.decided_by_id == day.chair.user_id
    project = db.session.get(Project, p0.id)
    assert project.state == "rework"
    entry = project.history[-1]
    assert (entry.event, entry.from_state, entry.to_state, entry.actor_id) == (
        "ask_rework", "shortlisted", "rework", day.chair.user_id)
    assert "À retravailler" in entry.comment and "Deux jurés partis à 17 h." in entry.comment


def test_a_non_chair_juror_neither_decides_nor_overrides(day):
    p0 = day.projects[0]
    member = day.members[0].user
    with pytest.raises(NotPermitted):
        jury.decide(day.session, p0, member, "select", "Bon", override_reason="Pressé")
    for juror in day.jurors:
        jury.save_scores(juror, p0, full(day.criteria), submit=True)
    with pytest.raises(NotPermitted):
        jury.decide(day.session, p0, member, "select", "Bon")
    assert p0.state == "shortlisted"


def test_staff_decide_once_all_have_scored_but_never_override(day):
    p0, p1 = day.projects
    with pytest.raises(DomainError) as exc:
        jury.decide(day.session, p0, day.staff, "select", "Bon")
    assert exc.value.status == 422
    with pytest.raises(NotPermitted):
        jury.decide(day.session, p0, day.staff, "select", "Bon", override_reason="Je le veux")
    for juror in day.jurors:
        jury.save_scores(juror, p0, full(day.criteria), submit=True)
    jury.decide(day.session, p0, day.staff, "reject", "Trop coûteux")
    assert p0.state == "rejected" and p0.history[-1].actor_id == day.staff.id
    assert p1.state == "shortlisted"


def test_a_chair_recused_from_a_project_does_not_decide_it(day):
    p0 = day.projects[0]
    jury.declare_conflict(day.chair, p0, "Mon ancien service")
    for juror in day.members:
        jury.save_scores(juror, p0, full(day.criteria), submit=True)
    with pytest.raises(NotPermitted):
        jury.decide(day.session, p0, day.chair.user, "select", "Bon")
    jury.decide(day.session, p0, day.staff, "select", "Bon")  # the programme team does
    assert p0.state == "selected"


def test_a_decision_needs_a_rationale_and_a_jury_event(day):
    p0 = day.projects[0]
    with pytest.raises(InvalidData) as exc:
        jury.decide(day.session, p0, day.chair.user, "select", " ", override_reason="x")
    assert "rationale" in exc.value.fields
    with pytest.raises(InvalidData) as exc:
        jury.decide(day.session, p0, day.chair.user, "start", "Bon", override_reason="x")
    assert "event" in exc.value.fields
    assert db.session.scalar(select(func.count(ProjectEvent.id)).where(ProjectEvent.project_id == p0.id)) == 3


def test_a_drawn_chair_decides_as_the_jury(draw_day):
    _call, session, _team, _pool, staff = draw_day
    jury.draw_jurors(session, 1, staff, seed="seul")
    chair = session.jurors[0]
    jury.set_chair(session, chair)
    project = session.slots[0].project
    jury.save_scores(chair, project, full(jury.ensure_criteria(session.call)), submit=True)
    jury.decide(session, project, chair.user, "select", "Unanime")
    assert project.state == "selected" and not chair.user.has_role("jury")


# --- query count ----------------------------------------------------------------------------------------

def test_the_scoreboard_query_count_does_not_grow_with_projects_or_jurors(make_call, make_user, count_queries):
    call = make_call()
    staff = make_user("staff")
    counts = {}
    for shape in ((3, 3), (30, 3), (3, 15)):
        session_id = bulk_session(call, *shape)
        for viewer in ("staff", "chair"):
            db.session.expire_all()
            session = db.session.get(PitchSession, session_id)
            user = staff if viewer == "staff" else session.jurors[0].user
            with count_queries() as counter:
                rows, _criteria = jury.scoreboard(session, user)
                assert len(rows) == shape[0]
            counts[shape, viewer] = counter.count
            if viewer == "staff":
                assert rows[1].sheets == shape[1] - 1 and rows[1].mean is not None
    assert len({n for (_shape, viewer), n in counts.items() if viewer == "staff"}) == 1, counts
    assert len({n for (_shape, viewer), n in counts.items() if viewer == "chair"}) == 1, counts


def test_constraint_and_index_names_are_unique_across_the_schema():
    """PostgreSQL names constraints and indexes per schema, not per table: two `juror_project`s broke it."""
    names = [c.name for table in db.metadata.sorted_tables for c in (*table.constraints, *table.indexes)
             if c.name]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
