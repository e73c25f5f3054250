"""Jinja helpers: Markdown, dates in Paris time, workflow labels, the language switch."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, g, request
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user
from sqlalchemy import func, select

from .config import LANGUAGES
from .markdown import render_markdown
from .policy import can_manage_users, can_view_dashboard
from .themes import theme_label
from .workflows import get_definition


def locale_code() -> str:
    locale = get_locale()
    return locale.language if locale else "fr"


def state_label(workflow: str, state: str | None) -> str:
    if not state:
        return ""
    definition = get_definition(workflow)
    st = definition.states.get(state)
    return st.label(locale_code()) if st else state


def event_label(workflow: str, event: str) -> str:
    definition = get_definition(workflow)
    ev = definition.events.get(event)
    if ev:
        return ev.label(locale_code())
    if event == "create":
        from flask_babel import gettext

        return gettext("Draft created")
    return event


def state_tone(workflow: str, state: str) -> str:
    st = get_definition(workflow).states.get(state)
    return st.tone if st else "info"


def unread_notifications(user) -> int:
    """The user's unread notifications (the digest aside): one COUNT query per request at most."""
    if "unread_notifications" not in g:
        from .extensions import db
        from .notifications.models import Notification

        g.unread_notifications = db.session.scalar(
            select(func.count()).select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None),
                   Notification.kind != "digest")
        ) or 0
    return g.unread_notifications


def header_context() -> dict:
    """What the header shows to a logged-in user: the unread count and the coaching link."""
    if not current_user.is_authenticated:
        return {"unread_notifications": None, "show_coaching_link": False}
    return {
        "unread_notifications": unread_notifications(current_user),
        # The coaching page is for coaches and the programme team (and only once it exists).
        "show_coaching_link": current_user.has_role("coach", "staff", "admin")
        and "incubation.coaching" in current_app.view_functions,
    }


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["date"] = lambda v, fmt="medium": format_date(v, fmt) if v else ""
    app.jinja_env.filters["datetime"] = lambda v, fmt="medium": format_datetime(v, fmt) if v else ""
    app.jinja_env.filters["isodate"] = lambda v: v.isoformat() if isinstance(v, datetime) else ""
    app.jinja_env.globals.update(
        state_label=state_label,
        event_label=event_label,
        state_tone=state_tone,
        theme_label=theme_label,
        LANGUAGES=LANGUAGES,
    )

    @app.context_processor
    def inject():
        return {
            "current_locale": locale_code(),
            "current_user": current_user,
            "current_path": request.full_path.rstrip("?") if request else "/",
            "can_manage_users": can_manage_users(current_user),
            "can_view_dashboard": can_view_dashboard(current_user),
            **header_context(),
        }
