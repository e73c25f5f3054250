"""Jury day: pitch sessions, juries, conflicts of interest, scoring grids, deliberation, decisions."""

from flask import Blueprint

bp = Blueprint("jury", __name__, url_prefix="/jury")

from . import documents, views  # noqa: E402,F401
