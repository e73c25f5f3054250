"""Home: what each person has to do now; `/healthz` for the load balancer."""

from flask import jsonify, render_template
from flask_login import current_user
from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from ..clock import utcnow
from ..extensions import db
from ..models import Call, Project, ProjectCoach, ProjectMember
from ..policy import awaiting_decision_clause, can_manage_calls, visible_projects
from . import bp


@bp.route("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return render_template("main/landing.html")
    now = utcnow()
    open_calls = db.session.scalars(
        select(Call).where(Call.opens_at <= now, Call.closes_at > now).order_by(Call.closes_at)
    ).all()
    mine = db.session.scalars(
        select(Project)
        .join(ProjectMember, ProjectMember.project_id == Project.id)
        .where(ProjectMember.user_id == current_user.id)
        .options(selectinload(Project.call))
        .order_by(Project.updated_at.desc())
        .limit(20)
    ).all()
    awaiting = []
    if current_user.has_role("jury", "staff", "admin"):
        awaiting = db.session.scalars(
            visible_projects(current_user)
            .where(awaiting_decision_clause(current_user))
            .options(selectinload(Project.call))
            .order_by(Project.updated_at)
            .limit(20)
        ).all()
    coached = []
    if current_user.has_role("coach"):
        coached = db.session.scalars(
            select(Project)
            .join(ProjectCoach, ProjectCoach.project_id == Project.id)
            .where(ProjectCoach.user_id == current_user.id)
            .options(selectinload(Project.call))
            .order_by(Project.title)
        ).all()
    return render_template(
        "main/index.html", open_calls=open_calls, mine=mine, awaiting=awaiting, coached=coached,
        can_manage_calls=can_manage_calls(current_user),
    )
