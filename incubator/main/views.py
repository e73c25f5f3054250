"""Home: what each person has to do now; `/healthz` for the load balancer."""

from datetime import datetime, time

from flask import jsonify, render_template
from flask_login import current_user
from sqlalchemy import or_, select, text
from sqlalchemy.orm import contains_eager, selectinload

from ..clock import utcnow
from ..extensions import db
from ..forms import local_zone
from ..jury.models import Juror, PitchSession
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
    # Sessions where the user sits that are not over: not closed, or held today or later.
    start_of_today = datetime.combine(now.astimezone(local_zone()).date(), time.min, local_zone())
    sessions = db.session.scalars(
        select(PitchSession)
        .join(Juror, Juror.session_id == PitchSession.id)
        .join(PitchSession.call)
        .where(Juror.user_id == current_user.id,
               or_(PitchSession.closed_at.is_(None), PitchSession.starts_at >= start_of_today))
        .options(contains_eager(PitchSession.call))
        .order_by(PitchSession.starts_at)
        .limit(20)
    ).all()
    return render_template(
        "main/index.html", open_calls=open_calls, mine=mine, awaiting=awaiting, coached=coached,
        jury_sessions=sessions,
        can_manage_calls=can_manage_calls(current_user),
    )
