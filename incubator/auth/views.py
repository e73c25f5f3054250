"""Login, logout and the language switch."""

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, login_manager
from ..models import User
from . import bp
from .forms import LanguageForm, LoginForm
from .operations import authenticate


@login_manager.user_loader
def load_user(user_id: str):
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    # A deactivated account loses the sessions it has open, not only its next login.
    return user if user is not None and user.is_active else None


@login_manager.unauthorized_handler
def unauthorized():
    flash(_("Please log in to see this page."), "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def safe_next(target: str | None, default: str = "main.index") -> str:
    """Only paths on this site: never an open redirect."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for(default)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            lang = session.get("lang")
            session.clear()  # a fresh session: no fixation
            if lang:
                session["lang"] = lang
            login_user(user)
            db.session.commit()
            return redirect(safe_next(form.next.data))
        form.password.errors.append(_("Wrong e-mail address or password."))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
    return redirect(safe_next(form.next.data))
