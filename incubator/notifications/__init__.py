"""Notifications: the inbox, e-mail (immediate or weekly digest) and the timers that send reminders."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from . import views  # noqa: E402,F401  (routes register on import)
