"""Platforms, for admins: rename one, retire it or open it again. Each change is one
operation and its audit event, with before and after. A retired platform keeps its
requests and history."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.models import Platform, Stage
from app.operations.update_platform import update_platform
from app.rules.roles import Role
from app.rules.workflow import InvalidContent
from app.screens.admin import blueprint
from app.screens.admin.forms import ChangePipelineForm, RenameForm
from app.web.client import client_from_request
from app.web.guards import role_required


@blueprint.route("/platforms/<int:platform_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def platform(platform_id: int) -> ResponseReturnValue:
    platform = db.get_or_404(Platform, platform_id)
    shown = None if request.method == "POST" else {"name": platform.name}
    form = RenameForm(data=shown)
    if form.validate_on_submit():
        try:
            changed = update_platform(
                platform, current_user, name=form.name.data or "", client=client_from_request()
            )
        except InvalidContent as refusal:
            db.session.rollback()
            form.show_refusal(refusal)
        else:
            db.session.commit()
            if changed:
                flash(f"The platform is now called {platform.name}.", "success")
            return redirect(url_for("admin.platform", platform_id=platform.id))
    return render_template(
        "admin/platform.html",
        platform=platform,
        form=form,
        change_form=_change_form(platform, None),
    )


@blueprint.post("/platforms/<int:platform_id>/change-pipeline")
@role_required(Role.ADMIN)
def change_pipeline(platform_id: int) -> ResponseReturnValue:
    platform = db.get_or_404(Platform, platform_id)
    form = _change_form(platform, request.form)
    if form.validate_on_submit():
        chosen = set(form.change_pipeline.data or [])
        try:
            changed = update_platform(
                platform,
                current_user,
                change_pipeline=[code for code, _name in form.order if code in chosen],
                client=client_from_request(),
            )
        except InvalidContent as refusal:
            db.session.rollback()
            form.change_pipeline.errors = list(refusal.errors.values())
        else:
            db.session.commit()
            if changed:
                flash(
                    f"Changes to {platform.name}'s accounts now go to the stages chosen.", "success"
                )
            return redirect(url_for("admin.platform", platform_id=platform.id))
    return render_template(
        "admin/platform.html",
        platform=platform,
        form=RenameForm(data={"name": platform.name}),
        change_form=form,
    )


def _change_form(platform: Platform, formdata: object) -> ChangePipelineForm:
    stages = [(code, name) for code, name in db.session.execute(select(Stage.code, Stage.name))]
    order = [step.stage_code for step in platform.pipeline]
    ranked = sorted(stages, key=lambda s: order.index(s[0]) if s[0] in order else len(order))
    data = None if formdata is not None else {"change_pipeline": list(platform.change_pipeline)}
    return ChangePipelineForm(ranked, formdata=formdata, data=data)


@blueprint.post("/platforms/<int:platform_id>/retire")
@role_required(Role.ADMIN)
def retire_platform(platform_id: int) -> ResponseReturnValue:
    return _set_open(platform_id, active=False)


@blueprint.post("/platforms/<int:platform_id>/reopen")
@role_required(Role.ADMIN)
def reopen_platform(platform_id: int) -> ResponseReturnValue:
    return _set_open(platform_id, active=True)


def _set_open(platform_id: int, *, active: bool) -> ResponseReturnValue:
    platform = db.get_or_404(Platform, platform_id)
    if update_platform(platform, current_user, active=active, client=client_from_request()):
        db.session.commit()
        flash(
            f"{platform.name} is {'open to new requests again' if active else 'retired'}.",
            "success",
        )
    return redirect(url_for("admin.platform", platform_id=platform.id))
