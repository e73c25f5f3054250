"""Forms of the ledger pages: weekly logs, iterations, indicators, the programme's time budget.

The services in operations.py check the values (and say what is wrong in the user's language);
these forms carry the fields, the CSRF token and the length limits a browser should respect.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

try:  # WTForms 3.3 deprecates choices given as tuples
    from wtforms.fields.choices import SelectChoice as _Choice
except ImportError:  # pragma: no cover - WTForms < 3.3
    def _Choice(value, label):  # noqa: N802
        return (value, label)

MARKDOWN_HINT = _l("Markdown is accepted (lists, **bold**, links).")
LONG = 20_000


class Needed:
    """Marks a field as required (label, `required` attribute); the service checks the value and
    says what is missing in the user's language."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        return None


def decimal_text(value: str | None) -> str:
    """What was typed, with a French decimal comma read as a point: "1,5" -> "1.5"."""
    return (value or "").strip().replace(",", ".")


class LogForm(FlaskForm):
    done = TextAreaField(_l("What was done"), description=MARKDOWN_HINT, validators=[Needed(), Length(max=LONG)])
    learnt = TextAreaField(_l("What was learnt"), validators=[Length(max=LONG)])
    blockers = TextAreaField(_l("Blockers"), validators=[Length(max=LONG)])
    next_steps = TextAreaField(_l("Next steps"), validators=[Length(max=LONG)])
    team_note = TextAreaField(_l("The team's note"), description=_l(
        "What the team adds in its own words."), validators=[Length(max=LONG)])
    days_spent = StringField(_l("Days spent by the team"), description=_l(
        "All team members together, this week; half days allowed (for example 1.5)."),
        validators=[Needed(), Length(max=20)])
    confidence = RadioField(_l("Confidence"), choices=[
        _Choice("1", _l("very low")), _Choice("2", _l("low")), _Choice("3", _l("medium")),
        _Choice("4", _l("high")), _Choice("5", _l("very high"))], validate_choice=False)


DECISION_CHOICES = [
    _Choice("", _l("Not decided yet")),
    _Choice("persevere", _l("Persevere")),
    _Choice("pivot", _l("Pivot")),
    _Choice("stop", _l("Stop")),
]


class IterationForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Needed(), Length(max=200)])
    hypothesis = TextAreaField(_l("Hypothesis"), description=_l(
        "What you believe and want to check: “Residents will report a problem if it takes less "
        "than a minute.”"), validators=[Needed(), Length(max=LONG)])
    experiment = TextAreaField(_l("Experiment"), description=_l("What is tried."),
                               validators=[Length(max=LONG)])
    audience = TextAreaField(_l("With whom"), validators=[Length(max=LONG)])
    users_count = StringField(_l("How many users"), validators=[Length(max=20)])
    measure = TextAreaField(_l("Measure"), description=_l("What you observe or count."),
                            validators=[Length(max=LONG)])
    target = TextAreaField(_l("Target"), description=_l("The result that would confirm the hypothesis."),
                           validators=[Length(max=LONG)])
    started_on = StringField(_l("Started on"), validators=[Needed(), Length(max=20)])
    ended_on = StringField(_l("Ended on"), validators=[Length(max=20)])
    result = TextAreaField(_l("Result"), description=_l("What happened, with figures."),
                           validators=[Length(max=LONG)])
    learning = TextAreaField(_l("Learning"), description=_l("Required once a decision is taken."),
                             validators=[Length(max=LONG)])
    decision = RadioField(_l("Decision"), choices=DECISION_CHOICES, default="", validate_choice=False)
    pivot_change = TextAreaField(_l("What changes (for a pivot)"), description=_l(
        "Required for a pivot: what the project changes (users, problem, solution, channel)."),
        validators=[Length(max=LONG)])


class IndicatorForm(FlaskForm):
    name = StringField(_l("Name of the indicator"), description=_l(
        "For example: situations resolved, kits distributed."), validators=[Needed(), Length(max=200)])
    unit = StringField(_l("Unit"), description=_l("For example: situations, kits, %."),
                       validators=[Length(max=50)])
    description = TextAreaField(_l("How it is measured"), validators=[Length(max=LONG)])
    target = StringField(_l("Target"), description=_l("A number, if the project has one."),
                         validators=[Length(max=30)])


class IndicatorValueForm(FlaskForm):
    measured_on = StringField(_l("Measured on"), validators=[Needed(), Length(max=20)])
    value = StringField(_l("Value"), validators=[Needed(), Length(max=30)])
    note = StringField(_l("Note"), validators=[Length(max=500)])


def _budget_value(form, field) -> None:
    text = decimal_text(field.data)
    if not text:
        return
    try:
        number = float(text)
    except ValueError:
        raise ValidationError(_l("A number is expected.")) from None
    if not (0 <= number <= 5):  # also refuses nan
        raise ValidationError(_l("Between 0 and 5 days a week."))


class TimeBudgetForm(FlaskForm):
    """One field per phase (`phase_<name>`), added by `time_budget_form_class`."""

    phase_fields: list[tuple[str, str]] = []  # (field name, phase name)

    def budget(self) -> dict[str, float]:
        """The phases given a number; an empty field means no budget for that phase."""
        result = {}
        for name, phase in self.phase_fields:
            text = decimal_text(getattr(self, name).data)
            if text:
                result[phase] = float(text)
        return result


def time_budget_form_class(phases: list[tuple[str, str]]) -> type[TimeBudgetForm]:
    """The settings form for these phases: [(phase name, label)]."""
    attrs: dict = {"phase_fields": []}
    for phase, label in phases:
        name = f"phase_{phase}"
        attrs[name] = StringField(label, validators=[_budget_value, Length(max=20)])
        attrs["phase_fields"].append((name, phase))
    return type("ProgrammeTimeBudgetForm", (TimeBudgetForm,), attrs)
