"""Default configuration; `instance/config.py` and the environment override it."""

import os

LANGUAGES = ("fr", "en")


class Defaults:
    SECRET_KEY = None  # required: instance/config.py or the SECRET_KEY environment variable
    SQLALCHEMY_DATABASE_URI = None  # default: SQLite in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_RECORD_QUERIES = False
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    PER_PAGE = 20
    API_MAX_PER_PAGE = 100
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024  # a whole request, several evidence files included
    UPLOAD_MAX_BYTES = 5 * 1024 * 1024  # one evidence file
    UPLOAD_FOLDER = None  # default: instance/uploads (outside static/, served only after a permission check)
    PUBLIC_URL = "http://127.0.0.1:5000"  # the address links in e-mails point to
    MAIL_SERVER = None  # no SMTP server: notifications stay in the app's inbox
    MAIL_PORT = 25
    MAIL_SECURITY = "none"  # none, starttls or ssl
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_FROM = "Incubateur <no-reply@incubateur.localhost>"
    MAIL_TIMEOUT = 30
    SCHEDULER_INTERVAL = 60  # seconds between two ticks of `incubator scheduler`


def from_environment() -> dict:
    """Settings the environment gives; only those that are set."""
    settings: dict = {}
    if os.environ.get("SECRET_KEY"):
        settings["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if os.environ.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(os.environ["DATABASE_URL"])
    if os.environ.get("SESSION_COOKIE_SECURE"):
        settings["SESSION_COOKIE_SECURE"] = os.environ["SESSION_COOKIE_SECURE"].strip().lower() not in (
            "0", "false", "no", "off", "")
    for name in ("PUBLIC_URL", "MAIL_SERVER", "MAIL_SECURITY", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_FROM",
                 "UPLOAD_FOLDER"):
        if os.environ.get(name):
            settings[name] = os.environ[name]
    for name in ("MAIL_PORT", "UPLOAD_MAX_BYTES", "SCHEDULER_INTERVAL"):
        if os.environ.get(name):
            settings[name] = int(os.environ[name])
    return settings


def normalise_database_url(url: str) -> str:
    """Accept the usual `postgres://` and `postgresql://` forms and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
