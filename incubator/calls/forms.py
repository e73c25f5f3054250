"""Forms of the calls area: one class per action."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ..forms import LocalDateTimeField


class CallForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("A title is required.")), Length(max=200)])
    description = TextAreaField(_l("Description"), description=_l(
        "What the call is for, who may answer, how it goes on. Markdown is accepted."))
    opens_at = LocalDateTimeField(_l("Opens on"), validators=[InputRequired(_l("Enter a date and time."))])
    closes_at = LocalDateTimeField(_l("Closes on"), validators=[InputRequired(_l("Enter a date and time."))])
    questionnaire = TextAreaField(_l("Additional questions"), description=_l(
        "One question per line; start a line with * to make the answer required. Title, problem, "
        "proposal, service and team are always asked."))

    def validate_closes_at(self, field):
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            from wtforms.validators import ValidationError

            raise ValidationError(_l("The call must close after it opens."))


class NewCallForm(CallForm):
    workflow = SelectField(_l("Workflow"), validators=[DataRequired()])
