"""An approver's own cover: who decides for them while they are away, and whom they
cover for (app.web.cover)."""

from __future__ import annotations

from flask import abort, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.extensions import db
from app.models import Delegation
from app.rules.roles import Role
from app.screens.review import blueprint
from app.web.cover import cover_page, end_cover
from app.web.guards import role_required


@blueprint.route("/cover", methods=["GET", "POST"])
@role_required(Role.APPROVER)
def cover() -> ResponseReturnValue:
    return cover_page(current_user, template="review/cover.html", here=url_for("review.cover"))


@blueprint.post("/cover/<int:delegation_id>/end")
@role_required(Role.APPROVER)
def end_own_cover(delegation_id: int) -> ResponseReturnValue:
    delegation = db.session.get(Delegation, delegation_id)
    # Another pair's cover is not theirs to see: as if it did not exist.
    if delegation is None or current_user.id not in (
        delegation.delegator_id,
        delegation.delegate_id,
    ):
        abort(404)
    return end_cover(delegation, here=url_for("review.cover"))
