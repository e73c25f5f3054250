"""Forms of the jury's documents: naming a mentor, editing the mission letter template."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from .letters import TEMPLATE_MAX_LENGTH


class AssignMentorForm(FlaskForm):
    mentor = SelectField(_l("Mentor"), coerce=int, validators=[DataRequired(_l("Choose a mentor."))],
                         description=_l("A member of the jury or of the programme team; in Nantes, a deputy "
                                        "director general. The mission letter is addressed to them."))


class MissionLetterTemplateForm(FlaskForm):
    template = TextAreaField(_l("Template of the mission letter"), validators=[Length(max=TEMPLATE_MAX_LENGTH)],
                             description=_l("Markdown with placeholders such as ${project_title}. "
                                            "Leave it empty to use the default letter."))
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save the template"))
