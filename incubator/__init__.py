"""Incubateur: the application factory."""

import os
import secrets
from pathlib import Path

from flask import Flask, has_request_context, session
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .config import LANGUAGES, Defaults, from_environment
from .extensions import babel, csrf, db, login_manager, migrate


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    app.config.update(from_environment())
    if test_config is not None:
        app.config.update(test_config)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
            app.instance_path, "incubator.sqlite"
        )
    if not app.config["UPLOAD_FOLDER"]:
        app.config["UPLOAD_FOLDER"] = os.path.join(app.instance_path, "uploads")
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"timeout": 30},
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
        }

    from .search.index import include_name  # the hand-made full-text objects stay out of autogenerate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"),
                     render_as_batch=True, compare_type=True, include_name=include_name)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    from . import models  # noqa: F401  (registers the tables)
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .calls import bp as calls_bp
    from .cli import register_commands
    from .dashboard import bp as dashboard_bp
    from .errors import register_error_handlers
    from .incubation import bp as incubation_bp
    from .incubation import models as incubation_models  # noqa: F401
    from .incubation.reviews import record_review
    from .jury import bp as jury_bp
    from .jury import models as jury_models  # noqa: F401
    from .main import bp as main_bp
    from .notifications import bp as notifications_bp
    from .notifications import models as notification_models  # noqa: F401
    from .notifications.hooks import on_fire
    from .opendata import bp as opendata_bp
    from .projects import bp as projects_bp
    from .search import bp as search_bp
    from .templating import register_template_helpers
    from .workflows import registry
    from .workflows.engine import AFTER_FIRE

    registry.load_all()
    for hook in (record_review, on_fire):  # once, however many apps are created
        if hook not in AFTER_FIRE:
            AFTER_FIRE.append(hook)
    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(calls_bp)
    app.register_blueprint(projects_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(jury_bp)
    app.register_blueprint(incubation_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(opendata_bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, never with cookies
    register_error_handlers(app)
    register_template_helpers(app)
    register_commands(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app


def select_locale() -> str:
    if not has_request_context():  # commands, jobs: the default locale
        return "fr"
    lang = session.get("lang")
    if lang in LANGUAGES:
        return lang
    return "fr"


def _instance_secret_key(instance_path: str) -> str:
    """A random key kept in the instance folder, created once (safe with several workers)."""
    path = Path(instance_path) / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        key = secrets.token_hex(32)
        fh.write(key)
    return key


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL, foreign keys and a busy timeout on every SQLite connection."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


