"""Accounts: creating users, checking passwords, issuing and resolving API tokens."""

from __future__ import annotations

import functools
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import utcnow
from ..errors import InvalidData
from ..extensions import db
from ..models import ROLES, ApiToken, User

TOKEN_PREFIX = "inc_"


@functools.cache
def _dummy_hash() -> str:
    """Checked when the e-mail is unknown, so timing does not tell which e-mails exist."""
    return generate_password_hash(secrets.token_hex(16))


class AccountError(InvalidData, ValueError):
    """An account refused: `fields` in the reader's language for a form, `str()` in English for the
    command line."""

    def __init__(self, fields: dict[str, str], detail: str):
        super().__init__(fields)
        self.detail = detail

    def __str__(self) -> str:
        return self.detail


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def profile_errors(*, name: str, service: str, title: str, roles) -> dict[str, str]:
    """What does not hold in an account's profile, by field; empty when all is well."""
    errors: dict[str, str] = {}
    for field, value in (("name", name), ("service", service), ("title", title)):
        if len(value or "") > 200:
            errors[field] = _("At most %(n)d characters.", n=200)
    unknown = set(roles) - set(ROLES)
    if not roles:
        errors["roles"] = _("Choose at least one role.")
    elif unknown:
        errors["roles"] = _("Unknown role: %(roles)s.", roles=", ".join(sorted(unknown)))
    return errors


def create_user(email: str, *, roles, name: str = "", password: str | None = None,
                service: str = "", title: str = "") -> User:
    email = normalise_email(email)
    roles = set(roles)
    if "@" not in email:
        raise AccountError({"email": _("Enter a valid e-mail address.")}, f"not an e-mail address: {email!r}")
    if find_user(email):
        raise AccountError({"email": _("An account already exists with this e-mail address.")},
                           f"a user with the e-mail {email} already exists")
    errors = profile_errors(name=name, service=service, title=title, roles=roles)
    if errors:
        raise AccountError(errors, "invalid " + ", ".join(sorted(errors)))
    user = User(email=email, name=name.strip() or email.split("@")[0], service=service.strip(),
                title=title.strip())
    user.set_roles(roles)
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        return None
    if not user.is_active or not user.check_password(password or ""):
        return None
    return user


def issue_token(user: User) -> str:
    """A new API token for `user`; it is shown once, only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=ApiToken.hash(token)))
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token)))
    if row is None or not row.user.is_active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
        row.last_used_at = now  # coarse, so reads do not each write
    return row.user
