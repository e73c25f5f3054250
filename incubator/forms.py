"""Form pieces shared by several areas."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from wtforms import DateTimeLocalField

FORMAT = "%Y-%m-%dT%H:%M"
# Only the shape: intranets use domains (.local, .intra) that strict validators refuse.
EMAIL_SHAPE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])

class LocalDateTimeField(DateTimeLocalField):
    """A date and time typed in Paris time, stored and returned as aware UTC."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", FORMAT)
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = self.data.replace(tzinfo=local_zone()).astimezone(ZoneInfo("UTC"))

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        if isinstance(self.data, datetime):
            return self.data.astimezone(local_zone()).strftime(FORMAT)
        return ""



def apply_errors(form, error) -> None:
    """Show a service's InvalidData on the form's fields; what has no field becomes a flash."""
    from flask import flash

    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
        else:
            flash(message, "error")
