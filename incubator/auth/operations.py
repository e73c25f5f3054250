"""Accounts: creating users, checking passwords, issuing and resolving API tokens."""

from __future__ import annotations

import functools
import secrets
from datetime import timedelta

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import utcnow
from ..extensions import db
from ..models import ApiToken, User

TOKEN_PREFIX = "inc_"


@functools.cache
def _dummy_hash() -> str:
    """Checked when the e-mail is unknown, so timing does not tell which e-mails exist."""
    return generate_password_hash(secrets.token_hex(16))


class AccountError(ValueError):
    pass


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(email: str, *, roles, name: str = "", password: str | None = None,
                service: str = "", title: str = "") -> User:
    email = normalise_email(email)
    if "@" not in email:
        raise AccountError(f"not an e-mail address: {email!r}")
    if find_user(email):
        raise AccountError(f"a user with the e-mail {email} already exists")
    user = User(email=email, name=name.strip() or email.split("@")[0], service=service, title=title)
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
