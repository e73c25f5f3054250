"""Jury pages: sessions, the jury, scoring, the scoreboard and the deliberation."""

from . import bp  # noqa: F401
