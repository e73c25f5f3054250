"""Calls for proposals: creating and editing them, and their questionnaire."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import InvalidData
from ..extensions import db
from ..models import Call, Programme, User
from ..workflows import get_definition


def default_questionnaire() -> list[dict]:
    """Pau's questions, on top of the fixed ones (title, problem, proposal, service, team)."""
    return [
        {"key": "affected", "label": _("Who suffers from this problem?"), "required": True},
        {"key": "frequency", "label": _("How often does it happen?"), "required": True},
        {"key": "evidence", "label": _("What evidence do you have (facts, figures, testimonies)?"),
         "required": False},
    ]


def parse_questionnaire(text: str, previous: list[dict] | None = None) -> list[dict]:
    """One question a line; a leading `*` marks it required. Keys stay stable across edits.

    A label kept from `previous` keeps its key, wherever it moves; a new label never takes a key
    that `previous` used, or the answers given under that key would show under the new question.
    """
    known = {q["label"]: q["key"] for q in previous or []}
    reserved = set(known.values())
    questions: list[dict] = []
    used: set[str] = set()
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        required = line.startswith("*")
        label = line.lstrip("*").strip()
        if not label:
            continue
        key = known.get(label)
        if key is None or key in used:  # a new label, or a label given twice
            key = base = _slug(label) or "question"
            n = 2
            while key in used or key in reserved:
                key, n = f"{base}_{n}", n + 1
        used.add(key)
        questions.append({"key": key, "label": label, "required": required})
    return questions


def questionnaire_text(questions: list[dict]) -> str:
    return "\n".join(("* " if q.get("required") else "") + q["label"] for q in questions or [])


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")[:40]


def default_programme() -> Programme:
    programme = db.session.scalar(select(Programme).order_by(Programme.id).limit(1))
    if programme is None:
        programme = Programme(name=_("Intrapreneurship programme"))
        db.session.add(programme)
        db.session.flush()
    return programme


def _check_call(title: str, opens_at: datetime | None, closes_at: datetime | None, workflow: str):
    errors: dict[str, str] = {}
    if not (title or "").strip():
        errors["title"] = _("A title is required.")
    elif len(title) > 200:
        errors["title"] = _("At most %(n)d characters.", n=200)
    if opens_at is None:
        errors["opens_at"] = _("An opening date is required.")
    if closes_at is None:
        errors["closes_at"] = _("A closing date is required.")
    if opens_at and closes_at and closes_at <= opens_at:
        errors["closes_at"] = _("The call must close after it opens.")
    try:
        get_definition(workflow)
    except LookupError:
        errors["workflow"] = _("Unknown workflow.")
    if errors:
        raise InvalidData(errors)


def create_call(*, title: str, opens_at: datetime | None, closes_at: datetime | None,
                workflow: str = "pau", description: str = "", questionnaire: list[dict] | None = None,
                programme: Programme | None = None, author: User | None = None) -> Call:
    _check_call(title, opens_at, closes_at, workflow)
    call = Call(
        programme=programme or default_programme(),
        title=title.strip(),
        description=description or "",
        opens_at=opens_at,
        closes_at=closes_at,
        workflow=workflow,
        questionnaire=default_questionnaire() if questionnaire is None else questionnaire,
        created_by_id=author.id if author else None,
    )
    db.session.add(call)
    db.session.flush()
    return call


def update_call(call: Call, *, title: str, opens_at: datetime | None, closes_at: datetime | None,
                description: str, questionnaire: list[dict]) -> Call:
    _check_call(title, opens_at, closes_at, call.workflow)
    call.title = title.strip()
    call.opens_at = opens_at
    call.closes_at = closes_at
    call.description = description or ""
    call.questionnaire = questionnaire
    db.session.flush()
    return call
