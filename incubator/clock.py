"""The application's idea of now: one place to fix it in tests, `incubator tick --at` and the demo."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """A timezone-aware datetime; naive values are taken as UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
