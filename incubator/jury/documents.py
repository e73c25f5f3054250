"""Jury documents: the minutes (procès-verbal) and the mission letter, as printable pages and PDF."""

from __future__ import annotations

import re
import unicodedata

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, format_date, format_decimal, format_time
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..clock import utcnow
from ..errors import InvalidData
from ..extensions import db
from ..forms import apply_errors
from ..models import Programme, User
from ..pdf import html_to_pdf, pdf_response
from ..policy import can_manage_sessions, can_view_mission_letter, can_view_session
from ..templating import locale_code
from . import bp, letters
from .document_forms import AssignMentorForm, MissionLetterTemplateForm
from .minutes import build_minutes, load_session, rerun_instructions
from .models import PitchSession, PitchSlot

# Official documents of a French local government: their PDF is French whatever the page's language.
PDF_LOCALE = "fr"


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-") or "document"


def when(value) -> str:
    """A date and time for a document: the full date, then the time, in Paris time."""
    if value is None:
        return ""
    return _("%(date)s at %(time)s", date=format_date(value, "full"), time=format_time(value, "short"))


def number(value) -> str:
    return "" if value is None else format_decimal(round(value, 2), "#,##0.00")


def _session_or_404(session_id: int) -> PitchSession:
    session = load_session(session_id)
    if session is None or not can_view_session(current_user, session):
        abort(404)
    return session


def _selection_or_404(session_id: int, project_id: int) -> tuple[PitchSession, PitchSlot]:
    """A project the session selected, for someone who may read its mission letter."""
    session = load_session(session_id)
    slot = next((s for s in session.slots if s.project_id == project_id), None) if session else None
    if slot is None or not letters.is_selection(slot) \
            or not can_view_mission_letter(current_user, session, slot.project):
        abort(404)
    return session, slot


def _render_minutes(session: PitchSession, *, for_print: bool) -> str:
    return render_template(
        "jury/minutes.html",
        m=build_minutes(session, current_user, locale_code()),
        session=session,
        call=session.call,
        programme=session.call.programme,
        for_print=for_print,
        rerun_instructions=rerun_instructions,
        can_manage=can_manage_sessions(current_user),
        printed_at=utcnow(),
        when=when,
        number=number,
    )


@bp.route("/<int:session_id>/minutes")
@login_required
def minutes(session_id: int):
    return _render_minutes(_session_or_404(session_id), for_print=False)


@bp.route("/<int:session_id>/minutes.pdf")
@login_required
def minutes_pdf(session_id: int):
    session = _session_or_404(session_id)
    with force_locale(PDF_LOCALE):
        html = _render_minutes(session, for_print=True)
    return pdf_response(html_to_pdf(html), f"proces-verbal-{slugify(session.title)}.pdf")


def _mentor_choices(slot: PitchSlot) -> list[tuple[int, str]]:
    team = {m.user_id for m in slot.project.members}
    return [(0, _("Choose a person"))] + [(u.id, f"{u.display_name}, {u.title}" if u.title else u.display_name)
                                          for u in letters.mentor_candidates() if u.id not in team]


def _render_letter(session: PitchSession, slot: PitchSlot, *, for_print: bool,
                   mentor_form: AssignMentorForm | None = None, status: int = 200):
    programme = session.call.programme
    can_manage = can_manage_sessions(current_user) and not for_print
    if can_manage and mentor_form is None:
        mentor_form = AssignMentorForm(mentor=slot.project.mentor_id)
    if mentor_form is not None:
        mentor_form.mentor.choices = _mentor_choices(slot)
    return render_template(
        "jury/mission_letter.html",
        session=session,
        slot=slot,
        project=slot.project,
        call=session.call,
        programme=programme,
        letter=letters.render_mission_letter(programme, session, slot.project),
        for_print=for_print,
        can_manage=can_manage,
        mentor_form=mentor_form,
        decision_label=letters.decision_label(slot, locale_code()),
        printed_at=utcnow(),
        when=when,
    ), status


@bp.route("/<int:session_id>/projects/<int:project_id>/mission-letter")
@login_required
def mission_letter(session_id: int, project_id: int):
    session, slot = _selection_or_404(session_id, project_id)
    return _render_letter(session, slot, for_print=False)


@bp.route("/<int:session_id>/projects/<int:project_id>/mission-letter.pdf")
@login_required
def mission_letter_pdf(session_id: int, project_id: int):
    session, slot = _selection_or_404(session_id, project_id)
    with force_locale(PDF_LOCALE):
        html, _status = _render_letter(session, slot, for_print=True)
    return pdf_response(html_to_pdf(html), f"lettre-de-mission-{slugify(slot.project.title)}.pdf")


@bp.route("/<int:session_id>/projects/<int:project_id>/mentor", methods=["POST"])
@login_required
def assign_mentor(session_id: int, project_id: int):
    session, slot = _selection_or_404(session_id, project_id)
    if not can_manage_sessions(current_user):
        abort(403)
    form = AssignMentorForm()
    form.mentor.choices = _mentor_choices(slot)
    if form.validate_on_submit():
        mentor = db.session.get(User, form.mentor.data)
        try:
            letters.assign_mentor(slot.project, mentor)
        except InvalidData as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("%(name)s is the mentor of “%(project)s”; the mission letter is addressed to them.",
                    name=mentor.display_name, project=slot.project.title), "success")
            return redirect(url_for("jury.mission_letter", session_id=session.id, project_id=project_id)
                            + "#mentor")
    return _render_letter(session, slot, for_print=False, mentor_form=form, status=422)


@bp.route("/programmes/<int:programme_id>/mission-letter-template", methods=["GET", "POST"])
@login_required
def mission_letter_template(programme_id: int):
    if not can_manage_sessions(current_user):
        abort(403)
    programme = db.get_or_404(Programme, programme_id)
    form = MissionLetterTemplateForm()
    if request.method == "GET":
        form.template.data = letters.mission_letter_template(programme)
    status = 200
    if form.validate_on_submit():
        if form.save.data:
            try:
                letters.save_mission_letter_template(programme, form.template.data)
            except InvalidData as exc:
                apply_errors(form, exc)
            else:
                db.session.commit()
                flash(_("The mission letter template is saved."), "success")
                return redirect(url_for("jury.mission_letter_template", programme_id=programme.id))
        else:
            unknown = letters.unknown_placeholders(form.template.data or "")
            if unknown:
                form.template.errors = [*form.template.errors, _(
                    "Unknown placeholder(s): %(names)s.", names=", ".join(f"${{{n}}}" for n in unknown))]
    if form.errors:
        status = 422
    return render_template(
        "jury/mission_letter_template.html",
        programme=programme,
        form=form,
        preview=letters.preview_mission_letter(programme, form.template.data or "", utcnow()),
        placeholders=letters.placeholder_help(),
        is_default=not (programme.mission_letter_template or "").strip(),
    ), status
