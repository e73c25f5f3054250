"""The learnings search: full text across problems, proposals, iterations, validations, logs and decisions."""

from flask import Blueprint

bp = Blueprint("search", __name__, url_prefix="/search")


@bp.record_once
def _keep_index_in_step(state) -> None:
    from .index import register_listeners

    register_listeners()


from . import commands, models, views  # noqa: E402,F401
