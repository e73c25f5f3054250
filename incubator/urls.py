"""Numbers read from query strings: beyond what the database stores they are no number, never a 500.

(A path id too large for SQLite is a 404: see the OverflowError handler in errors.py.)"""

from __future__ import annotations

# The largest id the API documents: what a 32-bit INTEGER column holds on PostgreSQL.
MAX_INT = 2**31 - 1


def bounded_int(value: str) -> int:
    """`request.args.get(name, default, type=bounded_int)`: a number too large is no number (the default)."""
    number = int(value)
    if abs(number) > MAX_INT:
        raise ValueError(value)
    return number
