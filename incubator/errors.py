"""Domain errors shared by the services, and the HTTP error pages (JSON under /api/)."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from psycopg.errors import NumericValueOutOfRange
from sqlalchemy.exc import DataError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, NotFound, RequestEntityTooLarge


class DomainError(Exception):
    """A business rule refused the action; nothing was changed."""

    code = "invalid"
    status = 422

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidData(DomainError):
    """Input that does not hold; `fields` maps each field to its message."""

    code = "invalid_data"
    status = 422

    def __init__(self, fields: dict[str, str], message: str | None = None):
        super().__init__(message or _("Some fields are not valid."), fields=fields)
        self.fields = fields


class Conflict(DomainError):
    code = "conflict"
    status = 409


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, **details):
    response = jsonify({"error": code, "message": message, **details})
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        message = _("The form expired or was sent from elsewhere; please reload the page and try again.")
        if wants_json():
            return json_error(400, "csrf", message)
        return render_template("error.html", status=400, message=message), 400

    @app.errorhandler(StaleDataError)
    def stale(exc):
        from .extensions import db

        db.session.rollback()
        message = _("Someone else changed this project at the same time; please reload and try again.")
        if wants_json():
            return json_error(409, "conflict", message)
        return render_template("error.html", status=409, message=message), 409

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def number_too_large(exc: Exception):
        """An id typed in a URL beyond what the database stores (SQLite refuses integers beyond 64
        bits, PostgreSQL compares with a 32-bit column): no such row, so not found."""
        if isinstance(exc, DataError) and not isinstance(exc.orig, NumericValueOutOfRange):
            return unexpected(exc)
        from .extensions import db

        db.session.rollback()
        return http_error(NotFound())

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc: RequestEntityTooLarge):
        from .incubation.storage import human_size

        limit = app.config.get("MAX_CONTENT_LENGTH")
        if limit:
            message = _("What you sent is too large: %(max)s at most in one go. Nothing was saved; send "
                        "fewer or smaller files.", max=human_size(int(limit)))
        else:
            message = _("What you sent is too large.")
        if wants_json():
            return json_error(413, "too_large", message, max_bytes=limit)
        return render_template("error.html", status=413, message=message), 413

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        messages = {
            400: _("The request could not be understood."),
            401: _("You must log in."),
            403: _("You may not do this."),
            404: _("This page does not exist, or you may not see it."),
            405: _("This method is not allowed here."),
            413: _("What you sent is too large."),
        }
        status = exc.code or 500
        message = messages.get(status, exc.description or "")
        if wants_json():
            code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                    405: "method_not_allowed", 413: "too_large"}.get(status, "error")
            return json_error(status, code, message)
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):  # pragma: no cover - handled above
            return http_error(exc)
        if app.testing:
            raise exc
        app.logger.exception("unhandled error")
        from .extensions import db

        db.session.rollback()
        message = _("An unexpected error occurred; nothing was saved.")
        if wants_json():
            return json_error(500, "internal_error", message)
        return render_template("error.html", status=500, message=message), 500
