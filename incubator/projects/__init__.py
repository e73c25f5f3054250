"""Projects: the project page, editing, the team, coaches and workflow actions."""

from flask import Blueprint

bp = Blueprint("projects", __name__, url_prefix="/projects")

from . import views  # noqa: E402,F401
