"""JSON API v1: bearer tokens, JSON errors, the same services as the pages."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import incubation, jury, openapi, views  # noqa: E402,F401
