"""`incubator search ...`: maintenance of the search index."""

import click

from ..extensions import db
from . import bp


@bp.cli.command("reindex", help="Rebuild every search document from the database.")
def reindex_command():
    from .index import reindex

    counts = reindex(db.session)
    db.session.commit()
    click.echo("search index rebuilt: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
