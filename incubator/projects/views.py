"""The project page and what the team, the programme team and the jury do there."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, contains_eager, selectinload

from ..clock import utcnow
from ..errors import DomainError, InvalidData
from ..extensions import db
from ..forms import apply_errors
from ..incubation.models import WeeklyLog
from ..incubation.operations import is_incubating
from ..incubation.periods import active_periods, paris_date, periods, weeks_owed
from ..jury.letters import is_selection
from ..jury.models import Criterion, Juror, PitchSession, PitchSlot, Score, ScoreSheet
from ..models import Call, Project, ProjectCoach, ProjectEvent, ProjectMember, User, UserRole
from ..policy import (
    can_assign_coaches,
    can_edit_project,
    can_view_mission_letter,
    can_view_project,
    can_view_session,
    visible_projects,
)
from ..templating import locale_code
from ..urls import bounded_int
from ..workflows import (
    Context,
    WorkflowError,
    actor_roles,
    all_definitions,
    check_conditions,
    fire,
    get_definition,
    permitted_events,
)
from . import bp
from .forms import AddMemberForm, AssignCoachForm, EmptyForm, EventForm, project_form_class
from .operations import (
    add_member,
    assign_coach,
    remove_member,
    unassign_coach,
    update_project,
)


def load_project(project_id: int) -> Project:
    """The project with what its page shows, in a fixed number of queries; 404 if hidden."""
    project = db.session.scalar(
        select(Project)
        .where(Project.id == project_id)
        .options(
            selectinload(Project.call).selectinload(Call.programme),
            selectinload(Project.members).selectinload(ProjectMember.user),
            selectinload(Project.coaches).selectinload(ProjectCoach.user),
            selectinload(Project.history).selectinload(ProjectEvent.actor),
            selectinload(Project.mentor),
        )
    )
    if project is None or not can_view_project(current_user, project):
        abort(404)
    return project


def _actions(project: Project, definition) -> list[dict]:
    """The events this viewer may fire now, each with why it is not possible yet, if so."""
    ctx = Context(project=project, actor=current_user, at=utcnow(), comment="")
    actions = []
    for event in permitted_events(definition, project.state, actor_roles(current_user, project)):
        actions.append({
            "event": event,
            "label": event.label(locale_code()),
            "blocked": check_conditions(event, ctx),
            "dest": definition.states[event.dest].label(locale_code()) if event.dest else
            (definition.states[project.state_before_hold].label(locale_code())
             if project.state_before_hold else ""),
        })
    return actions


def _coach_choices(project: Project) -> list[tuple[int, str]]:
    assigned = {c.user_id for c in project.coaches}
    coaches = db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == "coach").order_by(User.name)
    ).all()
    return [(u.id, u.display_name) for u in coaches if u.id not in assigned]


def _pitches(project: Project) -> list[dict]:
    """The sessions where the project pitches or pitched: when, the jury's decision and, once the
    deliberation is closed and the session shares them, the criterion averages (three queries at most)."""
    earlier = aliased(PitchSlot)
    rank = (select(func.count()).select_from(earlier)
            .where(earlier.session_id == PitchSlot.session_id, earlier.position < PitchSlot.position)
            .correlate(PitchSlot).scalar_subquery())
    rows = db.session.execute(
        select(PitchSlot, rank).join(PitchSlot.session)
        .options(contains_eager(PitchSlot.session).selectinload(PitchSession.jurors))
        .where(PitchSlot.project_id == project.id).order_by(PitchSession.starts_at)
    ).all()
    if not rows:
        return []
    shared = [slot.session_id for slot, _n in rows if slot.session.share_scores and slot.session.is_closed]
    means: dict[int, list] = {}
    if shared:
        for session_id, name, scale_max, mean in db.session.execute(
            select(Juror.session_id, Criterion.name, Criterion.scale_max, func.avg(Score.value))
            .select_from(Score).join(ScoreSheet, ScoreSheet.id == Score.sheet_id)
            .join(Juror, Juror.id == ScoreSheet.juror_id).join(Criterion, Criterion.id == Score.criterion_id)
            .where(ScoreSheet.project_id == project.id, Juror.session_id.in_(shared),
                   ScoreSheet.submitted_at.is_not(None), Juror.absent.is_(False))
            .group_by(Juror.session_id, Criterion.id, Criterion.name, Criterion.scale_max, Criterion.position)
            .order_by(Criterion.position, Criterion.id)
        ):
            means.setdefault(session_id, []).append({"name": name, "scale_max": scale_max, "mean": float(mean)})
    letters = "jury.mission_letter" in current_app.view_functions
    pitches = []
    for slot, before in rows:
        session = slot.session
        pitches.append({
            "slot": slot, "session": session,
            "pitch_at": session.starts_at + timedelta(minutes=before * session.minutes_per_pitch),
            "means": means.get(session.id, []),
            "letter": letters and is_selection(slot) and can_view_mission_letter(current_user, session, project),
            "session_link": can_view_session(current_user, session),
        })
    return pitches


def _incubation_box(project: Project, definition) -> dict | None:
    """While the project is incubating: its next review and the weekly logs missing (one query)."""
    if not is_incubating(project):
        return None
    now = utcnow()
    today = paris_date(now)
    written = set(db.session.scalars(select(WeeklyLog.week_start).where(WeeklyLog.project_id == project.id)))
    expected = weeks_owed(active_periods(periods(project.history, definition)), today)
    due = project.review_due_at
    return {
        "due": due,
        "stopped": project.clock_stopped_at,
        "overdue": due is not None and project.clock_stopped_at is None and paris_date(due) < today,
        "missing": sum(1 for w in expected if w not in written),
    }


def _render_project(project: Project, *, status: int = 200, event_form: EventForm | None = None,
                    failed_event: str | None = None, member_form: AddMemberForm | None = None,
                    coach_form: AssignCoachForm | None = None):
    definition = get_definition(project.workflow)
    editable = can_edit_project(current_user, project)
    if coach_form is None and can_assign_coaches(current_user):
        coach_form = AssignCoachForm()
    if coach_form is not None:
        coach_form.coach.choices = _coach_choices(project)
    return render_template(
        "projects/show.html",
        project=project,
        call=project.call,
        definition=definition,
        state=definition.states[project.state],
        actions=_actions(project, definition),
        event_form=event_form or EventForm(),
        failed_event=failed_event,
        member_form=member_form or (AddMemberForm() if editable else None),
        coach_form=coach_form,
        button_form=EmptyForm(),
        can_edit=editable,
        can_assign_coaches=can_assign_coaches(current_user),
        history=list(reversed(project.history)),
        pitches=_pitches(project),
        incubation=_incubation_box(project, definition),
    ), status


@bp.route("/")
@login_required
def index():
    stmt = visible_projects(current_user).options(selectinload(Project.call))
    state = request.args.get("state", "")
    if state:
        stmt = stmt.where(Project.state == state)
    can_see_others = current_user.has_role("staff", "admin", "jury", "coach")
    mine = request.args.get("mine") == "1" or not can_see_others
    if mine:
        stmt = stmt.where(Project.members.any(ProjectMember.user_id == current_user.id))
    pagination = db.paginate(stmt.order_by(Project.updated_at.desc(), Project.id),
                             page=request.args.get("page", 1, type=bounded_int),
                             per_page=current_app.config["PER_PAGE"], error_out=False)
    # The state filter offers every state of every workflow, once, with its label.
    state_choices = list({name: st.label(locale_code()) for d in all_definitions()
                          for name, st in d.states.items()}.items())
    return render_template("projects/index.html", pagination=pagination, state=state, mine=mine,
                           can_see_others=can_see_others, state_choices=state_choices)


@bp.route("/<int:project_id>")
@login_required
def show(project_id: int):
    return _render_project(load_project(project_id))


@bp.route("/<int:project_id>/events", methods=["POST"])
@login_required
def fire_event(project_id: int):
    project = load_project(project_id)
    form = EventForm()
    if not form.validate_on_submit():
        return _render_project(project, status=400, event_form=form, failed_event=form.event.data)
    try:
        entry = fire(project, form.event.data, current_user, form.comment.data,
                     taken_over_by=form.taken_over_by.data or "")
    except WorkflowError as exc:
        db.session.rollback()
        project = load_project(project_id)
        if exc.details.get("condition") == "taken_over_by":
            form.taken_over_by.errors = [exc.message]
        else:
            form.comment.errors = [exc.message]
        return _render_project(project, status=exc.status, event_form=form, failed_event=form.event.data)
    db.session.commit()
    flash(_("Done: the project is now “%(state)s”.",
            state=get_definition(project.workflow).states[entry.to_state].label(locale_code())), "success")
    return redirect(url_for("projects.show", project_id=project.id))


@bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
@login_required
def edit(project_id: int):
    project = load_project(project_id)
    if not can_edit_project(current_user, project):
        abort(403)
    form_class = project_form_class(project.call)
    form = form_class(obj=project)
    if request.method == "GET":
        for name, question in form.question_fields:
            getattr(form, name).data = (project.answers or {}).get(question["key"], "")
    if form.validate_on_submit():
        try:
            update_project(project, current_user, title=form.title.data, problem=form.problem.data,
                           proposal=form.proposal.data, service=form.service.data,
                           answers=form.answers(), theme=form.theme.data)
        except InvalidData as exc:
            apply_errors(form, exc)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("projects.show", project_id=project.id))
    return render_template("projects/form.html", form=form, call=project.call, project=project), \
        422 if form.errors else 200


@bp.route("/<int:project_id>/members", methods=["POST"])
@login_required
def add_teammate(project_id: int):
    project = load_project(project_id)
    if not can_edit_project(current_user, project):
        abort(403)
    form = AddMemberForm()
    if form.validate_on_submit():
        try:
            member = add_member(project, current_user, form.email.data)
        except InvalidData as exc:
            form.email.errors = [*form.email.errors, *exc.fields.values()]
        else:
            db.session.commit()
            flash(_("%(name)s joined the team.", name=member.user.display_name), "success")
            return redirect(url_for("projects.show", project_id=project.id) + "#team")
    return _render_project(project, status=422, member_form=form)


@bp.route("/<int:project_id>/members/<int:user_id>/remove", methods=["POST"])
@login_required
def remove_teammate(project_id: int, user_id: int):
    project = load_project(project_id)
    if not can_edit_project(current_user, project):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = db.get_or_404(User, user_id)
    try:
        remove_member(project, current_user, user)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("projects.show", project_id=project.id) + "#team")
    db.session.commit()
    if user.id == current_user.id:
        flash(_("You left the team."), "success")
        return redirect(url_for("main.index"))
    flash(_("%(name)s left the team.", name=user.display_name), "success")
    return redirect(url_for("projects.show", project_id=project.id) + "#team")


@bp.route("/<int:project_id>/coaches", methods=["POST"])
@login_required
def add_coach(project_id: int):
    project = load_project(project_id)
    if not can_assign_coaches(current_user):
        abort(403)
    form = AssignCoachForm()
    form.coach.choices = _coach_choices(project)
    if form.validate_on_submit():
        coach = db.session.get(User, form.coach.data)
        try:
            assign_coach(project, coach)
        except InvalidData as exc:
            form.coach.errors = [*form.coach.errors, *exc.fields.values()]
        else:
            db.session.commit()
            flash(_("%(name)s now coaches this project.", name=coach.display_name), "success")
            return redirect(url_for("projects.show", project_id=project.id) + "#coaches")
    return _render_project(project, status=422, coach_form=form)


@bp.route("/<int:project_id>/coaches/<int:user_id>/remove", methods=["POST"])
@login_required
def remove_coach(project_id: int, user_id: int):
    project = load_project(project_id)
    if not can_assign_coaches(current_user):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = db.get_or_404(User, user_id)
    unassign_coach(project, user)
    db.session.commit()
    flash(_("%(name)s no longer coaches this project.", name=user.display_name), "success")
    return redirect(url_for("projects.show", project_id=project.id) + "#coaches")
