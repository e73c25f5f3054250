"""Forms of the administration area: one class per action."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import EMAIL_SHAPE
from ..models import ROLES

MIN_PASSWORD_LENGTH = 12

ROLE_LABELS = {
    "agent": _l("Agent"),
    "coach": _l("Coach"),
    "staff": _l("Programme team"),
    "jury": _l("Jury"),
    "admin": _l("Administrator"),
}


class RolesField(SelectMultipleField):
    """The known roles as checkboxes; templates render it as a fieldset (render_checkboxes)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = [(role, ROLE_LABELS[role]) for role in ROLES]


# The forms share these fields; factories rather than a base class keep each form's fields in
# page order, which is the order of its error summary.
def _name_field():
    return StringField(_l("Name"), validators=[
        DataRequired(_l("Enter the person's name.")), Length(max=200)])


def _service_field():
    return StringField(_l("Service (direction)"), validators=[Length(max=200)])


def _title_field():
    return StringField(_l("Job title"), validators=[Length(max=200)])


def _roles_field():
    return RolesField(
        _l("Roles"), description=_l("What the person may do. Several roles may be combined."),
        validators=[DataRequired(_l("Choose at least one role."))])


def _password_length():
    return Length(min=MIN_PASSWORD_LENGTH, max=200, message=_l(
        "The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))


class NewUserForm(FlaskForm):
    email = EmailField(_l("E-mail address"), description=_l("The person logs in with this address."),
                       validators=[DataRequired(_l("Enter an e-mail address.")), Length(max=254),
                                   Regexp(EMAIL_SHAPE, message=_l("Enter a valid e-mail address."))])
    name = _name_field()
    service = _service_field()
    title = _title_field()
    roles = _roles_field()
    password = PasswordField(_l("Initial password"), description=_l(
        "At least %(n)d characters. Give it to the person through another channel than e-mail.",
        n=MIN_PASSWORD_LENGTH), validators=[DataRequired(_l("Enter a password.")), _password_length()])
    password_confirm = PasswordField(_l("Initial password, again"), validators=[
        DataRequired(_l("Type the password again.")),
        EqualTo("password", message=_l("The two passwords are different."))])


class EditUserForm(FlaskForm):
    name = _name_field()
    service = _service_field()
    title = _title_field()
    roles = _roles_field()
    active = BooleanField(_l("Active account"), description=_l(
        "A deactivated account can no longer log in nor use the API; its projects and history are kept."))
    password = PasswordField(_l("New password"), description=_l(
        "Leave both fields empty to keep the current password. At least %(n)d characters.",
        n=MIN_PASSWORD_LENGTH), validators=[Optional(), _password_length()])
    password_confirm = PasswordField(_l("New password, again"))

    def validate_password_confirm(self, field):
        if (self.password.data or field.data) and field.data != self.password.data:
            raise ValidationError(_l("The two passwords are different."))
