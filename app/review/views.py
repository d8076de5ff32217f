"""Approvers' screens. Placeholder: replace with the real queue.

Register the navigation count here, for example:

    from app.navigation import nav_count

    @nav_count(blueprint, "review.queue")
    def awaiting_decision_count(user: User) -> int:
        return ...  # one COUNT query
"""

from __future__ import annotations

from flask import render_template

from app.auth.guards import role_required
from app.review import blueprint
from app.roles import Role


@blueprint.get("/")
@role_required(Role.APPROVER)
def queue() -> str:
    return render_template("review/queue.html")
