"""Changes to approved accounts waiting for the approver's stages (app.reads.account_changes):
each links to the request page, where the change is decided."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from app.reads.account_changes import changes_waiting_for
from app.reads.request_page import stage_names
from app.rules.roles import Role
from app.screens.review import blueprint
from app.web.guards import role_required


@blueprint.get("/account-changes")
@role_required(Role.APPROVER)
def account_changes() -> str:
    return render_template(
        "review/account_changes.html",
        changes=changes_waiting_for(current_user),
        stage_names=stage_names(),
    )
