"""Notifications (the inbox and its e-mail), and timers: deadlines kept as rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from ..models import User, UTCDateTime

# What happens to a notification's e-mail: not sent (the user chose none, or no SMTP is set),
# waiting to go, being sent, waiting for the weekly digest, gone, or given up on.
EMAIL_STATES = ("off", "pending", "sending", "digest", "sent", "failed")
EMAIL_FREQUENCIES = ("immediate", "digest", "none")


class Notification(db.Model):
    """One message to one user. `key` makes it unique: the same reminder is never written twice."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "key", name="one_notification_per_key"),
        CheckConstraint("email_state IN (" + ", ".join(f"'{s}'" for s in EMAIL_STATES) + ")",
                        name="known_email_state"),
        Index("ix_notifications_user_read", "user_id", "read_at"),
        Index("ix_notifications_email_state", "email_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    # What the message needs to be written in the reader's language (titles, dates, counts).
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(300), default="")  # a path inside the app
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_state: Mapped[str] = mapped_column(String(12), default="off")
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Timer(db.Model):
    """A deadline: when it falls due, `incubator tick` processes it once and writes `done_at`."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_pending", "done_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(300), default="")


class TickRun(db.Model):
    """One run of `incubator tick`: the instant it processed and what it did."""

    __tablename__ = "tick_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timers: Mapped[int] = mapped_column(Integer, default=0)
    notifications: Mapped[int] = mapped_column(Integer, default=0)
    emails: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)


__all__ = ["EMAIL_FREQUENCIES", "EMAIL_STATES", "Notification", "TickRun", "Timer"]
