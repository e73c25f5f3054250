"""The incubation rules below the pages: review events, who takes over, the ledger's checks."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from incubator.errors import Conflict, InvalidData
from incubator.extensions import db
from incubator.incubation import operations as ops
from incubator.incubation.models import Attachment, PhaseReview, Validation, WeeklyLog, parse_week, week_label
from incubator.incubation.periods import expected_weeks, periods, time_budget
from incubator.incubation.summary import evidence_summary
from incubator.workflows import DefinitionError, GuardFailed, fire, get_definition
from incubator.workflows.conditions import CONDITIONS
from incubator.workflows.definition import parse
from tests.incubation_helpers import START, incubate

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(name: str, data: bytes) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


@pytest.fixture
def inc(make_project, make_user):
    return incubate(make_project, make_user)


def test_weeks_are_iso_weeks_in_paris():
    assert week_label(date(2030, 1, 7)) == "2030-W02"
    assert parse_week("2030-W02") == date(2030, 1, 7)
    assert parse_week("2030-W99") is None and parse_week("nonsense") is None
    assert parse_week("2025-W53") is None  # 2025 has 52 ISO weeks: no rolling over into 2026
    assert parse_week("2026-W01") == date(2025, 12, 29) and parse_week("2020-W53") == date(2020, 12, 28)


def test_continue_keeps_the_state_and_sets_the_next_review_a_phase_later(inc):
    project = inc.project
    decided = datetime(2030, 4, 10, 9, tzinfo=UTC)
    entry = fire(project, "continue", inc.staff, "Encore un trimestre de tests", at=decided)
    db.session.commit()
    assert (entry.from_state, entry.to_state, project.state) == ("pre_incubation",) * 3
    assert project.review_due_at == datetime(2030, 7, 10, 9, tzinfo=UTC)
    review = db.session.scalar(select(PhaseReview))
    assert (review.phase, review.decision, review.due_at) == ("pre_incubation", "continue",
                                                              datetime(2030, 4, 7, 9, tzinfo=UTC))
    assert review.summary["validations"]["count"] == 0 and review.event_id == entry.id


def test_an_outcome_says_who_takes_over(inc):
    project = inc.project
    fire(project, "graduate", inc.staff, "Bilan positif", at=START + timedelta(days=90))
    db.session.commit()
    with pytest.raises(GuardFailed) as refused:
        fire(project, "integrate", inc.staff, "Intégré", at=START + timedelta(days=200))
    assert refused.value.details["condition"] == "taken_over_by"
    db.session.rollback()
    assert project.state == "startup"
    fire(project, "integrate", inc.staff, "Intégré", at=START + timedelta(days=200),
         taken_over_by="Pôle Seniors du CCAS")
    db.session.commit()
    assert (project.state, project.taken_over_by, project.review_due_at) == (
        "integrated", "Pôle Seniors du CCAS", None)
    assert [r.decision for r in db.session.scalars(select(PhaseReview).order_by(PhaseReview.id))] == [
        "graduate", "integrate"]


def test_abandoning_a_project_on_hold_is_not_a_phase_review(inc):
    fire(inc.project, "pause", inc.staff, "Stand-by", at=START + timedelta(days=10))
    fire(inc.project, "abandon", inc.staff, "Arrêt", at=START + timedelta(days=40))
    db.session.commit()
    assert [r.decision for r in db.session.scalars(select(PhaseReview))] == ["pause"]


def test_definitions_refuse_stay_with_a_destination():
    data = {"name": "x", "initial": "a", "label": {"fr": "X", "en": "X"},
            "states": [{"name": "a", "label": {"fr": "A", "en": "A"}},
                       {"name": "b", "label": {"fr": "B", "en": "B"}, "final": True}],
            "events": [{"name": "go", "label": {"fr": "G", "en": "G"}, "source": ["a"], "dest": "b",
                        "roles": ["staff"]},
                       {"name": "again", "label": {"fr": "A", "en": "A"}, "source": ["a"], "dest": "b",
                        "stay": True, "roles": ["staff"]}]}
    with pytest.raises(DefinitionError, match="'again'.*takes no 'dest'"):
        parse(data, frozenset(CONDITIONS))
    pau = get_definition("pau")
    assert {e.name for e in pau.review_events()} == {"graduate", "continue", "pause", "integrate", "scale",
                                                     "spin_off", "abandon"}
    assert {e.name for e in pau.events.values() if e.takeover} == {"integrate", "scale", "spin_off"}


def test_a_weekly_log_per_week_checked_and_rewritten(inc):
    monday = date(2030, 1, 7)
    at = START + timedelta(days=3)
    with pytest.raises(InvalidData) as bad:
        ops.save_log(inc.project, inc.coach, monday, done="", days_spent=-1, confidence=6, at=at)
    assert set(bad.value.fields) == {"done", "days_spent", "confidence"}
    with pytest.raises(InvalidData) as early:
        ops.save_log(inc.project, inc.coach, date(2029, 12, 31), done="x", days_spent=1, confidence=3, at=at)
    assert set(early.value.fields) == {"week"}
    with pytest.raises(InvalidData) as future:
        ops.save_log(inc.project, inc.coach, date(2030, 1, 14), done="x", days_spent=1, confidence=3, at=at)
    assert set(future.value.fields) == {"week"}
    with pytest.raises(InvalidData) as tuesday:
        ops.save_log(inc.project, inc.coach, date(2030, 1, 8), done="x", days_spent=1, confidence=3, at=at)
    assert set(tuesday.value.fields) == {"week"}
    ops.save_log(inc.project, inc.coach, monday, done="Premiers entretiens", days_spent=2, confidence=3, at=at)
    ops.save_log(inc.project, inc.team[0], monday, done="Premiers entretiens", team_note="On avance",
                 days_spent="2.5", confidence="4", at=at)
    db.session.commit()
    log = db.session.scalar(select(WeeklyLog))
    assert (log.days_spent, log.confidence, log.team_note) == (2.5, 4, "On avance")
    assert (log.author_id, log.updated_by_id) == (inc.coach.id, inc.team[0].id)
    assert db.session.scalar(select(func.count()).select_from(WeeklyLog)) == 1


def test_the_ledger_is_closed_outside_incubation(make_project, make_user):
    project = make_project("shortlisted")
    with pytest.raises(Conflict):
        ops.save_log(project, make_user("staff"), date(2030, 1, 7), done="x", days_spent=1, confidence=3)


def test_iterations_number_themselves_and_a_pivot_says_what_changes(inc):
    at = START + timedelta(days=20)
    first = ops.save_iteration(inc.project, inc.coach, at=at, title="Concours", hypothesis="Un concours motive",
                               started_on="2030-01-08")
    with pytest.raises(InvalidData) as bad:
        ops.save_iteration(inc.project, inc.coach, first, at=at, title="Concours", hypothesis="Un concours motive",
                           started_on="2030-01-08", ended_on="2030-01-01", decision="pivot", learning="")
    assert set(bad.value.fields) == {"ended_on", "learning", "pivot_change"}
    ops.save_iteration(inc.project, inc.coach, first, at=at, title="Concours", hypothesis="Un concours motive",
                       started_on="2030-01-08", ended_on="2030-01-25", decision="pivot",
                       learning="Le jeu ne motive pas", pivot_change="Une plateforme d'échange")
    second = ops.save_iteration(inc.project, inc.team[0], at=at, title="Échange", hypothesis="Aider à composter",
                                started_on="2030-01-28", users_count="40")
    db.session.commit()
    assert (first.number, second.number, second.users_count) == (1, 2, 40)
    assert (first.decision, first.decided_by_id, first.decided_at) == ("pivot", inc.coach.id, at)
    summary = evidence_summary(inc.project, at)
    assert summary["iterations"]["pivots"] == [{"number": 1, "title": "Concours",
                                                "change": "Une plateforme d'échange"}]
    assert summary["iterations"]["open"] == 1


def test_evidence_files_are_checked_before_anything_is_stored(inc, app):
    at = START + timedelta(days=20)
    folder = app.config["UPLOAD_FOLDER"]
    before = sorted(str(p) for p in __import__("pathlib").Path(folder).rglob("*"))
    app.config["UPLOAD_MAX_BYTES"] = 1000
    for name, data, words in (("big.pdf", PDF + b"x" * 2000, "volumineux"),
                              ("page.png", b"<html><script>alert(1)</script>", "PDF, PNG, JPEG"),
                              ("report.exe", b"MZ\x90\x00", "PDF, PNG, JPEG"),
                              ("png-in-pdf.pdf", PNG, "PDF, PNG, JPEG"),
                              ("empty.pdf", b"", "vide")):
        with pytest.raises(InvalidData) as refused:
            ops.add_validation(inc.project, inc.coach, method="interviews", users_count=5, held_on="2030-01-20",
                               verdict="validated", files=[upload("ok.pdf", PDF), upload(name, data)], at=at)
        assert words in refused.value.fields["files"] and name in refused.value.fields["files"]
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Validation)) == 0
    assert sorted(str(p) for p in __import__("pathlib").Path(folder).rglob("*")) == before

    validation = ops.add_validation(inc.project, inc.coach, method="interviews", users_count=5,
                                    held_on="2030-01-20", verdict="mixed",
                                    files=[upload("../../CR entretiens.pdf", PDF), upload("photo.png", PNG)], at=at)
    db.session.commit()
    stored = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [(a.filename, a.content_type, a.size) for a in stored] == [
        ("CR entretiens.pdf", "application/pdf", len(PDF)), ("photo.png", "image/png", len(PNG))]
    from incubator.incubation.storage import path_for
    assert path_for(stored[0].storage_key).read_bytes() == PDF
    assert validation.attachments == stored


def test_a_rollback_removes_the_files_written(inc, app):
    from incubator.incubation.storage import path_for

    validation = ops.add_validation(inc.project, inc.coach, method="survey", users_count=50, held_on="2030-01-20",
                                    verdict="validated", files=[upload("a.pdf", PDF)],
                                    at=START + timedelta(days=20))
    key = validation.attachments[0].storage_key
    assert path_for(key).exists()
    db.session.rollback()
    assert not path_for(key).exists()


def test_periods_budget_and_expected_weeks(inc):
    project = inc.project
    fire(project, "pause", inc.staff, "Stand-by", at=START + timedelta(weeks=2))
    fire(project, "resume", inc.staff, at=START + timedelta(weeks=6))
    db.session.commit()
    definition = get_definition("pau")
    active = [p for p in periods(project.history, definition) if p.active]
    assert [(p.start, p.end) for p in active] == [(START, START + timedelta(weeks=2)),
                                                  (START + timedelta(weeks=6), None)]
    weeks = expected_weeks(active, date(2030, 2, 25))
    # W02, W03 (paused on the Monday of W04), then W08 onwards; W04–W07 were on hold.
    assert [week_label(w) for w in weeks] == ["2030-W02", "2030-W03", "2030-W08", "2030-W09"]
    [budget] = time_budget(active, {"pre_incubation": 1.0}, 2, [], START + timedelta(weeks=8))
    assert (budget.weeks, budget.planned_days) == (4.0, 8.0)
