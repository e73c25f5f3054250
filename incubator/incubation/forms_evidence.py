"""Forms of the evidence pages: a piece of user-validation evidence, files added later, a phase review.

The business checks (a known method, a date not in the future, a file's size and type) live in
incubator.incubation.operations; these forms carry the input and the CSRF token, and show the
errors the operations name.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from .models import VALIDATION_METHODS, VERDICTS

METHOD_LABELS = {
    "interviews": _l("Interviews"),
    "prototype_test": _l("Prototype test"),
    "pilot": _l("Pilot"),
    "survey": _l("Survey"),
    "usage_data": _l("Usage data"),
}
VERDICT_LABELS = {
    "validated": _l("Validated"),
    "not_validated": _l("Not validated"),
    "mixed": _l("Mixed"),
}


class Marked:
    """Marks a field as required (its label says so); incubator.incubation.operations checks it."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        pass


class ValidationForm(FlaskForm):
    method = SelectField(_l("How users were consulted"), validate_choice=False, validators=[Marked()],
                         choices=[SelectChoice("", _l("Choose a method"))]
                         + [SelectChoice(m, METHOD_LABELS[m]) for m in VALIDATION_METHODS])
    users_count = StringField(_l("Number of users consulted"), validators=[Marked()])
    held_on = StringField(_l("Date"), validators=[Marked()],
                          description=_l("The day of the interviews, the test or the end of the survey."))
    verdict = RadioField(_l("Verdict"), validate_choice=False, validators=[Marked()],
                         choices=[SelectChoice(v, VERDICT_LABELS[v]) for v in VERDICTS])
    notes = TextAreaField(_l("Notes"), description=_l(
        "What users said and did, what surprised you. Markdown is accepted."))
    iteration_id = SelectField(_l("Linked iteration"), validate_choice=False, choices=[])
    files = MultipleFileField(_l("Attach files"))


class AttachmentForm(FlaskForm):
    files = MultipleFileField(_l("Add files"))


class ReviewForm(FlaskForm):
    # Choices are the review decisions the viewer may take now; the engine has the last word.
    event = RadioField(_l("Decision"), validate_choice=False, choices=[],
                       validators=[DataRequired(_l("Choose a decision."))])
    comment = TextAreaField(_l("Rationale"), description=_l(
        "Why this decision, on what evidence. Recorded in the project's history, which the team reads."),
        validators=[DataRequired(_l("Give the rationale of the decision.")), Length(max=5000)])
    taken_over_by = StringField(_l("Taken over by"), description=_l(
        "For an outcome: the service that integrates it, the association that runs it."),
        validators=[Length(max=200)])
