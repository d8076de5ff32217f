"""An admin resets a person's second factor: for someone who lost their phone and their
recovery codes. Their sessions end, and they set up a new app at their next sign-in.

A GET page asks first; the reset itself is the POST to the same address. Admins only; no
admin may reset their own (another admin must, so one stolen session cannot swap the
factor that protects it).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.extensions import db
from app.models.users import User
from app.operations.two_factor import reset_second_factor
from app.rules.roles import Role
from app.screens.admin import blueprint
from app.web.client import client_from_request
from app.web.guards import role_required


@blueprint.get("/users/<int:user_id>/reset-two-factor")
@role_required(Role.ADMIN)
def confirm_reset_two_factor(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    return render_template(
        "admin/reset_two_factor.html",
        user=user,
        own=user.id == current_user.id,
    )


@blueprint.post("/users/<int:user_id>/reset-two-factor")
@role_required(Role.ADMIN)
def reset_two_factor(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    # Resetting one's own is refused by the operation (NotPermitted: a 403 page).
    reset = reset_second_factor(user, current_user, client=client_from_request())
    db.session.commit()
    if reset:
        flash(
            f"Two-factor authentication reset for {user.display_name}. They have been signed "
            "out and will set up a new authenticator app when they next sign in.",
            "success",
        )
    else:
        flash(f"{user.display_name} has no two-factor authentication to reset.")
    return redirect(url_for("admin.index"))
