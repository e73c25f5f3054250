"""Jury pages: sessions, the jury, scoring, the scoreboard and the deliberation."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..clock import utcnow
from ..errors import DomainError, InvalidData
from ..extensions import db
from ..forms import apply_errors
from ..models import Call, Project, ProjectCoach, ProjectMember, User, UserRole
from ..policy import can_manage_sessions, can_view_project, can_view_session, is_chair
from ..projects.forms import EmptyForm
from ..templating import locale_code
from ..workflows import get_definition
from . import bp
from .forms import (
    AbsentForm,
    AppointJurorForm,
    ConflictForm,
    CriteriaForm,
    DecisionForm,
    DrawForm,
    NewSessionForm,
    NotesForm,
    ReplaceForm,
    SessionForm,
    running_order_form_class,
    score_form_class,
)
from .models import Criterion, Juror, PitchSession, PitchSlot, Score, ScoreSheet
from .operations import (
    appoint_juror,
    close_deliberation,
    create_session,
    decide,
    declare_conflict,
    default_criteria,
    draw_jurors,
    eligible_pool,
    eligible_projects,
    ensure_criteria,
    juror_for,
    mark_absent,
    mark_present,
    may_see_scores,
    replace_juror,
    rerun_draw,
    save_criteria,
    save_deliberation_notes,
    save_scores,
    scoreboard,
    set_chair,
    set_running_order,
    update_session,
)

# Rows offered empty under the grid's criteria, to add some.
EMPTY_CRITERIA_ROWS = 2


@bp.app_template_filter("one_decimal")
def one_decimal(value) -> str:
    return "" if value is None else format_decimal(value, "0.0")


# --- loading and permissions ------------------------------------------------------------------------


def load_session(session_id: int) -> PitchSession:
    """The session with its running order, jury, conflicts and draws, in a fixed number of queries."""
    session = db.session.scalar(
        select(PitchSession).where(PitchSession.id == session_id).options(
            selectinload(PitchSession.call),
            selectinload(PitchSession.slots).selectinload(PitchSlot.project).options(
                selectinload(Project.members).selectinload(ProjectMember.user),
                selectinload(Project.coaches).selectinload(ProjectCoach.user),
            ),
            selectinload(PitchSession.jurors).selectinload(Juror.user),
            selectinload(PitchSession.jurors).selectinload(Juror.conflicts),
            selectinload(PitchSession.draws),
        )
    )
    if session is None or not can_view_session(current_user, session):
        abort(404)
    return session


def slot_or_404(session: PitchSession, project_id: int) -> PitchSlot:
    slot = next((s for s in session.slots if s.project_id == project_id), None)
    if slot is None:
        abort(404)
    return slot


def juror_or_404(session: PitchSession, juror_id: int) -> Juror:
    juror = next((j for j in session.jurors if j.id == juror_id), None)
    if juror is None:
        abort(404)
    return juror


def may_deliberate(session: PitchSession) -> bool:
    """The scoreboard and the deliberation: the programme team and the chair."""
    return can_manage_sessions(current_user) or is_chair(current_user, session)


def refusal(exc: DomainError) -> list[str]:
    """Undo what the refused operation flushed; its messages, by field or whole."""
    db.session.rollback()
    return list(exc.fields.values()) if isinstance(exc, InvalidData) else [exc.message]


def manage_or_403() -> None:
    if not can_manage_sessions(current_user):
        abort(403)


def closed_redirect(session: PitchSession, endpoint: str = "jury.show"):
    """A change posted to a closed session: nothing to show on a read-only page, so say why."""
    flash(_("The deliberation is closed: this session can no longer change."), "error")
    return redirect(url_for(endpoint, session_id=session.id))


def session_to_manage(session_id: int) -> PitchSession:
    """A session the programme team changes: 404 if unknown, 403 for others, back to its page if closed."""
    session = load_session(session_id)
    manage_or_403()
    if session.is_closed:
        abort(closed_redirect(session))
    return session


def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


def _jury_members(exclude: set[int]) -> list[User]:
    """Active accounts with the jury role (management, elected officials), by name."""
    users = db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == "jury", User.is_active_account)
        .order_by(User.name, User.id)
    ).all()
    return [u for u in users if u.id not in exclude]


def _running_order_form(session: PitchSession, formdata=None):
    current = {s.project_id for s in session.slots}
    addable = [p for p in eligible_projects(session.call) if p.id not in current]
    form_class = running_order_form_class(session.slots, addable)
    return form_class() if formdata is None else form_class(formdata=formdata)


def _set_replace_choices(form: ReplaceForm, juror: Juror, jury_members: list[User]) -> None:
    choices = []
    if juror.draw_id is not None:
        choices.append((0, _("A new draw among the eligible agents")))
    choices += [(u.id, f"{u.display_name}{' – ' + u.title if u.title else ''}") for u in jury_members]
    form.user.choices = choices


# --- the session page ---------------------------------------------------------------------------------


def _render_session(session: PitchSession, *, status: int = 200, order_form=None, appoint_form=None,
                    draw_form=None, juror_forms: dict | None = None, failed_juror: int | None = None):
    manage = can_manage_sessions(current_user) and not session.is_closed
    me = juror_for(session, current_user)
    slots = list(session.slots)
    times = {slot.id: session.starts_at + timedelta(minutes=i * session.minutes_per_pitch)
             for i, slot in enumerate(slots)}
    ends_at = session.starts_at + timedelta(minutes=len(slots) * session.minutes_per_pitch)
    links = {slot.project_id: can_view_project(current_user, slot.project) for slot in slots}

    # A juror's own sheets, for "my scores".
    my_status = {}
    if me is not None:
        sheets = {s.project_id: s for s in db.session.scalars(
            select(ScoreSheet).where(ScoreSheet.juror_id == me.id))}
        recused = {c.project_id for c in me.conflicts}
        for slot in slots:
            sheet = sheets.get(slot.project_id)
            if slot.project_id in recused:
                my_status[slot.project_id] = "recused"
            elif sheet is not None and sheet.submitted_at is not None:
                my_status[slot.project_id] = "submitted"
            elif sheet is not None:
                my_status[slot.project_id] = "draft"
            else:
                my_status[slot.project_id] = "to_score"

    replaced_by = {j.replaces_id: j for j in session.jurors if j.replaces_id}
    by_user = {j.user_id: j for j in session.jurors}
    project_titles = {s.project_id: s.project.title for s in slots}
    draws = []
    for d in session.draws:
        rerun = rerun_draw(d)
        draws.append({"draw": d, "rerun": rerun, "matches": rerun == list(d.drawn),
                      "jurors": [by_user.get(uid) for uid in d.drawn]})

    forms = {}
    pool_size = None
    if manage:
        sitting = {j.user_id for j in session.jurors}
        members = _jury_members(sitting)
        appoint_form = appoint_form or AppointJurorForm()
        appoint_form.user.choices = [(u.id, f"{u.display_name}{' – ' + u.title if u.title else ''}")
                                     for u in members]
        forms = {
            "order": order_form or _running_order_form(session),
            "appoint": appoint_form,
            "draw": draw_form or DrawForm(),
            "button": EmptyForm(),
        }
        juror_forms = juror_forms or {}
        per_juror = {}
        for juror in session.jurors:
            absent_form = juror_forms.get(("absent", juror.id)) or AbsentForm(prefix=f"j{juror.id}")
            replace_form = juror_forms.get(("replace", juror.id)) or ReplaceForm(prefix=f"j{juror.id}")
            _set_replace_choices(replace_form, juror, members)
            per_juror[juror.id] = {"absent": absent_form, "replace": replace_form}
        forms["jurors"] = per_juror
        pool_size = len(eligible_pool(session)[0])

    return render_template(
        "jury/session.html",
        session=session, call=session.call, slots=slots, times=times, ends_at=ends_at, links=links,
        me=me, my_status=my_status, replaced_by=replaced_by, project_titles=project_titles, draws=draws,
        forms=forms, failed_juror=failed_juror, pool_size=pool_size,
        can_manage=manage, can_edit_grid=can_manage_sessions(current_user),
        can_deliberate=may_deliberate(session),
        minutes_url=url_for("jury.minutes", session_id=session.id)
        if has_endpoint("jury.minutes") and may_deliberate(session) else None,
        upcoming=session.starts_at > utcnow(),
    ), status


@bp.route("/calls/<int:call_id>/sessions/new", methods=["GET", "POST"])
@login_required
def new_session(call_id: int):
    call = db.get_or_404(Call, call_id)
    manage_or_403()
    form = NewSessionForm()
    eligible = eligible_projects(call)
    form.projects.choices = [(p.id, p.title) for p in eligible]
    if request.method == "GET":
        form.projects.data = [p.id for p in eligible]
    if form.validate_on_submit():
        chosen = set(form.projects.data or [])
        try:
            session = create_session(
                call, title=form.title.data, starts_at=form.starts_at.data, place=form.place.data,
                coaching_at=form.coaching_at.data, coaching_place=form.coaching_place.data,
                minutes_per_pitch=form.minutes_per_pitch.data, share_scores=form.share_scores.data,
                project_ids=[p.id for p in eligible if p.id in chosen],
            )
        except InvalidData as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The pitch session is scheduled. Now compose its jury."), "success")
            return redirect(url_for("jury.show", session_id=session.id))
    return render_template("jury/session_form.html", form=form, call=call, session=None), \
        422 if form.errors else 200


@bp.route("/<int:session_id>")
@login_required
def show(session_id: int):
    return _render_session(load_session(session_id))


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit(session_id: int):
    session = session_to_manage(session_id)
    form = SessionForm(obj=session)
    if form.validate_on_submit():
        try:
            update_session(
                session, title=form.title.data, starts_at=form.starts_at.data, place=form.place.data,
                coaching_at=form.coaching_at.data, coaching_place=form.coaching_place.data,
                minutes_per_pitch=form.minutes_per_pitch.data, share_scores=form.share_scores.data,
            )
        except InvalidData as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The session is saved."), "success")
            return redirect(url_for("jury.show", session_id=session.id))
    return render_template("jury/session_form.html", form=form, call=session.call, session=session), \
        422 if form.errors else 200


@bp.route("/<int:session_id>/order", methods=["POST"])
@login_required
def running_order(session_id: int):
    session = session_to_manage(session_id)
    form = _running_order_form(session, request.form)
    if form.validate_on_submit():
        removed = set(form.remove.data or [])
        # Sort by the typed positions; ties keep the current order.
        kept = sorted((s for s in session.slots if s.project_id not in removed or s.decision),
                      key=lambda s: (form[f"position-{s.project_id}"].data, s.position))
        ids = [s.project_id for s in kept] + list(form.add.data or [])
        try:
            set_running_order(session, ids)
        except DomainError as exc:
            db.session.rollback()
            session = load_session(session_id)
            form = _running_order_form(session, request.form)
            form.validate()
            form.form_errors.extend(exc.fields.values() if isinstance(exc, InvalidData) else [exc.message])
        else:
            db.session.commit()
            flash(_("The running order is saved."), "success")
            return redirect(url_for("jury.show", session_id=session.id) + "#order")
    return _render_session(session, status=422, order_form=form)


@bp.route("/<int:session_id>/jurors", methods=["POST"])
@login_required
def appoint(session_id: int):
    session = session_to_manage(session_id)
    form = AppointJurorForm()
    form.user.choices = [(u.id, u.display_name) for u in _jury_members({j.user_id for j in session.jurors})]
    if form.validate_on_submit():
        user = db.session.get(User, form.user.data)
        try:
            appoint_juror(session, user, chair=form.chair.data)
        except DomainError as exc:
            form.user.errors = [*form.user.errors, *refusal(exc)]
            session = load_session(session_id)
        else:
            db.session.commit()
            flash(_("%(name)s sits on the jury.", name=user.display_name), "success")
            return redirect(url_for("jury.show", session_id=session.id) + "#jury")
    return _render_session(session, status=422, appoint_form=form)


@bp.route("/<int:session_id>/draws", methods=["POST"])
@login_required
def draw(session_id: int):
    session = session_to_manage(session_id)
    form = DrawForm()
    if form.validate_on_submit():
        try:
            result = draw_jurors(session, form.size.data, current_user, seed=(form.seed.data or "").strip() or None)
        except InvalidData as exc:
            db.session.rollback()
            session = load_session(session_id)
            apply_errors(form, exc)
        except DomainError as exc:
            db.session.rollback()
            session = load_session(session_id)
            form.size.errors = [*form.size.errors, exc.message]
        else:
            db.session.commit()
            flash(_("%(n)d agent(s) drawn with the seed %(seed)s.", n=len(result.drawn), seed=result.seed),
                  "success")
            return redirect(url_for("jury.show", session_id=session.id) + f"#draw-{result.id}")
    return _render_session(session, status=422, draw_form=form)


@bp.route("/<int:session_id>/jurors/<int:juror_id>/absent", methods=["POST"])
@login_required
def absent(session_id: int, juror_id: int):
    session = session_to_manage(session_id)
    juror = juror_or_404(session, juror_id)
    form = AbsentForm(prefix=f"j{juror.id}")
    if form.validate_on_submit():
        try:
            mark_absent(juror, form.note.data)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("jury.show", session_id=session.id) + f"#juror-{juror_id}")
        db.session.commit()
        flash(_("%(name)s is marked absent.", name=juror.user.display_name), "success")
        return redirect(url_for("jury.show", session_id=session.id) + f"#juror-{juror_id}")
    return _render_session(session, status=422, juror_forms={("absent", juror.id): form}, failed_juror=juror.id)


@bp.route("/<int:session_id>/jurors/<int:juror_id>/present", methods=["POST"])
@login_required
def present(session_id: int, juror_id: int):
    session = session_to_manage(session_id)
    juror = juror_or_404(session, juror_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        mark_present(juror)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("%(name)s is marked present.", name=juror.user.display_name), "success")
    return redirect(url_for("jury.show", session_id=session.id) + f"#juror-{juror_id}")


@bp.route("/<int:session_id>/jurors/<int:juror_id>/replace", methods=["POST"])
@login_required
def replace(session_id: int, juror_id: int):
    session = session_to_manage(session_id)
    juror = juror_or_404(session, juror_id)
    form = ReplaceForm(prefix=f"j{juror.id}")
    _set_replace_choices(form, juror, _jury_members({j.user_id for j in session.jurors}))
    if form.validate_on_submit():
        user = db.session.get(User, form.user.data) if form.user.data else None
        try:
            replacement = replace_juror(juror, current_user, user=user)
        except DomainError as exc:
            form.user.errors = [*form.user.errors, *refusal(exc)]
            session = load_session(session_id)
        else:
            db.session.commit()
            flash(_("%(new)s replaces %(old)s.", new=replacement.user.display_name, old=juror.user.display_name),
                  "success")
            return redirect(url_for("jury.show", session_id=session.id) + f"#juror-{replacement.id}")
    return _render_session(session, status=422, juror_forms={("replace", juror_id): form}, failed_juror=juror_id)


@bp.route("/<int:session_id>/jurors/<int:juror_id>/chair", methods=["POST"])
@login_required
def chair(session_id: int, juror_id: int):
    session = load_session(session_id)
    manage_or_403()
    juror = juror_or_404(session, juror_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if session.is_closed:
        return closed_redirect(session)
    if juror.absent:
        flash(_("An absent juror cannot chair the jury."), "error")
        return redirect(url_for("jury.show", session_id=session.id) + f"#juror-{juror_id}")
    set_chair(session, juror)
    db.session.commit()
    flash(_("%(name)s chairs the jury.", name=juror.user.display_name), "success")
    return redirect(url_for("jury.show", session_id=session.id) + f"#juror-{juror_id}")


# --- the call's scoring grid --------------------------------------------------------------------------


def _grid_in_use(call: Call) -> bool:
    return bool(db.session.scalar(
        select(func.count(Score.id)).join(Criterion).where(Criterion.call_id == call.id)))


@bp.route("/calls/<int:call_id>/criteria", methods=["GET", "POST"])
@login_required
def criteria(call_id: int):
    call = db.get_or_404(Call, call_id)
    manage_or_403()
    locked = _grid_in_use(call)
    existing = db.session.scalars(
        select(Criterion).where(Criterion.call_id == call.id).order_by(Criterion.position, Criterion.id)).all()
    if request.method == "POST" and locked:
        flash(_("Scores exist already: the grid can no longer change."), "error")
        return redirect(url_for("jury.criteria", call_id=call.id))
    form = CriteriaForm()
    if request.method == "GET":
        form = CriteriaForm(formdata=None)
        rows = existing or [dict(c, weight=1, scale_min=1, scale_max=5) for c in default_criteria()]
        for row in rows:
            form.criteria.append_entry(row)
        if not locked:
            for _i in range(EMPTY_CRITERIA_ROWS):
                form.criteria.append_entry()
    elif form.validate_on_submit():
        kept = [(i, entry.form) for i, entry in enumerate(form.criteria.entries) if not entry.form.is_empty]
        rows = [{"name": f.name.data or "", "description": f.description.data or "", "weight": f.weight.data,
                 "scale_min": f.scale_min.data, "scale_max": f.scale_max.data} for _i, f in kept]
        try:
            save_criteria(call, rows)
        except InvalidData as exc:
            db.session.rollback()
            for key, message in exc.fields.items():
                parts = key.split("-")
                if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(kept):
                    field = kept[int(parts[1])][1][parts[2]]
                    field.errors = [*field.errors, message]
                else:
                    form.form_errors.append(message)
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("The scoring grid is saved."), "success")
            sessions_first = db.session.scalar(
                select(PitchSession.id).where(PitchSession.call_id == call.id).order_by(PitchSession.starts_at))
            if sessions_first:
                return redirect(url_for("jury.show", session_id=sessions_first))
            return redirect(url_for("calls.show", call_id=call.id))
    sessions = db.session.scalars(
        select(PitchSession).where(PitchSession.call_id == call.id).order_by(PitchSession.starts_at)).all()
    # FieldList keeps the errors of its last validation: the operation's are on the rows' fields.
    has_errors = bool(form.errors or form.form_errors or any(e.form.errors for e in form.criteria.entries))
    return render_template("jury/criteria.html", form=form, call=call, locked=locked, sessions=sessions,
                           has_errors=has_errors), 422 if has_errors else 200


# --- a juror's score sheet ----------------------------------------------------------------------------


def _render_score(session: PitchSession, slot: PitchSlot, *, status: int = 200, form=None, conflict_form=None):
    me = juror_for(session, current_user)
    criteria = ensure_criteria(session.call)
    sheets = db.session.scalars(
        select(ScoreSheet).join(Juror, Juror.id == ScoreSheet.juror_id)
        .where(Juror.session_id == session.id, ScoreSheet.project_id == slot.project_id)
        .options(selectinload(ScoreSheet.scores))
        .order_by(ScoreSheet.juror_id)
    ).all()
    mine = next((s for s in sheets if me is not None and s.juror_id == me.id), None)
    recusal = next((c for c in me.conflicts if c.project_id == slot.project_id), None) if me else None
    can_score = me is not None and not me.absent and recusal is None and not session.is_closed
    submitted = {(s.juror_id, s.project_id) for s in sheets if s.submitted_at is not None}
    visible = may_see_scores(session, current_user, slot.project_id, submitted)
    others = [s for s in sheets if s.submitted_at is not None and (me is None or s.juror_id != me.id)] \
        if visible else []
    jurors = {j.id: j for j in session.jurors}

    if form is None:
        form = score_form_class(criteria)(formdata=None)
        if mine is not None:
            values = {s.criterion_id: s.value for s in mine.scores}
            for name, criterion in form.criterion_fields:
                form[name].data = values.get(criterion.id)
            form.comment.data = mine.comment
    if conflict_form is None and can_score:
        conflict_form = ConflictForm()

    index = session.slots.index(slot)
    previous_slot = session.slots[index - 1] if index > 0 else None
    next_slot = session.slots[index + 1] if index + 1 < len(session.slots) else None
    return render_template(
        "jury/score.html",
        session=session, slot=slot, project=slot.project, criteria=criteria, form=form,
        conflict_form=conflict_form, me=me, mine=mine, recusal=recusal, others=others, jurors=jurors,
        can_score=can_score, visible=visible, position=index + 1,
        pitch_at=session.starts_at + timedelta(minutes=index * session.minutes_per_pitch),
        previous_slot=previous_slot, next_slot=next_slot,
        can_view_project=can_view_project(current_user, slot.project),
    ), status


@bp.route("/<int:session_id>/projects/<int:project_id>/score", methods=["GET", "POST"])
@login_required
def score(session_id: int, project_id: int):
    session = load_session(session_id)
    slot = slot_or_404(session, project_id)
    me = juror_for(session, current_user)
    if request.method == "GET":
        return _render_score(session, slot)
    if me is None:
        abort(403)
    form = score_form_class(ensure_criteria(session.call))()
    if form.validate_on_submit():
        try:
            sheet = save_scores(me, slot.project, form.values(), comment=form.comment.data or "",
                                submit=form.submitting)
        except InvalidData as exc:
            db.session.rollback()
            session = load_session(session_id)
            slot = slot_or_404(session, project_id)
            apply_errors(form, exc)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("jury.score", session_id=session_id, project_id=project_id))
        else:
            db.session.commit()
            if sheet.submitted_at is not None and form.submitting:
                flash(_("Your scores for “%(title)s” are submitted. You now see the other jurors' sheets.",
                        title=slot.project.title), "success")
            else:
                flash(_("Your draft for “%(title)s” is saved. Only you see it.", title=slot.project.title),
                      "success")
            return redirect(url_for("jury.score", session_id=session_id, project_id=project_id))
    return _render_score(session, slot, status=422, form=form)


@bp.route("/<int:session_id>/projects/<int:project_id>/conflict", methods=["POST"])
@login_required
def conflict(session_id: int, project_id: int):
    session = load_session(session_id)
    slot = slot_or_404(session, project_id)
    me = juror_for(session, current_user)
    if me is None:
        abort(403)
    form = ConflictForm()
    if form.validate_on_submit():
        try:
            declare_conflict(me, slot.project, form.reason.data)
        except InvalidData as exc:
            db.session.rollback()
            session = load_session(session_id)
            slot = slot_or_404(session, project_id)
            apply_errors(form, exc)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("jury.score", session_id=session_id, project_id=project_id))
        else:
            db.session.commit()
            flash(_("Your conflict of interest is recorded: you do not score “%(title)s”.",
                    title=slot.project.title), "success")
            return redirect(url_for("jury.score", session_id=session_id, project_id=project_id))
    return _render_score(session, slot, status=422, conflict_form=form)


# --- the scoreboard and the deliberation --------------------------------------------------------------


def _recused_ids(session: PitchSession) -> set[int]:
    """The projects the viewer declared a conflict of interest for: their scores stay hidden from them."""
    me = juror_for(session, current_user)
    return {c.project_id for c in me.conflicts} if me is not None else set()


@bp.route("/<int:session_id>/scoreboard")
@login_required
def scoreboard_page(session_id: int):
    session = load_session(session_id)
    if not may_deliberate(session):
        abort(403)
    rows, criteria_ = scoreboard(session, current_user)
    return render_template("jury/scoreboard.html", session=session, call=session.call, rows=rows,
                           criteria=criteria_, can_manage=can_manage_sessions(current_user),
                           recused_ids=_recused_ids(session),
                           minutes_url=url_for("jury.minutes", session_id=session.id)
                           if has_endpoint("jury.minutes") else None)


def _render_deliberation(session: PitchSession, *, status: int = 200, notes_form=None, failed: dict | None = None):
    rows, criteria_ = scoreboard(session, current_user)
    definition = get_definition(session.call.workflow)
    locale = locale_code()
    me = juror_for(session, current_user)
    chair = is_chair(current_user, session)
    open_ = not session.is_closed
    failed = failed or {}
    recused = _recused_ids(session)
    staff = current_user.has_role("staff")  # operations.decide: the programme team, or the chair
    decisions = []
    for row in rows:
        slot = row.slot
        form = failed.get(slot.project_id, {}).get("form")
        choices = [(e.name, e.label(locale)) for e in definition.jury_decisions() if slot.project.state in e.source]
        if form is None and open_ and slot.decision is None:
            form = DecisionForm(prefix=f"p{slot.project_id}", formdata=None)
        if form is not None:
            form.event.choices = choices
        decisions.append({
            "row": row, "slot": slot, "form": form, "choices": choices,
            "error": failed.get(slot.project_id, {}).get("error"),
            "failed": slot.project_id in failed,
            # Before every present juror has scored, only the chair decides, and says why; a recused
            # chair takes no part in that project's decision.
            "needs_override": bool(row.missing),
            "recused": slot.project_id in recused and not staff,
            "blocked": (bool(row.missing) and not (chair and slot.project_id not in recused))
            or (slot.project_id in recused and not staff),
            "decision_label": definition.events[slot.decision].label(locale)
            if slot.decision in definition.events else slot.decision,
        })
    notes_form = notes_form or NotesForm(formdata=None, notes=session.deliberation_notes)
    return render_template(
        "jury/deliberation.html", session=session, call=session.call, decisions=decisions, criteria=criteria_,
        notes_form=notes_form, button_form=EmptyForm(), is_open=open_, chair=chair, me=me,
        recused_ids=recused,
        decided_count=sum(1 for d in decisions if d["slot"].decision),
        minutes_url=url_for("jury.minutes", session_id=session.id) if has_endpoint("jury.minutes") else None,
    ), status


@bp.route("/<int:session_id>/deliberation", methods=["GET", "POST"])
@login_required
def deliberation(session_id: int):
    session = load_session(session_id)
    if not may_deliberate(session):
        abort(403)
    if request.method == "GET":
        return _render_deliberation(session)
    if session.is_closed:
        return closed_redirect(session, "jury.deliberation")
    form = NotesForm()
    if form.validate_on_submit():
        try:
            save_deliberation_notes(session, current_user, form.notes.data)
        except DomainError as exc:
            db.session.rollback()
            session = load_session(session_id)
            form.notes.errors = [*form.notes.errors, exc.message]
        else:
            db.session.commit()
            flash(_("The notes are saved."), "success")
            return redirect(url_for("jury.deliberation", session_id=session.id) + "#deliberation-notes")
    return _render_deliberation(session, status=422, notes_form=form)


@bp.route("/<int:session_id>/projects/<int:project_id>/decision", methods=["POST"])
@login_required
def decision(session_id: int, project_id: int):
    session = load_session(session_id)
    if not may_deliberate(session):
        abort(403)
    if session.is_closed:
        return closed_redirect(session, "jury.deliberation")
    slot = slot_or_404(session, project_id)
    form = DecisionForm(prefix=f"p{project_id}")
    definition = get_definition(session.call.workflow)
    form.event.choices = [(e.name, e.label(locale_code())) for e in definition.jury_decisions()]
    error = None
    if form.validate_on_submit():
        try:
            decide(session, slot.project, current_user, form.event.data, form.rationale.data,
                   override_reason=form.override_reason.data or "")
        except InvalidData as exc:
            db.session.rollback()
            apply_errors(form, exc)
        except DomainError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            flash(_("The decision on “%(title)s” is recorded; the team reads it on its project page.",
                    title=slot.project.title), "success")
            return redirect(url_for("jury.deliberation", session_id=session_id) + f"#project-{project_id}")
        session = load_session(session_id)
    return _render_deliberation(session, status=422, failed={project_id: {"form": form, "error": error}})


@bp.route("/<int:session_id>/close", methods=["POST"])
@login_required
def close(session_id: int):
    session = load_session(session_id)
    if not may_deliberate(session):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        close_deliberation(session, current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("The deliberation is closed: scores and decisions can no longer change."), "success")
    return redirect(url_for("jury.deliberation", session_id=session_id))

