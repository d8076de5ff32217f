"""Setting up and managing one's own second factor (TOTP): anyone may set one up; only
people whose roles do not need one may turn it off, with a current code.

Approvers, auditors and admins set theirs up while signing in (app.screens.auth.second_factor);
these pages are where an officer chooses to.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.extensions import db
from app.operations.two_factor import (
    confirm_enrolment,
    recovery_codes_left,
    start_enrolment,
    turn_off_second_factor,
)
from app.rules.workflow import NotPermitted
from app.screens.account import blueprint
from app.screens.account.password import signed_in_account
from app.security.lockout import LockoutPolicy
from app.security.two_factor import (
    REQUIRED_BY_ROLE,
    grouped,
    provisioning_uri,
    second_factor_required,
)
from app.web.client import client_from_request
from app.web.qr_code import qr_code_svg
from app.web.second_factor_forms import CodeForm
from app.web.throttle import throttled


@blueprint.get("/two-factor")
def two_factor() -> ResponseReturnValue:
    user = current_user
    return render_template(
        "account/two_factor.html",
        user=user,
        required=second_factor_required(user),
        codes_left=recovery_codes_left(user) if user.has_second_factor else None,
    )


@blueprint.route("/two-factor/set-up", methods=["GET", "POST"])
@throttled(signed_in_account)
def set_up_two_factor() -> ResponseReturnValue:
    user = current_user
    if user.has_second_factor:
        return redirect(url_for("account.two_factor"))
    secret = start_enrolment(user)
    db.session.commit()  # the same secret on every visit until it is confirmed
    form = CodeForm()
    if form.validate_on_submit():
        codes = confirm_enrolment(user, form.code.data or "", client=client_from_request())
        if codes is not None:
            db.session.commit()
            # Shown in this response only: the codes are kept nowhere but as hashes.
            return render_template("account/two_factor_recovery_codes.html", codes=codes)
        form.reject()
    return render_template(
        "account/two_factor_set_up.html",
        form=form,
        qr_code=qr_code_svg(
            provisioning_uri(user, secret), label="QR code to scan with your authenticator app"
        ),
        secret=grouped(secret),
        account_name=user.email,
    )


@blueprint.route("/two-factor/turn-off", methods=["GET", "POST"])
@throttled(signed_in_account)
def turn_off_two_factor() -> ResponseReturnValue:
    user = current_user
    if second_factor_required(user):
        raise NotPermitted(REQUIRED_BY_ROLE)
    if not user.has_second_factor:
        return redirect(url_for("account.two_factor"))
    form = CodeForm()
    if form.validate_on_submit():
        turned_off = turn_off_second_factor(
            user,
            form.code.data or "",
            policy=LockoutPolicy.from_config(current_app.config),
            client=client_from_request(),
        )
        db.session.commit()  # a refusal's audit event and its count towards lockout too
        if turned_off:
            flash("Two-factor authentication is off", "success")
            return redirect(url_for("account.two_factor"))
        form.reject()
    return render_template("account/two_factor_turn_off.html", form=form)
