"""Cover for an absent approver, set by an admin for them (app.web.cover)."""

from __future__ import annotations

from flask import abort, url_for
from flask.typing import ResponseReturnValue

from app.extensions import db
from app.models import Delegation, User
from app.rules.roles import Role
from app.screens.admin import blueprint
from app.web.cover import cover_page, end_cover
from app.web.guards import role_required


@blueprint.route("/people/<int:user_id>/cover", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def person_cover(user_id: int) -> ResponseReturnValue:
    person = db.get_or_404(User, user_id)
    if not person.has_role(Role.APPROVER):
        abort(404)
    return cover_page(
        person, template="admin/cover.html", here=url_for("admin.person_cover", user_id=user_id)
    )


@blueprint.post("/cover/<int:delegation_id>/end")
@role_required(Role.ADMIN)
def end_person_cover(delegation_id: int) -> ResponseReturnValue:
    delegation = db.get_or_404(Delegation, delegation_id)
    return end_cover(
        delegation, here=url_for("admin.person_cover", user_id=delegation.delegator_id)
    )
