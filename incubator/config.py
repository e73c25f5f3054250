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
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024


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
    return settings


def normalise_database_url(url: str) -> str:
    """Accept the usual `postgres://` and `postgresql://` forms and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
