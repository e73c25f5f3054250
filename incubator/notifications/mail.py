"""E-mail over SMTP: the outbox is the notifications table, claimed row by row so that two
processes never send the same message."""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from ..clock import utcnow
from ..extensions import db
from .messages import compose
from .models import Notification

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
STALE_CLAIM = timedelta(minutes=10)  # a sender that died while sending: try again after this


def build_message(notification: Notification) -> EmailMessage:
    user = notification.user
    message = compose(notification.kind, notification.params, notification.link, user.locale or "fr")
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = formataddr((user.name or "", user.email))
    email["Message-ID"] = make_msgid(domain="incubateur")
    email["Content-Language"] = user.locale or "fr"
    email.set_content(message.body)
    return email


def open_connection() -> smtplib.SMTP:
    config = current_app.config
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    security = (config.get("MAIL_SECURITY") or "none").lower()
    timeout = float(config.get("MAIL_TIMEOUT", 30))
    if security == "ssl":
        connection = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = smtplib.SMTP(host, port, timeout=timeout)
        if security == "starttls":
            connection.starttls(context=ssl.create_default_context())
    if config.get("MAIL_USERNAME"):
        connection.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    return connection


def _claim(limit: int) -> list[int]:
    """Take up to `limit` pending e-mails for this process; commits so others see them taken.

    Claims are stamped with the real time, whatever instant the tick processes: a claim is
    stale after STALE_CLAIM of real time."""
    now = utcnow()
    db.session.execute(
        update(Notification)
        .where(Notification.email_state == "sending", Notification.email_claimed_at < now - STALE_CLAIM)
        .values(email_state="pending")
    )
    candidates = db.session.scalars(
        select(Notification.id).where(Notification.email_state == "pending")
        .order_by(Notification.id).limit(limit)
    ).all()
    claimed = []
    for notification_id in candidates:
        result = db.session.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.email_state == "pending")
            .values(email_state="sending", email_claimed_at=now)
        )
        if result.rowcount == 1:
            claimed.append(notification_id)
    db.session.commit()
    return claimed


def deliver_pending(at: datetime, limit: int = 200) -> tuple[int, int]:
    """Send the e-mails waiting in the outbox; returns (sent, failed attempts)."""
    if not current_app.config.get("MAIL_SERVER"):
        return 0, 0
    claimed = _claim(limit)
    if not claimed:
        return 0, 0
    notifications = db.session.scalars(
        select(Notification).where(Notification.id.in_(claimed))
        .options(selectinload(Notification.user)).order_by(Notification.id)
    ).all()
    sent = failed = 0
    connection = None
    try:
        connection = open_connection()
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("SMTP server unreachable: %s", exc)
    for notification in notifications:
        try:
            if connection is None:
                raise smtplib.SMTPServerDisconnected("no connection")
            connection.send_message(build_message(notification))
        except Exception as exc:  # one bad message must not stop the others
            failed += 1
            notification.email_attempts += 1
            notification.email_state = "failed" if notification.email_attempts >= MAX_ATTEMPTS else "pending"
            log.warning("e-mail %s to user %s not sent: %s", notification.id, notification.user_id, exc)
        else:
            sent += 1
            notification.email_state = "sent"
            notification.emailed_at = at
        db.session.commit()
    if connection is not None:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return sent, failed


__all__ = ["build_message", "deliver_pending", "formataddr", "open_connection"]
