"""Forms of the projects area: one class per action; the proposal form follows the call's questions."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..forms import EMAIL_SHAPE
from ..models import Call
from ..themes import theme_choices


class ProposalForm(FlaskForm):
    title = StringField(_l("Title of the project"), validators=[
        DataRequired(_l("A title is required.")), Length(max=200)])
    problem = TextAreaField(_l("The field problem"), description=_l(
        "What goes wrong on the ground, as you see it. Markdown is accepted."),
        validators=[Length(max=20000)])
    proposal = TextAreaField(_l("Your proposal"), description=_l(
        "How you would fix it. No specifications: the solution will change with its users."),
        validators=[Length(max=20000)])
    service = StringField(_l("Your service (direction)"), validators=[Length(max=200)])
    theme = SelectField(_l("Theme"), choices=lambda: theme_choices(blank=str(_l("No theme yet"))),
                        description=_l("Helps others find what your project learnt."),
                        validators=[Optional()])

    question_fields: list[tuple[str, dict]] = []

    def answers(self) -> dict[str, str]:
        return {q["key"]: getattr(self, name).data or "" for name, q in self.question_fields}


def project_form_class(call: Call, with_team: bool = False) -> type[ProposalForm]:
    """The proposal form for one call: the fixed fields, then the call's own questions."""
    attrs: dict = {}
    fields = []
    for index, question in enumerate(call.questionnaire or []):
        name = f"q_{index}"
        attrs[name] = TextAreaField(
            question["label"],
            description=_l("Required to submit.") if question.get("required") else None,
            validators=[Length(max=20000)],
        )
        fields.append((name, question))
    if with_team:
        attrs["team"] = TextAreaField(_l("Teammates"), description=_l(
            "The e-mail addresses of the agents who carry the project with you (typically 1 or 2), "
            "separated by commas or new lines. You are on the team already."),
            validators=[Optional(), Length(max=2000)])
    attrs["question_fields"] = fields
    return type("CallProposalForm", (ProposalForm,), attrs)


class EventForm(FlaskForm):
    event = HiddenField(validators=[DataRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=5000)])
    # Required by the engine for an outcome that someone takes over (integrate, scale, spin off).
    taken_over_by = StringField(_l("Taken over by"), validators=[Optional(), Length(max=200)])


class AddMemberForm(FlaskForm):
    email = StringField(_l("E-mail address of the teammate"), validators=[
        DataRequired(_l("Enter an e-mail address.")),
        Regexp(EMAIL_SHAPE, message=_l("Enter a valid e-mail address."))])


class AssignCoachForm(FlaskForm):
    coach = SelectField(_l("Coach"), coerce=int, validators=[DataRequired(_l("Choose a coach."))])


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change something."""
