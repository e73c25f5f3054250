"""Forms of the open-data area: one class per action."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..themes import theme_choices
from .operations import SUMMARY_MAX


class PublishForm(FlaskForm):
    """Publish a project, update what it publishes, or take it out of the catalogue."""

    summary = TextAreaField(
        _l("Public summary"),
        description=_l("Written for the public: the problem, what was tested and what came of it. Markdown is "
                       "accepted. Name nobody and give no contact details: the team members who agree are "
                       "named in a list of their own."),
        validators=[Length(max=SUMMARY_MAX, message=_l("At most %(max)d characters."))])
    theme = SelectField(_l("Theme"), choices=lambda: theme_choices(blank=str(_l("No theme"))),
                        description=_l("Visitors filter the catalogue by theme."), validators=[Optional()])
    publish = SubmitField(_l("Publish"))
    unpublish = SubmitField(_l("Unpublish"))


class ProjectsCheckboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConsentForm(FlaskForm):
    """The member's choice, project by project: may the catalogue show their name with it?"""

    projects = ProjectsCheckboxes(
        _l("Show my name with these projects in the public catalogue"), coerce=int, validate_choice=True,
        validators=[Optional()])
