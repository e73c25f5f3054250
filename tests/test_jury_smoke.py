from datetime import UTC, datetime, timedelta

from incubator.extensions import db
from incubator.jury import operations as jury


def test_a_pitch_day_end_to_end(make_user, make_call, make_project):
    call = make_call()
    projects = [make_project("shortlisted", call=call, title=f"P{i}") for i in range(3)]
    for i in range(6):
        make_user("agent", service=f"Service {i}")
    staff = make_user("staff")
    chair_user = make_user("jury")
    session = jury.create_session(call, title="Jury", starts_at=datetime.now(UTC) + timedelta(days=1),
                                  project_ids=[p.id for p in projects])
    chair = jury.appoint_juror(session, chair_user, chair=True)
    draw = jury.draw_jurors(session, 2, staff, seed="abc")
    assert jury.rerun_draw(draw) == draw.drawn
    drawn = [j for j in session.jurors if j.kind == "drawn"]
    criteria = jury.ensure_criteria(call)
    for juror in [chair, *drawn]:
        for p in projects[:2]:
            jury.save_scores(juror, p, {c.id: 4 for c in criteria}, comment="ok", submit=True)
    rows, _ = jury.scoreboard(session, staff)
    assert rows[0].mean == 4.0 and rows[0].sheets == 3
    jury.decide(session, projects[0], chair.user, "select", "Bon projet")
    assert projects[0].state == "selected"
    try:
        jury.decide(session, projects[2], chair.user, "reject", "Non")
    except Exception as exc:
        assert "3" in str(exc)
    else:
        raise AssertionError("decision without scores accepted")
    jury.decide(session, projects[2], chair.user, "reject", "Non", override_reason="Temps écoulé")
    jury.close_deliberation(session, chair.user, "Notes")
    db.session.commit()
