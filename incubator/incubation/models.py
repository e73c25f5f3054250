"""The incubation ledger: what each week brought, what was tested, what users said, what changed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from ..models import Project, ProjectEvent, User, UTCDateTime

ITERATION_DECISIONS = ("persevere", "pivot", "stop")
VALIDATION_METHODS = ("interviews", "prototype_test", "pilot", "survey", "usage_data")
VERDICTS = ("validated", "not_validated", "mixed")


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def week_start(day: date) -> date:
    """The Monday of `day`'s ISO week."""
    return day - timedelta(days=day.weekday())


def week_label(monday: date) -> str:
    """`2026-W47`: the ISO week a log belongs to, as the API and URLs name it."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(text: str) -> date | None:
    """The Monday of an ISO week written `2026-W47`; None when it is not one."""
    try:
        monday = datetime.strptime(text + "-1", "%G-W%V-%u").date()
    except (ValueError, TypeError):
        return None
    # strptime rolls a week 53 the year lacks over into the next year: refuse it.
    return monday if week_label(monday) == text else None


class WeeklyLog(db.Model):
    """One project's week: written by its coach, the team may add; one per ISO week."""

    __tablename__ = "weekly_logs"
    __table_args__ = (
        UniqueConstraint("project_id", "week_start", name="one_log_per_week"),
        CheckConstraint("confidence BETWEEN 1 AND 5", name="confidence_1_to_5"),
        CheckConstraint("days_spent >= 0 AND days_spent <= 100", name="days_spent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column(Date)  # the Monday
    done: Mapped[str] = mapped_column(Text, default="")
    learnt: Mapped[str] = mapped_column(Text, default="")
    blockers: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    team_note: Mapped[str] = mapped_column(Text, default="")  # the team's own addition
    days_spent: Mapped[float] = mapped_column(Float, default=0)  # the team's days, all members
    confidence: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    @property
    def week(self) -> str:
        return week_label(self.week_start)


class Iteration(db.Model):
    """One test-and-learn loop: a hypothesis, an experiment with users, what it showed, a decision."""

    __tablename__ = "iterations"
    __table_args__ = (
        UniqueConstraint("project_id", "number", name="iteration_number_per_project"),
        CheckConstraint(_in("decision", ITERATION_DECISIONS), name="known_decision"),
        CheckConstraint("users_count IS NULL OR users_count >= 0", name="users_count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    hypothesis: Mapped[str] = mapped_column(Text)
    experiment: Mapped[str] = mapped_column(Text, default="")  # what is tried
    audience: Mapped[str] = mapped_column(Text, default="")  # with whom
    users_count: Mapped[int | None] = mapped_column(Integer)
    measure: Mapped[str] = mapped_column(Text, default="")
    target: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str] = mapped_column(Text, default="")
    learning: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str | None] = mapped_column(String(20))
    pivot_change: Mapped[str] = mapped_column(Text, default="")  # what changed, for a pivot
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class Validation(db.Model):
    """Evidence that users validate (or not) what the project does."""

    __tablename__ = "validations"
    __table_args__ = (
        CheckConstraint(_in("method", VALIDATION_METHODS), name="known_method"),
        CheckConstraint(_in("verdict", VERDICTS), name="known_verdict"),
        CheckConstraint("users_count >= 0", name="users_count_positive"),
        Index("ix_validations_project_held_on", "project_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    iteration_id: Mapped[int | None] = mapped_column(ForeignKey("iterations.id", ondelete="SET NULL"))
    method: Mapped[str] = mapped_column(String(20))
    users_count: Mapped[int] = mapped_column(Integer)
    held_on: Mapped[date] = mapped_column(Date)
    verdict: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[Project] = relationship()
    iteration: Mapped[Iteration | None] = relationship()
    author: Mapped[User | None] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="validation", cascade="all, delete-orphan", order_by="Attachment.id"
    )


class Attachment(db.Model):
    """A file kept with a piece of evidence; the bytes live under UPLOAD_FOLDER, never in static/."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    validation_id: Mapped[int] = mapped_column(ForeignKey("validations.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))  # as uploaded, cleaned
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    validation: Mapped[Validation] = relationship(back_populates="attachments")


class Indicator(db.Model):
    """An impact indicator a project declares (situations resolved, kits distributed...)."""

    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("project_id", "name", name="indicator_name_per_project"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(50), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    target: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[Project] = relationship()
    values: Mapped[list[IndicatorValue]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan", order_by="IndicatorValue.measured_on"
    )


class IndicatorValue(db.Model):
    __tablename__ = "indicator_values"
    __table_args__ = (UniqueConstraint("indicator_id", "measured_on", name="one_value_per_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    measured_on: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    indicator: Mapped[Indicator] = relationship(back_populates="values")


class PhaseReview(db.Model):
    """A phase review decided: when it was due, what was decided, by whom, on what evidence."""

    __tablename__ = "phase_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    phase: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decision: Mapped[str] = mapped_column(String(40))  # the event fired
    event_id: Mapped[int] = mapped_column(ForeignKey("project_events.id", ondelete="CASCADE"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    comment: Mapped[str] = mapped_column(Text, default="")
    # The evidence summary as it stood when deciding (incubator.incubation.summary).
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    project: Mapped[Project] = relationship()
    event: Mapped[ProjectEvent] = relationship()
    decided_by: Mapped[User | None] = relationship()


__all__ = [
    "ITERATION_DECISIONS", "VALIDATION_METHODS", "VERDICTS", "Attachment", "Indicator",
    "IndicatorValue", "Iteration", "PhaseReview", "Validation", "WeeklyLog", "parse_week",
    "week_label", "week_start",
]
