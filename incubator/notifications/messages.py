"""What each kind of notification says, written at reading time in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale, format_date, format_datetime, ngettext
from flask_babel import gettext as _

from ..workflows import get_definition
from ..workflows.registry import all_definitions


@dataclass
class Message:
    subject: str
    body: str
    link: str  # absolute URL


def public_url(path: str) -> str:
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    return base + path if path else base + "/"


def _day(value: str | None) -> str:
    return format_date(date.fromisoformat(value), "long") if value else ""


def _moment(value: str | None) -> str:
    return format_datetime(datetime.fromisoformat(value), "d MMMM y HH:mm") if value else ""


def _state(workflow: str | None, state: str | None, locale: str) -> str:
    try:
        return get_definition(workflow).states[state].label(locale)
    except (LookupError, TypeError):
        for definition in all_definitions():
            if state in definition.states:
                return definition.states[state].label(locale)
        return state or ""


def _phase(workflow: str | None, phase: str | None, locale: str) -> str:
    try:
        return get_definition(workflow).phases[phase].label(locale)
    except (LookupError, TypeError):
        return phase or ""


def _text(kind: str, p: dict, locale: str) -> tuple[str, str]:
    project = p.get("project", "")
    if kind == "state_changed":
        subject = _("“%(project)s” is now: %(state)s", project=project,
                    state=_state(p.get("workflow"), p.get("to_state"), locale))
        body = _("%(actor)s recorded this step on %(when)s.", actor=p.get("actor") or _("The programme team"),
                 when=_moment(p.get("at")))
        if p.get("comment"):
            body += "\n\n" + _("Their note:") + "\n" + p["comment"]
        return subject, body
    if kind == "log_missing":
        return (_("Weekly log missing for “%(project)s”", project=project),
                _("Nobody has written the log of the week of %(day)s (%(week)s) for “%(project)s”. "
                  "A few lines are enough: what was done, what was learnt, what blocks.",
                  day=_day(p.get("monday")), week=p.get("week", ""), project=project))
    if kind == "log_missing_twice":
        return (_("Two weeks without a log for “%(project)s”", project=project),
                _("The logs of the weeks of %(first)s and %(second)s are missing for “%(project)s”. "
                  "The programme team may want to check on the project.",
                  first=_day(p.get("previous_monday")), second=_day(p.get("monday")), project=project))
    if kind == "call_closing":
        return (_("The call “%(call)s” closes in 3 days", call=p.get("call", "")),
                _("The call closes on %(when)s. Your draft “%(project)s” is not submitted yet: "
                  "submit it before then, or it cannot be.", when=_moment(p.get("closes_at")),
                  project=project))
    if kind == "call_closed_team":
        return (_("The call “%(call)s” is closed", call=p.get("call", "")),
                _("The call closed on %(when)s. Your draft “%(project)s” was not submitted and can "
                  "no longer be.", when=_moment(p.get("closes_at")), project=project))
    if kind == "call_closed_staff":
        count = int(p.get("count", 0))
        return (ngettext("The call “%(call)s” is closed: %(num)d proposal to review",
                         "The call “%(call)s” is closed: %(num)d proposals to review", count,
                         call=p.get("call", "")),
                ngettext("Submissions are locked since %(when)s. %(num)d proposal waits for the pre-selection.",
                         "Submissions are locked since %(when)s. %(num)d proposals wait for the pre-selection.",
                         count, when=_moment(p.get("closes_at"))))
    if kind == "review_due":
        return (_("Phase review due for “%(project)s”", project=project),
                _("The %(phase)s review of “%(project)s” is due on %(when)s. Its evidence summary is "
                  "on the review page.", phase=_phase(p.get("workflow"), p.get("phase"), locale),
                  project=project, when=_moment(p.get("due_at"))))
    if kind == "digest":
        return (ngettext("Your week on Incubateur: %(num)d notification",
                         "Your week on Incubateur: %(num)d notifications", len(p.get("items", []))),
                "\n".join(f"- {item}" for item in p.get("items", [])))
    return kind, ""


def compose(kind: str, params: dict, link: str, locale: str) -> Message:
    with force_locale(locale or "fr"):
        subject, body = _text(kind, params or {}, locale or "fr")
        subject = " ".join(subject.split())  # a title typed with a line break must not break the header
        url = public_url(link) if link else ""
        text = body
        if url:
            text += "\n\n" + _("Open it: %(url)s", url=url)
        text += "\n\n-- \n" + _("Incubateur. You get this e-mail because of your notification "
                                  "settings: %(url)s", url=public_url("/account/preferences"))
    return Message(subject=subject, body=text, link=url)


def title(notification, locale: str) -> tuple[str, str]:
    """The inbox line: subject and body, in the reader's language."""
    with force_locale(locale or "fr"):
        return _text(notification.kind, notification.params or {}, locale or "fr")
