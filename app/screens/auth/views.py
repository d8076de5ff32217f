"""Sign in, sign out, and the home page."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.extensions import db
from app.operations.sign_in import (
    check_password,
    complete_sign_in,
    refuse_password_for_sso,
    sso_required,
)
from app.operations.sign_out import sign_out as sign_out_operation
from app.screens.auth import blueprint
from app.screens.auth.forms import SignInForm
from app.security.lockout import LockoutPolicy
from app.security.two_factor import second_factor_required
from app.security.user_sessions import EndReason
from app.web.client import client_from_request, safe_next_path
from app.web.login import begin_pending_sign_in, end_current_session, start_session
from app.web.navigation import start_endpoint
from app.web.sso import sso_enabled
from app.web.throttle import account_from_form, throttled


@blueprint.get("/")
def home() -> ResponseReturnValue:
    """Send the signed-in person to the start page of their role."""
    endpoint = start_endpoint(current_user)
    if endpoint is None:
        abort(403)
    return redirect(url_for(endpoint))


@blueprint.route("/sign-in", methods=["GET", "POST"])
@throttled(account_from_form("email"))
def sign_in() -> ResponseReturnValue:
    next_path = safe_next_path(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or url_for("auth.home"))
    form = SignInForm()
    if form.validate_on_submit():
        client = client_from_request()
        user = check_password(
            form.email.data or "",
            form.password.data or "",
            policy=LockoutPolicy.from_config(current_app.config),
            client=client,
        )
        if user is not None and sso_enabled() and sso_required(user):
            refuse_password_for_sso(user, client=client)
            db.session.commit()
            form.refuse_for_sso(current_app.config["OIDC_PROVIDER_NAME"])
            user = None
        db.session.commit()
        if user is None:
            if not form.errors:
                form.reject()
        elif user.has_second_factor or second_factor_required(user):
            begin_pending_sign_in(user, next_path)
            return redirect(url_for("auth.second_factor"))
        else:
            complete_sign_in(user, client=client)
            start_session(user, client=client)
            db.session.commit()
            return redirect(next_path or url_for("auth.home"))
    return render_template(
        "auth/sign_in.html",
        form=form,
        next_path=next_path,
        sso_enabled=sso_enabled(),
        sso_provider=current_app.config["OIDC_PROVIDER_NAME"],
    )


@blueprint.post("/sign-out")
def sign_out() -> ResponseReturnValue:
    sign_out_operation(current_user, client=client_from_request())
    end_current_session(EndReason.SIGNED_OUT)
    db.session.commit()
    flash("You have signed out", "success")
    return redirect(url_for("auth.sign_in"))
