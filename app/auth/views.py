"""Sign in, sign out, and the home page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user

from app.auth import blueprint
from app.auth.forms import SignInForm
from app.extensions import db
from app.navigation import start_endpoint
from app.operations.sign_in import sign_in as sign_in_operation
from app.operations.sign_out import sign_out as sign_out_operation
from app.web import client_from_request, safe_next_path


@blueprint.get("/")
def home() -> ResponseReturnValue:
    """Send the signed-in person to the start page of their role."""
    endpoint = start_endpoint(current_user)
    if endpoint is None:
        abort(403)
    return redirect(url_for(endpoint))


@blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> ResponseReturnValue:
    next_path = safe_next_path(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or url_for("auth.home"))
    form = SignInForm()
    if form.validate_on_submit():
        user = sign_in_operation(
            form.email.data or "", form.password.data or "", client=client_from_request()
        )
        db.session.commit()
        if user is not None:
            # A fresh session: nothing from before signing in carries over into it.
            session.clear()
            login_user(user)
            return redirect(next_path or url_for("auth.home"))
        form.reject()
    return render_template("auth/sign_in.html", form=form, next_path=next_path)


@blueprint.post("/sign-out")
def sign_out() -> ResponseReturnValue:
    sign_out_operation(current_user, client=client_from_request())
    db.session.commit()
    session.clear()
    logout_user()  # after clear(): it leaves a note to delete any remember-me cookie
    flash("You have signed out", "success")
    return redirect(url_for("auth.sign_in"))
