"""Administration: the list of accounts, creating an account, changing one."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from ..auth.operations import create_user
from ..errors import InvalidData
from ..extensions import db
from ..forms import apply_errors
from ..models import ROLES, User, UserRole
from ..policy import can_manage_users
from ..urls import bounded_int
from . import bp
from .forms import EditUserForm, NewUserForm
from .operations import update_user


@bp.before_request
@login_required
def admins_only():
    """Every page of the area, present and future, is for administrators alone."""
    if not can_manage_users(current_user):
        abort(403)


@bp.route("/users")
def users():
    q = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    if role not in ROLES:
        role = ""
    stmt = select(User)
    if q:
        stmt = stmt.where(or_(*(column.icontains(q, autoescape=True)
                                for column in (User.name, User.email, User.service))))
    if role:
        stmt = stmt.where(User.role_rows.any(UserRole.role == role))
    # The roles come with one more query for the whole page (User.role_rows is lazy="selectin").
    pagination = db.paginate(stmt.order_by(User.name, User.id), page=request.args.get("page", 1, type=bounded_int),
                             per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("admin/users.html", pagination=pagination, q=q, role=role, roles=ROLES)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = create_user(form.email.data, roles=form.roles.data, name=form.name.data,
                               password=form.password.data, service=form.service.data,
                               title=form.title.data)
        except InvalidData as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The account of %(name)s is created.", name=user.display_name), "success")
            return redirect(url_for("admin.users", q=user.email))
    return render_template("admin/user_form.html", form=form, user=None), 422 if form.errors else 200


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = EditUserForm(obj=user, active=user.is_active_account)
    if form.validate_on_submit():
        try:
            update_user(user, current_user, name=form.name.data, service=form.service.data,
                        title=form.title.data, roles=form.roles.data, active=form.active.data,
                        password=form.password.data or None)
        except InvalidData as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The account of %(name)s is saved.", name=user.display_name), "success")
            return redirect(url_for("admin.users", q=user.email))
    return render_template("admin/user_form.html", form=form, user=user,
                           is_self=user.id == current_user.id), 422 if form.errors else 200
