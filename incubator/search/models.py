"""The search documents: one plain-text row per searchable thing (a project, an iteration, a piece of
evidence, a week's log, a decision's reasons), which the full-text index is built on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import UTCDateTime

# What a document comes from; `ref_id` is that row's id (the project's own id for a project).
KINDS = ("project", "iteration", "validation", "log", "decision")


class SearchDocument(db.Model):
    """Kept in step with its source by the flush listener in `incubator.search.index`.

    The full-text index itself is not mapped: on SQLite an FTS5 table `search_fts` whose content is
    this table (kept in step by triggers), on PostgreSQL a generated `search_vector` column with a
    GIN index. Both are created by the migration; `index.include_name` hides them from autogenerate.
    """

    __tablename__ = "search_documents"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id", name="one_document_per_source"),
        CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")", name="known_kind"),
        Index("ix_search_documents_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    ref_id: Mapped[int]
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # plain text: Markdown already stripped
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the source last changed
