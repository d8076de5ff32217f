"""The admin's overview: who and what the service holds, and a way to the outbox."""

from __future__ import annotations

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.deadlines.clock import holiday_data_warning
from app.extensions import db
from app.models import Department, Platform, Stage, User
from app.models.users import with_credentials
from app.rules.roles import Role
from app.screens.admin import blueprint
from app.screens.admin.queries import failed_count
from app.web.guards import role_required


@blueprint.get("/")
@role_required(Role.ADMIN)
def index() -> str:
    # Users load their roles, stages, department and credentials (each row says whether
    # their second factor is on) eagerly: a fixed number of queries.
    return render_template(
        "admin/index.html",
        users=db.session.scalars(
            select(User)
            .order_by(User.email)
            .options(
                selectinload(User.role_rows), selectinload(User.stage_rows), with_credentials()
            )
        ).all(),
        departments=db.session.scalars(select(Department).order_by(Department.name)).all(),
        platforms=db.session.scalars(
            select(Platform).order_by(Platform.name).options(selectinload(Platform.versions))
        ).all(),
        stage_names={
            code: name for code, name in db.session.execute(select(Stage.code, Stage.name))
        },
        failed_messages=failed_count(),
        holiday_warning=holiday_data_warning(),
        closure_days=sorted(current_app.config["PERMIT_CLOSURE_DAYS"]),
    )
