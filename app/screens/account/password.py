"""The signed-in person's account page, and changing their own password.

The account page lives here because the blueprint's package imports only this module and
two_factor.py; it belongs to no other concern either.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.extensions import db
from app.operations.change_password import change_password as change_password_operation
from app.rules.workflow import InvalidContent
from app.screens.account import blueprint
from app.security.lockout import LockoutPolicy
from app.web.client import client_from_request
from app.web.login import current_session
from app.web.password_forms import ChangePasswordForm
from app.web.throttle import account_key, throttled

CHANGED_MESSAGE = "Your password has been changed. You have been signed out on other devices."


def signed_in_account() -> str:
    """Rate-limit key: the signed-in person (the limiter runs before the sign-in guard,
    so a signed-out visitor gets a key too, and is then sent to sign in)."""
    return account_key("user:" + (current_user.get_id() or "-"))


@blueprint.get("/")
def index() -> ResponseReturnValue:
    return render_template("account/index.html", user=current_user)


@blueprint.route("/password", methods=["GET", "POST"])
@throttled(signed_in_account)
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_password_operation(
                current_user,
                current_password=form.current_password.data or "",
                new_password=form.new_password.data or "",
                confirmation=form.confirm_password.data or "",
                keep=current_session(),
                lockout=LockoutPolicy.from_config(current_app.config),
                pwned_url=current_app.config["PWNED_PASSWORDS_URL"],
                client=client_from_request(),
            )
        except InvalidContent as refusal:
            db.session.commit()  # keep the count of a wrong current password (lockout)
            form.show_refusal(refusal)
        else:
            db.session.commit()
            flash(CHANGED_MESSAGE, "success")
            return redirect(url_for("account.index"))
    return render_template("account/change_password.html", form=form)
