"""Platforms, for admins: rename one, retire it or open it again. Each change is one
operation and its audit event, with before and after. A retired platform keeps its
requests and history."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.extensions import db
from app.models import Platform
from app.operations.update_platform import update_platform
from app.rules.roles import Role
from app.rules.workflow import InvalidContent
from app.screens.admin import blueprint
from app.screens.admin.forms import RenameForm
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
    return render_template("admin/platform.html", platform=platform, form=form)


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
