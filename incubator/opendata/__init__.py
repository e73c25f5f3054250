"""Open data: the projects the programme chose to publish, as a public catalogue, CSV and JSON."""

from flask import Blueprint

bp = Blueprint("opendata", __name__, url_prefix="/open-data")

from . import views  # noqa: E402,F401
