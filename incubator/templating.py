"""Jinja helpers: Markdown, dates in Paris time, workflow labels, the language switch."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, request
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user

from .config import LANGUAGES
from .markdown import render_markdown
from .policy import can_manage_users
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


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["date"] = lambda v, fmt="medium": format_date(v, fmt) if v else ""
    app.jinja_env.filters["datetime"] = lambda v, fmt="medium": format_datetime(v, fmt) if v else ""
    app.jinja_env.filters["isodate"] = lambda v: v.isoformat() if isinstance(v, datetime) else ""
    app.jinja_env.globals.update(
        state_label=state_label,
        event_label=event_label,
        state_tone=state_tone,
        LANGUAGES=LANGUAGES,
    )

    @app.context_processor
    def inject():
        return {
            "current_locale": locale_code(),
            "current_user": current_user,
            "current_path": request.full_path.rstrip("?") if request else "/",
            "can_manage_users": can_manage_users(current_user),
        }
