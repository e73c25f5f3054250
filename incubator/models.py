"""The database tables: accounts, programmes, calls, projects and their history."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .clock import utcnow
from .extensions import db

ROLES = ("agent", "coach", "staff", "jury", "admin")
# Pau: one day a week per agent in pre-incubation; startup mode is settled case by case.
DEFAULT_TIME_BUDGET = {"pre_incubation": 1.0}


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC: the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _roles_check() -> str:
    return "role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    service: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    is_active_account: Mapped[bool] = mapped_column("active", Boolean, default=True)
    # How notifications reach the user by e-mail: immediate, weekly digest, none.
    email_frequency: Mapped[str] = mapped_column(String(12), default="immediate")
    locale: Mapped[str] = mapped_column(String(5), default="fr")  # language of e-mails
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<User {self.email}>"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    def set_roles(self, roles) -> None:
        wanted = set(roles)
        unknown = wanted - set(ROLES)
        if unknown:
            raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}")
        self.role_rows = [r for r in self.role_rows if r.role in wanted] + [
            UserRole(role=r) for r in sorted(wanted - self.roles)
        ]

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def display_name(self) -> str:
        return self.name or self.email


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint(_roles_check(), name="known_role"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(db.Model):
    """An API token; only its SHA-256 is stored (the token itself is random and long)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class Programme(db.Model):
    """An intrapreneurship programme of one organisation; its calls follow each other."""

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    organisation: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # Markdown with ${placeholders}; empty means the default letter (incubator/jury/letters.py).
    mission_letter_template: Mapped[str] = mapped_column(Text, default="")
    # Days a week each team member gives the project, per phase: {"pre_incubation": 1.0}.
    time_budget: Mapped[dict[str, float]] = mapped_column(JSON, default=lambda: dict(DEFAULT_TIME_BUDGET))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Call(db.Model):
    """A call for proposals; it is open because of its dates, never because of a flag."""

    __tablename__ = "calls"
    __table_args__ = (CheckConstraint("closes_at > opens_at", name="closes_after_opening"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    workflow: Mapped[str] = mapped_column(String(50))
    # Questions asked on top of the fixed ones (title, problem, proposal, service, team):
    # a list of {"key", "label", "required"}.
    questionnaire: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    programme: Mapped[Programme] = relationship()

    def is_open(self, at: datetime | None = None) -> bool:
        at = at or utcnow()
        return self.opens_at <= at < self.closes_at

    def status(self, at: datetime | None = None) -> str:
        at = at or utcnow()
        if at < self.opens_at:
            return "upcoming"
        return "open" if at < self.closes_at else "closed"


class Project(db.Model):
    __tablename__ = "projects"
    __table_args__ = (Index("ix_projects_call_state", "call_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"))
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text, default="")
    proposal: Mapped[str] = mapped_column(Text, default="")
    service: Mapped[str] = mapped_column(String(200), default="")
    answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Written only by the workflow engine (incubator.workflows.engine.fire).
    state: Mapped[str] = mapped_column(String(40), index=True)
    state_before_hold: Mapped[str | None] = mapped_column(String(40))
    phase: Mapped[str | None] = mapped_column(String(40))
    phase_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clock_stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who carries the project on after its outcome: the service, the association...
    taken_over_by: Mapped[str] = mapped_column(String(200), default="")
    # One of incubator.themes.THEMES, or None: the learnings search and the catalogue filter on it.
    theme: Mapped[str | None] = mapped_column(String(40), index=True)
    # Open data: the programme team publishes a project; only then is it in the public catalogue,
    # with the summary written for the public (never the team's own texts unreviewed).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    public_summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    # A senior manager who sponsors a selected project (Nantes: a deputy director general).
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    call: Mapped[Call] = relationship()
    mentor: Mapped[User | None] = relationship(foreign_keys=[mentor_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    members: Mapped[list[ProjectMember]] = relationship(
        back_populates="project", cascade="all, delete-orphan",
        order_by="(ProjectMember.added_at, ProjectMember.user_id)",
    )
    coaches: Mapped[list[ProjectCoach]] = relationship(
        back_populates="project", cascade="all, delete-orphan"
    )
    history: Mapped[list[ProjectEvent]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectEvent.id"
    )

    @property
    def workflow(self) -> str:
        return self.call.workflow

    def has_member(self, user) -> bool:
        return any(m.user_id == user.id for m in self.members)

    def is_coached_by(self, user) -> bool:
        return any(c.user_id == user.id for c in self.coaches)


class ProjectMember(db.Model):
    """An agent on a project's team."""

    __tablename__ = "project_members"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The member agreed that their name appears with the project in the public catalogue.
    # Only they may give or withdraw it; without it the open data never names them.
    name_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    project: Mapped[Project] = relationship(back_populates="members")
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class ProjectCoach(db.Model):
    """A coach assigned to a project."""

    __tablename__ = "project_coaches"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[Project] = relationship(back_populates="coaches")
    user: Mapped[User] = relationship()


class ProjectEvent(db.Model):
    """One fired workflow event: the project's history, written with the state change."""

    __tablename__ = "project_events"
    __table_args__ = (Index("ix_project_events_project_at", "project_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")

    project: Mapped[Project] = relationship(back_populates="history")
    actor: Mapped[User | None] = relationship()


__all__ = [
    "ROLES", "ApiToken", "Call", "Programme", "Project", "ProjectCoach", "ProjectEvent",
    "ProjectMember", "User", "UserRole",
]
