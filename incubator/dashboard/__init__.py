"""The programme dashboard: funnel, board, promotions' timelines, log compliance, what falls due."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from . import views  # noqa: E402,F401
