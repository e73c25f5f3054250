"""Forms of the notifications area: the user's preferences (e-mail frequency and language)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired

from ..config import LANGUAGES
from .models import EMAIL_FREQUENCIES

LANGUAGE_NAMES = {"fr": "Français", "en": "English"}  # each in its own language, never translated


class PreferencesForm(FlaskForm):
    email_frequency = RadioField(
        _l("E-mail for my notifications"),
        choices=[SelectChoice("immediate", _l("Immediately")),
                 SelectChoice("digest", _l("Weekly digest (Monday morning)")),
                 SelectChoice("none", _l("No e-mail"))],
        validate_choice=False,  # AnyOf says it in our words
        validators=[InputRequired(_l("Choose how often you receive e-mail.")),
                    AnyOf(EMAIL_FREQUENCIES, message=_l("Choose one of the options offered."))],
    )
    locale = RadioField(
        _l("Language of my e-mails"),
        choices=[SelectChoice(code, LANGUAGE_NAMES.get(code, code)) for code in LANGUAGES],
        validate_choice=False,
        validators=[InputRequired(_l("Choose the language of your e-mails.")),
                    AnyOf(LANGUAGES, message=_l("Choose one of the languages offered."))],
    )
