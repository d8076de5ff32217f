"""Setting a password through a one-time link (app.security.password_links): public, since the
person has no password yet or has forgotten it; the link itself is the proof.

A link that is unknown, expired, already used or for a deactivated person gets one page
and 410 Gone, whichever it is. The page sends the site-wide Referrer-Policy (same-origin)
and has no links off the site, so the token in its address goes nowhere else.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.extensions import db
from app.operations.set_password import set_password as set_password_operation
from app.rules.workflow import InvalidContent
from app.screens.auth import blueprint
from app.security.password_links import claimed_user_id, link_lifetime, user_for_token
from app.web.client import client_from_request
from app.web.password_forms import SetPasswordForm
from app.web.throttle import account_key, throttled

SET_MESSAGE = "Your password has been set. Sign in with your new password."


def link_account() -> str:
    """Rate-limit key: the account the link names (expired or used links too)."""
    token = (request.view_args or {}).get("token", "")
    user_id = claimed_user_id(token) if isinstance(token, str) else None
    return account_key(f"user:{user_id}" if user_id is not None else "link:unknown")


@blueprint.route("/set-password/<token>", methods=["GET", "POST"])
@throttled(link_account)
def set_password(token: str) -> ResponseReturnValue:
    user = user_for_token(token, link_lifetime(current_app.config))
    if user is None:
        return render_template("auth/set_password_link_expired.html"), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            set_password_operation(
                user,
                new_password=form.new_password.data or "",
                confirmation=form.confirm_password.data or "",
                pwned_url=current_app.config["PWNED_PASSWORDS_URL"],
                client=client_from_request(),
            )
        except InvalidContent as refusal:
            form.show_refusal(refusal)
        else:
            db.session.commit()
            flash(SET_MESSAGE, "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/set_password.html", form=form, user=user, token=token)
