"""Forms of the jury pages: one class per action; the running order, grid and score sheet follow the data."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import FieldList
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import LocalDateTimeField


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes; templates render it as a fieldset (render_checkboxes)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SessionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("A title is required.")), Length(max=200)])
    starts_at = LocalDateTimeField(_l("Pitches start at"), validators=[
        InputRequired(_l("Enter a date and time."))])
    place = StringField(_l("Place"), validators=[Length(max=200)])
    coaching_at = LocalDateTimeField(_l("Coaching starts at"), validators=[Optional()], description=_l(
        "The teams' coaching morning, before the pitches."))
    coaching_place = StringField(_l("Place of the coaching"), validators=[Length(max=200)])
    minutes_per_pitch = IntegerField(_l("Minutes per pitch"), default=15, validators=[
        InputRequired(_l("Enter a number of minutes.")),
        NumberRange(min=1, max=240, message=_l("Between %(min)d and %(max)d minutes."))],
        description=_l("Questions included: the running order's times follow from it."))
    share_scores = BooleanField(_l("Share the criterion averages with the teams"), description=_l(
        "Once the deliberation is closed, each team sees its average on each criterion."))


class NewSessionForm(SessionForm):
    projects = CheckboxesField(_l("Projects taking part"), coerce=int, description=_l(
        "The call's shortlisted projects, in alphabetical order; the running order can change later."))


def running_order_form_class(slots, addable) -> type[FlaskForm]:
    """One position per project in the order; boxes to remove undecided ones and to add eligible ones."""
    attrs: dict = {}
    for slot in slots:
        attrs[f"position-{slot.project_id}"] = IntegerField(
            _l("Position of %(title)s", title=slot.project.title), default=slot.position + 1,
            validators=[InputRequired(_l("Enter a position.")), NumberRange(min=1, max=1000)])
    attrs["remove"] = CheckboxesField(_l("Remove from the running order"), coerce=int,
                                      choices=[SelectChoice(s.project_id, s.project.title) for s in slots
                                               if s.decision is None])
    attrs["add"] = CheckboxesField(_l("Add to the running order"), coerce=int,
                                   choices=[SelectChoice(p.id, p.title) for p in addable])
    return type("RunningOrderForm", (FlaskForm,), attrs)


class AppointJurorForm(FlaskForm):
    user = SelectField(_l("Jury member"), coerce=int, validators=[DataRequired(_l("Choose a person."))])
    chair = BooleanField(_l("Chair of the jury"))


class DrawForm(FlaskForm):
    size = IntegerField(_l("Number of agents to draw"), default=3, validators=[
        InputRequired(_l("Enter a number.")), NumberRange(min=1, max=50, message=_l("Between 1 and 50."))])
    seed = StringField(_l("Seed"), validators=[Optional(), Length(max=64)], description=_l(
        "Leave empty for a random one; give one to replay a draw made elsewhere."))


class AbsentForm(FlaskForm):
    note = StringField(_l("Note on the absence"), validators=[Length(max=500)])


class ReplaceForm(FlaskForm):
    user = SelectField(_l("Replacement"), coerce=int, validators=[InputRequired(_l("Choose a replacement."))])


class ConflictForm(FlaskForm):
    reason = TextAreaField(_l("Why"), validators=[
        DataRequired(_l("Say why: the minutes record it.")), Length(max=2000)], description=_l(
        "For example: you work with the team, or the project concerns your service. The minutes record it."))


class ScoreSheetForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Length(max=5000)])
    action = StringField()  # which button: "draft" or "submit"

    criterion_fields: list[tuple[str, object]] = []

    @property
    def submitting(self) -> bool:
        return self.action.data == "submit"

    def values(self) -> dict[int, int | None]:
        return {criterion.id: getattr(self, name).data for name, criterion in self.criterion_fields}


def score_form_class(criteria) -> type[ScoreSheetForm]:
    """The score sheet for one grid: a radio group per criterion, named `criterion-<id>`."""
    attrs: dict = {}
    fields = []
    for criterion in criteria:
        name = f"criterion-{criterion.id}"
        attrs[name] = RadioField(
            criterion.name, description=criterion.description, coerce=int, validate_choice=False,
            choices=[SelectChoice(v, str(v)) for v in range(criterion.scale_min, criterion.scale_max + 1)],
            validators=[Optional()])
        fields.append((name, criterion))
    attrs["criterion_fields"] = fields
    return type("CallScoreSheetForm", (ScoreSheetForm,), attrs)


class NotesForm(FlaskForm):
    notes = TextAreaField(_l("Notes of the deliberation"), validators=[Length(max=20000)], description=_l(
        "What was said, the arguments weighed. The minutes record them."))


class DecisionForm(FlaskForm):
    event = RadioField(_l("Decision"), validators=[InputRequired(_l("Choose a decision."))])
    rationale = TextAreaField(_l("Rationale"), validators=[
        DataRequired(_l("Give the rationale: the team reads it.")), Length(max=5000)], description=_l(
        "The team reads it in its project's history."))
    override_reason = TextAreaField(_l("Reason for deciding before every juror has scored"),
                                    validators=[Length(max=2000)])


class CriterionRowForm(Form):
    """One row of the grid; a row with neither name nor description is ignored."""

    name = StringField(_l("Criterion"), validators=[Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=1000)])
    weight = IntegerField(_l("Weight"), default=1, validators=[Optional(), NumberRange(min=1, max=100)])
    scale_min = IntegerField(_l("Scale from"), default=1, validators=[Optional(), NumberRange(min=0, max=100)])
    scale_max = IntegerField(_l("Scale to"), default=5, validators=[Optional(), NumberRange(min=1, max=100)])

    @property
    def is_empty(self) -> bool:
        return not ((self.name.data or "").strip() or (self.description.data or "").strip())


class CriteriaForm(FlaskForm):
    criteria = FieldList(FormField(CriterionRowForm), min_entries=0, max_entries=30)
