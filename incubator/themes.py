"""The themes a project may be filed under: the learnings search and the public catalogue filter on them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

THEMES: dict[str, object] = {
    "solidarity": _l("Solidarity and social ties"),
    "environment": _l("Environment and waste"),
    "democracy": _l("Local democracy and participation"),
    "housing": _l("Housing"),
    "health": _l("Health and prevention"),
    "education": _l("Education and youth"),
    "mobility": _l("Mobility and public space"),
    "internal": _l("How the administration works"),
    "economy": _l("Local economy and employment"),
    "culture": _l("Culture, sport and leisure"),
}


def theme_label(code: str | None) -> str:
    """The theme's label in the current language; empty for no theme, the code for an unknown one."""
    if not code:
        return ""
    label = THEMES.get(code)
    return str(label) if label is not None else code


def theme_choices(blank: str | None = None) -> list[tuple[str, str]]:
    choices = [(code, str(label)) for code, label in THEMES.items()]
    return [("", blank), *choices] if blank is not None else choices
