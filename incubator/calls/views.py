"""Calls: the list, a call's page with its submissions, creating and editing calls."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..errors import DomainError, InvalidData
from ..extensions import db
from ..forms import apply_errors
from ..jury.models import PitchSession
from ..models import Call, Project, ProjectMember
from ..policy import can_manage_calls, can_manage_sessions, can_propose, visible_projects
from ..projects.forms import project_form_class
from ..projects.operations import create_project, split_emails
from ..templating import locale_code
from ..urls import bounded_int
from ..workflows import all_definitions, get_definition
from . import bp
from .forms import CallForm, NewCallForm
from .operations import create_call, parse_questionnaire, questionnaire_text, update_call


@bp.route("/")
@login_required
def index():
    page = request.args.get("page", 1, type=bounded_int)
    # db.paginate() keeps only the first column of each row (it calls .scalars()), so the
    # calls are paginated alone and the projects each viewer may see are counted per page.
    pagination = db.paginate(
        select(Call).order_by(Call.opens_at.desc(), Call.id.desc()),
        page=page, per_page=current_app.config["PER_PAGE"], error_out=False, count=True,
    )
    ids = [call.id for call in pagination.items]
    project_counts = dict(db.session.execute(
        select(Project.call_id, func.count())
        .where(Project.id.in_(visible_projects(current_user).with_only_columns(Project.id)),
               Project.call_id.in_(ids))
        .group_by(Project.call_id)
    ).all()) if ids else {}
    return render_template("calls/index.html", pagination=pagination, project_counts=project_counts,
                           can_manage_calls=can_manage_calls(current_user))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not can_manage_calls(current_user):
        abort(403)
    form = NewCallForm()
    form.workflow.choices = [(d.name, d.label(locale_code())) for d in all_definitions()]
    if request.method == "GET":
        from .operations import default_questionnaire

        form.workflow.data = "pau"  # the reference programme, whatever order the definitions load in
        form.questionnaire.data = questionnaire_text(default_questionnaire())
    if form.validate_on_submit():
        try:
            call = create_call(
                title=form.title.data, description=form.description.data,
                opens_at=form.opens_at.data, closes_at=form.closes_at.data,
                workflow=form.workflow.data,
                questionnaire=parse_questionnaire(form.questionnaire.data),
                author=current_user,
            )
        except InvalidData as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The call for proposals is created."), "success")
            return redirect(url_for("calls.show", call_id=call.id))
    return render_template("calls/form.html", form=form, call=None), 422 if form.errors else 200


@bp.route("/<int:call_id>/edit", methods=["GET", "POST"])
@login_required
def edit(call_id: int):
    call = db.get_or_404(Call, call_id)
    if not can_manage_calls(current_user):
        abort(403)
    form = CallForm(obj=call)
    if request.method == "GET":
        form.questionnaire.data = questionnaire_text(call.questionnaire)
    if form.validate_on_submit():
        try:
            update_call(
                call, title=form.title.data, description=form.description.data,
                opens_at=form.opens_at.data, closes_at=form.closes_at.data,
                questionnaire=parse_questionnaire(form.questionnaire.data, call.questionnaire),
            )
        except InvalidData as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The call for proposals is saved."), "success")
            return redirect(url_for("calls.show", call_id=call.id))
    return render_template("calls/form.html", form=form, call=call), 422 if form.errors else 200


@bp.route("/<int:call_id>")
@login_required
def show(call_id: int):
    call = db.get_or_404(Call, call_id)
    definition = get_definition(call.workflow)
    base = visible_projects(current_user).where(Project.call_id == call.id)

    state = request.args.get("state", "")
    if state and state not in definition.states:
        state = ""
    q = request.args.get("q", "").strip()[:100]
    stmt = base
    if state:
        stmt = stmt.where(Project.state == state)
    elif can_manage_calls(current_user):
        # Drafts are not submissions yet: the programme team sees them only on request.
        stmt = stmt.where(Project.state != definition.initial)
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(or_(Project.title.ilike(like), Project.service.ilike(like)))
    sort = request.args.get("sort", "recent")
    order = {"title": Project.title, "state": Project.state}.get(sort, Project.submitted_at.desc())
    stmt = stmt.options(
        selectinload(Project.members).selectinload(ProjectMember.user)
    ).order_by(order, Project.id)
    pagination = db.paginate(stmt, page=request.args.get("page", 1, type=bounded_int),
                             per_page=current_app.config["PER_PAGE"], error_out=False)

    counts = dict(db.session.execute(
        base.with_only_columns(Project.state, func.count()).group_by(Project.state)
    ).all())
    my_projects = []
    if current_user.has_role("agent"):
        my_projects = db.session.scalars(
            select(Project).join(ProjectMember, ProjectMember.project_id == Project.id)
            .where(Project.call_id == call.id, ProjectMember.user_id == current_user.id)
            .order_by(Project.created_at)
        ).all()
    sessions = []
    if can_manage_sessions(current_user):
        sessions = db.session.scalars(
            select(PitchSession).where(PitchSession.call_id == call.id).order_by(PitchSession.starts_at)
        ).all()
    return render_template(
        "calls/show.html", call=call, definition=definition, pagination=pagination, counts=counts,
        state=state, q=q, sort=sort, my_projects=my_projects, sessions=sessions,
        can_manage=can_manage_calls(current_user), can_propose=can_propose(current_user, call),
        can_manage_sessions=can_manage_sessions(current_user), status=call.status(),
    )


@bp.route("/<int:call_id>/propose", methods=["GET", "POST"])
@login_required
def propose(call_id: int):
    call = db.get_or_404(Call, call_id)
    if not current_user.has_role("agent"):
        abort(403)
    if not call.is_open():
        flash(_("This call for proposals is not open: no new proposal can be started."), "error")
        return redirect(url_for("calls.show", call_id=call.id))
    form = project_form_class(call, with_team=True)()
    if request.method == "GET":
        form.service.data = current_user.service
    if form.validate_on_submit():
        try:
            project = create_project(
                call, current_user, title=form.title.data, problem=form.problem.data,
                proposal=form.proposal.data, service=form.service.data,
                answers=form.answers(), team_emails=split_emails(form.team.data),
                theme=form.theme.data,
            )
        except InvalidData as exc:
            apply_errors(form, exc)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Your draft is saved. Submit it when it is ready."), "success")
            return redirect(url_for("projects.show", project_id=project.id))
    return render_template("projects/form.html", form=form, call=call, project=None), \
        422 if form.errors else 200
