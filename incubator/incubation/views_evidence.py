"""Pages of the evidence: user validations and their files, the phase review, the project timeline."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from ..clock import utcnow
from ..errors import DomainError, InvalidData
from ..extensions import db
from ..forms import apply_errors
from ..models import Project
from ..policy import can_contribute, can_view_project
from ..templating import locale_code
from ..workflows import WorkflowError, actor_roles, fire, get_definition, permitted_events
from . import bp, loading, storage
from .forms_evidence import METHOD_LABELS, VERDICT_LABELS, AttachmentForm, ReviewForm, ValidationForm
from .models import Attachment, Iteration, PhaseReview, Validation
from .operations import add_attachments, add_validation, is_incubating
from .periods import paris_date
from .summary import evidence_summary
from .timeline import duration_words, load_timeline


def load_project(project_id: int, *, incubated: bool = True) -> Project:
    """The project with its call, team, coaches and history (a fixed number of queries); 404 when
    hidden, or when it never entered incubation and the page is about incubation."""
    project = loading.load_project(project_id, actors=True)
    if project is None or not can_view_project(current_user, project):
        abort(404)
    if incubated and project.phase is None:
        abort(404)
    return project


def _common(project: Project) -> dict:
    """What every evidence page's template uses besides its own data."""
    return {"project": project, "call": project.call, "method_labels": METHOD_LABELS,
            "verdict_labels": VERDICT_LABELS}


# --- user-validation evidence ----------------------------------------------------------------

def _validations(project: Project) -> list[Validation]:
    return db.session.scalars(
        select(Validation).where(Validation.project_id == project.id)
        .options(selectinload(Validation.attachments), selectinload(Validation.iteration),
                 selectinload(Validation.author))
        .order_by(Validation.held_on.desc(), Validation.id.desc())
    ).all()


def _render_validations(project: Project, *, status: int = 200, failed: int | None = None,
                        failed_errors: list[str] | None = None):
    validations = _validations(project)
    by_verdict: dict[str, int] = {}
    for v in validations:
        by_verdict[v.verdict] = by_verdict.get(v.verdict, 0) + 1
    return render_template(
        "incubation/validations.html", validations=validations,
        users=sum(v.users_count for v in validations), by_verdict=by_verdict,
        can_contribute=can_contribute(current_user, project), attachment_form=AttachmentForm(),
        failed=failed, failed_errors=failed_errors or [], accept=storage.ACCEPT,
        max_size=storage.human_size(storage.max_bytes()), human_size=storage.human_size, **_common(project),
    ), status


@bp.route("/projects/<int:project_id>/validations")
@login_required
def validations(project_id: int):
    return _render_validations(load_project(project_id))


@bp.route("/projects/<int:project_id>/validations/new", methods=["GET", "POST"])
@login_required
def new_validation(project_id: int):
    project = load_project(project_id)
    if not can_contribute(current_user, project):
        abort(403)
    form = ValidationForm()
    form.iteration_id.choices = [SelectChoice("", _("None"))] + [
        SelectChoice(str(number_id), _("Iteration %(number)d: %(title)s", number=number, title=title))
        for number_id, number, title in db.session.execute(
            select(Iteration.id, Iteration.number, Iteration.title)
            .where(Iteration.project_id == project.id).order_by(Iteration.number))
    ]
    if request.method == "GET":
        form.held_on.data = paris_date(utcnow()).isoformat()
        if request.args.get("iteration", "").isdigit():
            form.iteration_id.data = request.args["iteration"]
    if form.validate_on_submit():
        try:
            validation = add_validation(
                project, current_user, method=form.method.data or None, users_count=form.users_count.data,
                held_on=form.held_on.data, verdict=form.verdict.data, notes=form.notes.data,
                iteration_id=form.iteration_id.data or None, files=request.files.getlist(form.files.name))
        except InvalidData as exc:
            db.session.rollback()
            apply_errors(form, exc)
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("The evidence is recorded."), "success")
            return redirect(url_for("incubation.validations", project_id=project_id)
                            + f"#validation-{validation.id}")
    return render_template(
        "incubation/validation_form.html", form=form, accept=storage.ACCEPT,
        today=paris_date(utcnow()).isoformat(),
        max_size=storage.human_size(storage.max_bytes()), **_common(project),
    ), 422 if form.errors else 200


def _validation_of(project: Project, validation_id: int) -> Validation:
    validation = db.session.get(Validation, validation_id)
    if validation is None or validation.project_id != project.id:
        abort(404)
    return validation


@bp.route("/projects/<int:project_id>/validations/<int:validation_id>/attachments", methods=["POST"])
@login_required
def add_attachment(project_id: int, validation_id: int):
    project = load_project(project_id)
    validation = _validation_of(project, validation_id)
    if not can_contribute(current_user, project):
        abort(403)
    form = AttachmentForm()
    if form.validate_on_submit():
        try:
            added = add_attachments(validation, current_user, request.files.getlist(form.files.name))
        except InvalidData as exc:
            db.session.rollback()
            errors = list(exc.fields.values())
        except DomainError as exc:
            db.session.rollback()
            errors = [exc.message]
        else:
            db.session.commit()
            flash(ngettext("%(num)d file added.", "%(num)d files added.", len(added)), "success")
            return redirect(url_for("incubation.validations", project_id=project_id) + f"#validation-{validation_id}")
    else:
        errors = [e for field_errors in form.errors.values() for e in field_errors]
    project = load_project(project_id)
    return _render_validations(project, status=422, failed=validation_id, failed_errors=errors)


@bp.route("/projects/<int:project_id>/validations/<int:validation_id>/attachments/<int:attachment_id>")
@login_required
def attachment(project_id: int, validation_id: int, attachment_id: int):
    project = load_project(project_id)
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.validation_id != validation_id or item.validation.project_id != project.id:
        abort(404)
    path = storage.path_for(item.storage_key)
    if not path.is_file():
        abort(404)
    # Images open in the browser; a PDF (which may carry scripts or forms) is always downloaded.
    response = send_file(path, mimetype=item.content_type, as_attachment=not item.content_type.startswith("image/"),
                         download_name=item.filename, max_age=0, conditional=True, etag=item.sha256)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


# --- the phase review --------------------------------------------------------------------------

def _review_choices(project: Project, definition) -> list[dict]:
    """The review decisions this viewer may take now, each with where it leads, in words."""
    locale = locale_code()
    reviewable = {e.name for e in definition.review_events()}
    choices = []
    for event in permitted_events(definition, project.state, actor_roles(current_user, project)):
        if event.name not in reviewable:
            continue
        if event.stay:
            phase = definition.phases.get(project.phase)
            outcome = ngettext("The project stays in “%(state)s”; the next review falls %(num)d month later.",
                               "The project stays in “%(state)s”; the next review falls %(num)d months later.",
                               phase.months if phase else 0,
                               state=definition.states[project.state].label(locale))
        elif event.hold:
            outcome = _("The project goes “%(state)s”: the phase clock stops until it resumes.",
                        state=definition.states[event.dest].label(locale))
        else:
            outcome = _("The project will move to “%(state)s”.", state=definition.states[event.dest].label(locale))
        choices.append({"event": event, "label": event.label(locale), "outcome": outcome})
    return choices


def _due(project: Project, now) -> dict:
    """When the review is or was due, in words; a stopped clock says how much time is left."""
    due = project.review_due_at
    stopped = project.clock_stopped_at
    info = {"due": due, "overdue": "", "remaining": "", "stopped": stopped, "left": "",
            "stopped_for": duration_words(stopped, now) if stopped else ""}
    if due is None:
        return info
    if stopped is not None:
        info["left"] = duration_words(stopped, due) if due > stopped else ""
    elif paris_date(due) < paris_date(now):
        info["overdue"] = duration_words(due, now)
    else:
        info["remaining"] = duration_words(now, due)
    return info


def _readable(summary: dict) -> dict:
    """The live summary with its ISO dates as dates, for the templates' date filter."""
    summary = {**summary, "validations": dict(summary["validations"]),
               "indicators": [dict(i) for i in summary["indicators"]]}
    last = summary["validations"]["last_on"]
    summary["validations"]["last_on"] = date.fromisoformat(last) if last else None
    for indicator in summary["indicators"]:
        indicator["on"] = date.fromisoformat(indicator["on"]) if indicator["on"] else None
    return summary


def _render_review(project: Project, form: ReviewForm | None = None, *, status: int = 200):
    definition = get_definition(project.workflow)
    now = utcnow()
    choices = _review_choices(project, definition)
    if form is None and choices:
        form = ReviewForm()
    if form is not None:
        form.event.choices = [SelectChoice(c["event"].name, c["label"]) for c in choices]
    reviews = db.session.scalars(
        select(PhaseReview).where(PhaseReview.project_id == project.id)
        .options(selectinload(PhaseReview.decided_by))
        .order_by(PhaseReview.decided_at.desc(), PhaseReview.id.desc())
    ).all()
    state = definition.states[project.state]
    return render_template(
        "incubation/review.html", definition=definition, state=state,
        phase=definition.phases.get(project.phase), due=_due(project, now),
        held_from=definition.states.get(project.state_before_hold or ""),
        summary=_readable(evidence_summary(project, now)), choices=choices if choices else [],
        form=form if choices else None, reviews=reviews, incubating=is_incubating(project),
        **_common(project),
    ), status


@bp.route("/projects/<int:project_id>/review", methods=["GET", "POST"])
@login_required
def review(project_id: int):
    project = load_project(project_id)
    if request.method == "GET":
        return _render_review(project)
    definition = get_definition(project.workflow)
    if not _review_choices(project, definition):
        abort(403)
    form = ReviewForm()
    form.event.choices = [SelectChoice(c["event"].name, c["label"]) for c in _review_choices(project, definition)]
    if not form.validate_on_submit():
        return _render_review(project, form, status=422 if form.errors else 400)
    name = form.event.data
    if name not in {e.name for e in definition.review_events()}:
        form.event.errors = [_("Choose one of the decisions offered.")]
        return _render_review(project, form, status=422)
    try:
        entry = fire(project, name, current_user, form.comment.data, taken_over_by=form.taken_over_by.data or "")
    except WorkflowError as exc:
        db.session.rollback()
        project = load_project(project_id)
        condition = exc.details.get("condition")
        target = {"taken_over_by": form.taken_over_by, "comment_required": form.comment}.get(condition, form.event)
        target.errors = [*target.errors, exc.message]
        return _render_review(project, form, status=exc.status)
    db.session.commit()
    flash(_("The review is decided: the project is now “%(state)s”.",
            state=definition.states[entry.to_state].label(locale_code())), "success")
    return redirect(url_for("incubation.review", project_id=project_id))


# --- the timeline ------------------------------------------------------------------------------

@bp.route("/projects/<int:project_id>/timeline")
@login_required
def timeline(project_id: int):
    project = load_project(project_id, incubated=False)
    definition = get_definition(project.workflow)
    return render_template(
        "incubation/timeline.html", definition=definition,
        timeline=load_timeline(project, utcnow(), locale_code()), **_common(project),
    )
