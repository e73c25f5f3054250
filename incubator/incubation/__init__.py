"""Incubation: weekly coaching logs, test-and-learn iterations, user-validation evidence,
impact indicators, phase reviews and the project timeline."""

from flask import Blueprint

bp = Blueprint("incubation", __name__)

from . import views_evidence, views_logs, views_portfolio  # noqa: E402,F401  (routes register on import)
