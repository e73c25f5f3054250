"""The home page and the health check."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from . import views, workflow_views  # noqa: E402,F401
