"""Writing notifications: once per user and key, whoever asks and however often."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import current_app
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from ..clock import utcnow
from ..extensions import db
from ..models import User
from .models import Notification


def mail_enabled() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def email_state_for(user: User) -> str:
    if not mail_enabled() or not user.is_active_account or user.email_frequency == "none":
        return "off"
    return "digest" if user.email_frequency == "digest" else "pending"


def notify(users: Iterable[User], kind: str, key: str, *, params: dict, link: str = "",
           project_id: int | None = None, call_id: int | None = None,
           at: datetime | None = None, email_state: str | None = None, read: bool = False) -> int:
    """Write one notification per user unless that user already has one with this key; returns
    how many were written. Safe against a second process doing the same at the same moment."""
    at = at or utcnow()
    rows = []
    seen = set()
    for user in users:
        if user is None or user.id in seen or not user.is_active_account:
            continue
        seen.add(user.id)
        rows.append({"user_id": user.id, "key": key[:200], "kind": kind, "params": params, "link": link,
                     "project_id": project_id, "call_id": call_id, "created_at": at,
                     "email_state": email_state_for(user) if email_state is None or not mail_enabled()
                     else email_state,
                     "email_attempts": 0, "read_at": at if read else None})
    if not rows:
        return 0
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    # RETURNING counts the rows written on both databases (psycopg's rowcount does not, here).
    written = db.session.execute(
        insert(Notification).values(rows).on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(Notification.id)
    ).all()
    return len(written)


def apply_frequency(user, frequency: str) -> None:
    """The e-mails not sent yet follow the new choice: none cancels them, the digest gathers them
    for Monday, immediate sends them at the next round. Those being sent are left alone."""
    if frequency == user.email_frequency:
        return
    waiting = {"none": ("pending", "digest"), "digest": ("pending",), "immediate": ("digest",)}[frequency]
    state = {"none": "off", "digest": "digest", "immediate": "pending"}[frequency]
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.email_state.in_(waiting))
        .values(email_state=state)
    )
    user.email_frequency = frequency
