"""The inbox (list, open, mark all as read) and the user's notification preferences."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select, update

from ..clock import utcnow
from ..extensions import db
from ..templating import locale_code
from ..urls import bounded_int
from . import bp
from .forms import PreferencesForm
from .messages import title
from .models import Notification
from .service import apply_frequency, mail_enabled

# The digest is the e-mail that sums the week up: it is not a notification of its own in the inbox.
HIDDEN_KINDS = ("digest",)


def safe_link(link: str | None) -> str | None:
    """A path inside the app, or None: never an address elsewhere (//host, /\\host, scheme:)."""
    if not link or not link.startswith("/") or link.startswith(("//", "/\\")):
        return None
    if any(ord(c) < 32 or c == "\\" for c in link):
        return None
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        return None
    return link


@bp.route("/notifications")
@login_required
def inbox():
    unread_only = request.args.get("unread") == "1"
    stmt = select(Notification).where(Notification.user_id == current_user.id,
                                      Notification.kind.not_in(HIDDEN_KINDS))
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    pagination = db.paginate(stmt.order_by(Notification.created_at.desc(), Notification.id.desc()),
                             page=request.args.get("page", 1, type=bounded_int),
                             per_page=current_app.config["PER_PAGE"], error_out=False)
    locale = locale_code()
    items = []
    for notification in pagination.items:
        subject, body = title(notification, locale)
        items.append({"id": notification.id, "subject": subject, "body": body,
                      "created_at": notification.created_at, "unread": notification.read_at is None,
                      "has_link": safe_link(notification.link) is not None})
    return render_template("notifications/inbox.html", pagination=pagination, items=items,
                           unread_only=unread_only)


def _back_to_inbox():
    """The inbox page the user came from (its filter and page ride along in the form's action)."""
    page = request.args.get("page", 1, type=bounded_int)
    return url_for("notifications.inbox", unread="1" if request.args.get("unread") == "1" else None,
                   page=page if page > 1 else None)


@bp.route("/notifications/<int:notification_id>/open", methods=["POST"], endpoint="open")
@login_required
def open_notification(notification_id: int):
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    link = safe_link(notification.link)
    return redirect(link if link is not None else _back_to_inbox())


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all():
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    if result.rowcount:
        flash(_("All your notifications are marked as read."), "success")
    return redirect(_back_to_inbox())


@bp.route("/account/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    user = current_user._get_current_object()
    form = PreferencesForm(obj=user)
    if form.validate_on_submit():
        apply_frequency(user, form.email_frequency.data)
        user.locale = form.locale.data
        db.session.commit()
        flash(_("Your preferences are saved."), "success")
        return redirect(url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", form=form,
                           mail_enabled=mail_enabled()), 422 if form.errors else 200
