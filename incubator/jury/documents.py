"""Jury documents: the minutes (procès-verbal) and the mission letter, as printable pages and PDF."""

from . import bp  # noqa: F401
