"""Jury day tables: pitch sessions, jurors and their draw, conflicts, the scoring grid, scores, decisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from ..models import Call, Project, User, UTCDateTime

JUROR_KINDS = ("appointed", "drawn", "replacement")


class Criterion(db.Model):
    """One line of a call's scoring grid."""

    __tablename__ = "criteria"
    __table_args__ = (
        CheckConstraint("scale_max > scale_min", name="scale_order"),
        CheckConstraint("weight > 0", name="positive_weight"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[int] = mapped_column(Integer, default=1)
    scale_min: Mapped[int] = mapped_column(Integer, default=1)
    scale_max: Mapped[int] = mapped_column(Integer, default=5)

    call: Mapped[Call] = relationship()


class PitchSession(db.Model):
    """A jury day: the coaching morning, then the pitches, the scores and the deliberation."""

    __tablename__ = "pitch_sessions"
    __table_args__ = (CheckConstraint("minutes_per_pitch > 0", name="positive_pitch_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    coaching_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    coaching_place: Mapped[str] = mapped_column(String(200), default="")
    minutes_per_pitch: Mapped[int] = mapped_column(Integer, default=15)
    share_scores: Mapped[bool] = mapped_column(Boolean, default=False)  # teams see criterion means
    deliberation_notes: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    call: Mapped[Call] = relationship()
    slots: Mapped[list[PitchSlot]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="PitchSlot.position")
    jurors: Mapped[list[Juror]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="Juror.id")
    draws: Mapped[list[JuryDraw]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="JuryDraw.id")

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class PitchSlot(db.Model):
    """A project's place in the running order, and the jury's decision on it."""

    __tablename__ = "pitch_slots"
    __table_args__ = (UniqueConstraint("session_id", "project_id", name="session_project"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("pitch_sessions.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    decision: Mapped[str | None] = mapped_column(String(40))  # the workflow event the jury fired
    rationale: Mapped[str] = mapped_column(Text, default="")
    override_reason: Mapped[str] = mapped_column(Text, default="")  # the chair's, when scores were missing
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    session: Mapped[PitchSession] = relationship(back_populates="slots")
    project: Mapped[Project] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class JuryDraw(db.Model):
    """A random draw of jurors, recorded so that anyone can re-run it: pool, seed, size, time."""

    __tablename__ = "jury_draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("pitch_sessions.id", ondelete="CASCADE"), index=True)
    seed: Mapped[str] = mapped_column(String(64))
    pool: Mapped[list[int]] = mapped_column(JSON)  # eligible user ids, sorted
    excluded: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # user id -> why
    size: Mapped[int] = mapped_column(Integer)
    drawn: Mapped[list[int]] = mapped_column(JSON)  # in drawing order
    purpose: Mapped[str] = mapped_column(String(20), default="jury")  # jury or replacement
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    session: Mapped[PitchSession] = relationship(back_populates="draws")
    drawn_by: Mapped[User | None] = relationship()


class Juror(db.Model):
    __tablename__ = "jurors"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id", name="session_user"),
        CheckConstraint("kind IN ('appointed', 'drawn', 'replacement')", name="known_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("pitch_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="appointed")
    title: Mapped[str] = mapped_column(String(200), default="")  # as it stood on the day
    is_chair: Mapped[bool] = mapped_column(Boolean, default=False)
    absent: Mapped[bool] = mapped_column(Boolean, default=False)
    absence_note: Mapped[str] = mapped_column(Text, default="")
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("jurors.id", ondelete="SET NULL"))
    draw_id: Mapped[int | None] = mapped_column(ForeignKey("jury_draws.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[PitchSession] = relationship(back_populates="jurors")
    user: Mapped[User] = relationship()
    replaces: Mapped[Juror | None] = relationship(remote_side="Juror.id")
    draw: Mapped[JuryDraw | None] = relationship()
    conflicts: Mapped[list[Conflict]] = relationship(back_populates="juror", cascade="all, delete-orphan")


class Conflict(db.Model):
    """A declared conflict of interest: the juror does not score that project."""

    __tablename__ = "jury_conflicts"
    __table_args__ = (UniqueConstraint("juror_id", "project_id", name="uq_jury_conflicts_juror_project"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    juror_id: Mapped[int] = mapped_column(ForeignKey("jurors.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    juror: Mapped[Juror] = relationship(back_populates="conflicts")
    project: Mapped[Project] = relationship()


class ScoreSheet(db.Model):
    """One juror's scores for one project: private until the juror submits their own sheet."""

    __tablename__ = "score_sheets"
    __table_args__ = (UniqueConstraint("juror_id", "project_id", name="uq_score_sheets_juror_project"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    juror_id: Mapped[int] = mapped_column(ForeignKey("jurors.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    juror: Mapped[Juror] = relationship()
    project: Mapped[Project] = relationship()
    scores: Mapped[list[Score]] = relationship(back_populates="sheet", cascade="all, delete-orphan")


class Score(db.Model):
    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("sheet_id", "criterion_id", name="sheet_criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheets.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="CASCADE"), index=True)
    value: Mapped[int] = mapped_column(Integer)

    sheet: Mapped[ScoreSheet] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()


__all__ = ["JUROR_KINDS", "Conflict", "Criterion", "JuryDraw", "Juror", "PitchSession", "PitchSlot", "Score",
           "ScoreSheet"]
