"""The public catalogue and its downloads (no login), the programme team's publication pages, and the
members' consent page."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from ..errors import DomainError, InvalidData
from ..extensions import db
from ..forms import apply_errors
from ..incubation.portfolio import number
from ..models import Call, Project, ProjectMember
from ..policy import can_publish, can_view_project
from ..templating import state_label
from ..urls import bounded_int
from ..workflows import get_definition
from . import bp
from .catalogue import (
    Filters,
    call_choices,
    get_public_project,
    paginate,
    state_choices,
    theme_choices,
    year_choices,
)
from .export import CSV_SEPARATOR, FIELDS, LICENCE, LICENCE_URL, NEVER, csv_document, json_document
from .forms import ConsentForm, PublishForm
from .operations import (
    is_publishable,
    is_published,
    may_be_published,
    publish_project,
    publishable_clause,
    set_name_consent,
    unpublish_project,
)

DOWNLOAD_MAX_AGE = 300  # seconds a download may be reused: a withdrawn consent is gone within 5 minutes


@bp.record_once
def _register_globals(state) -> None:
    state.app.jinja_env.globals["opendata_project_box"] = lambda project: project_box_context(current_user,
                                                                                              project)


@bp.app_template_filter("od_number")
def od_number(value) -> str:
    """A number as people read it in the current language (1 000, 2,5)."""
    return number(value)


def project_box_context(user, project: Project) -> dict:
    """What the project page's open-data box shows to `user` (booleans and links; the project's team must
    be loaded)."""
    published = is_published(project)
    publishable = is_publishable(project)
    staff = can_publish(user)
    member = next((m for m in project.members if user and user.is_authenticated and m.user_id == user.id), None)
    return {
        "show": bool(published or (staff and publishable) or member is not None),
        "published": published,
        "published_at": project.published_at if published else None,
        "public_url": url_for("opendata.project", project_id=project.id) if published else None,
        "manage_url": url_for("opendata.publish", project_id=project.id) if staff and publishable else None,
        "is_member": member is not None,
        "name_public": bool(member and member.name_public),
        "consent_url": url_for("opendata.consent", _anchor=f"consent-{project.id}") if member else None,
    }


def _public(response, max_age: int | None = None):
    """Open data: any site may read the downloads; pages carry a session's form token, so never shared."""
    if max_age is None:
        response.headers["Cache-Control"] = "private, no-cache"
    else:
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# --- the public catalogue -----------------------------------------------------------------------------

@bp.route("/")
def catalogue():
    filters = Filters.from_args(request.args)
    pagination, projects = paginate(filters, request.args.get("page", 1, type=bounded_int),
                                    current_app.config["PER_PAGE"])
    response = current_app.make_response(render_template(
        "opendata/catalogue.html", pagination=pagination, projects=projects, filters=filters,
        theme_choices=theme_choices(), state_choices=state_choices(), call_choices=call_choices(),
        year_choices=year_choices(), fields=FIELDS, never=NEVER, licence=LICENCE, licence_url=LICENCE_URL,
        separator=CSV_SEPARATOR, can_publish=can_publish(current_user),
    ))
    return _public(response)


@bp.route("/projects/<int:project_id>")
def project(project_id: int):
    record = get_public_project(project_id)
    if record is None:
        abort(404)
    response = current_app.make_response(render_template(
        "opendata/project.html", p=record, licence=LICENCE, licence_url=LICENCE_URL,
        manage_url=url_for("opendata.publish", project_id=project_id) if can_publish(current_user) else None,
    ))
    return _public(response)


def _download(body: str, mimetype: str, filename: str, disposition: str):
    response = current_app.response_class(body.encode("utf-8"), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    _public(response, DOWNLOAD_MAX_AGE)
    response.add_etag()
    return response.make_conditional(request)


@bp.route("/projects.csv")
def download_csv():
    return _download(csv_document(), "text/csv; charset=utf-8", "projets-publies.csv", "attachment")


@bp.route("/projects.json")
def download_json():
    return _download(json_document(), "application/json", "projets-publies.json", "inline")


# --- the programme team: choosing what to publish -----------------------------------------------------

@bp.route("/manage")
@login_required
def manage():
    if not can_publish(current_user):
        abort(403)
    call_id = request.args.get("call", type=bounded_int)
    state = request.args.get("state", "")
    status = request.args.get("status", "")
    states = dict(state_choices())
    stmt = (select(Project).join(Call, Project.call_id == Call.id).where(publishable_clause())
            .options(contains_eager(Project.call), selectinload(Project.published_by)))
    if call_id:
        stmt = stmt.where(Project.call_id == call_id)
    if state in states:
        stmt = stmt.where(Project.state == state)
    else:
        state = ""
    if status == "published":
        stmt = stmt.where(Project.published_at.is_not(None))
    elif status == "unpublished":
        stmt = stmt.where(Project.published_at.is_(None))
    else:
        status = ""
    pagination = db.paginate(stmt.order_by(Call.opens_at.desc(), Project.title, Project.id),
                             page=request.args.get("page", 1, type=bounded_int),
                             per_page=current_app.config["PER_PAGE"], error_out=False)
    calls = db.session.execute(select(Call.id, Call.title).where(
        Call.id.in_(select(Project.call_id).join(Call, Project.call_id == Call.id).where(publishable_clause())))
        .order_by(Call.opens_at.desc(), Call.id)).all()
    return render_template("opendata/manage.html", pagination=pagination, calls=calls, call_id=call_id,
                           state=state, status=status, state_choices=list(states.items()))


def _load_for_staff(project_id: int) -> Project:
    project = db.session.scalar(
        select(Project).where(Project.id == project_id).options(
            selectinload(Project.call), selectinload(Project.published_by),
            selectinload(Project.members).selectinload(ProjectMember.user)))
    if project is None or not can_view_project(current_user, project):
        abort(404)
    if not can_publish(current_user):
        abort(403)
    return project


def _render_publish(project: Project, form: PublishForm, status: int = 200):
    return render_template(
        "opendata/publish.html", project=project, form=form, published=is_published(project),
        publishable=is_publishable(project), state=get_definition(project.workflow).states[project.state],
    ), status


@bp.route("/projects/<int:project_id>/publish", methods=["GET", "POST"])
@login_required
def publish(project_id: int):
    project = _load_for_staff(project_id)
    form = PublishForm()
    if request.method == "GET":
        # Empty the first time: the team's own texts, shown beside the form, are never published as
        # they are; the programme team writes for the public.
        form.summary.data = project.public_summary
        form.theme.data = project.theme or ""
        return _render_publish(project, form)
    if not form.validate_on_submit():
        return _render_publish(project, form, 422)
    if form.unpublish.data:
        unpublish_project(project, current_user)
        db.session.commit()
        flash(_("“%(title)s” is no longer in the public catalogue.", title=project.title), "success")
        return redirect(url_for("opendata.publish", project_id=project.id))
    was_published = is_published(project)
    try:
        publish_project(project, current_user, form.summary.data, theme=form.theme.data or None)
    except InvalidData as exc:
        db.session.rollback()
        project = _load_for_staff(project_id)
        apply_errors(form, exc)
        return _render_publish(project, form, 422)
    except DomainError as exc:
        db.session.rollback()
        project = _load_for_staff(project_id)
        form.form_errors.append(exc.message)
        return _render_publish(project, form, exc.status)
    db.session.commit()
    flash(_("The publication of “%(title)s” is updated.", title=project.title) if was_published else
          _("“%(title)s” is now in the public catalogue.", title=project.title), "success")
    return redirect(url_for("opendata.publish", project_id=project.id))


# --- team members: consent to be named ----------------------------------------------------------------

@bp.route("/consent", methods=["GET", "POST"])
@login_required
def consent():
    memberships = db.session.scalars(
        select(ProjectMember).join(Project, ProjectMember.project_id == Project.id)
        .where(ProjectMember.user_id == current_user.id)
        .options(contains_eager(ProjectMember.project).selectinload(Project.call))
        .order_by(Project.title, Project.id)
    ).all()
    # A project that can never be published (withdrawn, declined, rejected) needs no consent.
    memberships = [m for m in memberships if m.project.published_at is not None
                   or may_be_published(get_definition(m.project.workflow), m.project.state)]
    form = ConsentForm()
    form.projects.choices = [(m.project_id, m.project.title) for m in memberships]
    if request.method == "GET":
        form.projects.data = [m.project_id for m in memberships if m.name_public]
    elif form.validate_on_submit():
        chosen = set(form.projects.data or [])
        changed = 0
        for member in memberships:
            if member.name_public != (member.project_id in chosen):
                set_name_consent(member, current_user, member.project_id in chosen)
                changed += 1
        db.session.commit()
        flash(_("Your choices are saved.") if changed else _("Nothing changed."), "success")
        return redirect(url_for("opendata.consent"))
    rows = [{"member": m, "project": m.project, "published": is_published(m.project),
             "state": state_label(m.project.workflow, m.project.state)} for m in memberships]
    return render_template("opendata/consent.html", form=form, rows=rows), 422 if form.errors else 200
