"""Administering accounts: changing a user's profile, roles, status and password."""

from __future__ import annotations

from flask_babel import gettext as _

from ..auth.operations import profile_errors
from ..errors import InvalidData
from ..extensions import db
from ..models import User


def update_user(user: User, actor: User, *, name: str, service: str, title: str, roles, active: bool,
                password: str | None = None) -> User:
    """Change an account; an administrator never locks themselves out (role or status)."""
    roles = set(roles)
    errors = profile_errors(name=name, service=service, title=title, roles=roles)
    if not (name or "").strip():
        errors["name"] = _("Enter the person's name.")
    if user.id == actor.id:
        if user.has_role("admin") and "admin" not in roles:
            errors["roles"] = _("You cannot remove your own administrator role: ask another "
                                "administrator to do it.")
        if not active:
            errors["active"] = _("You cannot deactivate your own account.")
    if errors:
        raise InvalidData(errors)
    user.name = name.strip()
    user.service = (service or "").strip()
    user.title = (title or "").strip()
    user.set_roles(roles)
    user.is_active_account = active
    if password:
        user.set_password(password)
    db.session.flush()
    return user
