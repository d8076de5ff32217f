"""The second step of signing in: a code from the authenticator app or a recovery code,
and, for a person whose role needs a second factor and who has none yet, setting one up.

These pages are public (app.web.guards.PUBLIC_ENDPOINTS): the person is not signed in
yet. Each of them needs the pending sign-in that a right password begins
(app.web.login.pending_sign_in) and sends anyone without one back to the sign-in page.
The session starts only once every factor has passed.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.extensions import db
from app.models.users import User
from app.operations.sign_in import complete_sign_in
from app.operations.two_factor import (
    SecondFactorMethod,
    check_code,
    confirm_enrolment,
    recovery_codes_left,
    start_enrolment,
    use_recovery_code,
)
from app.screens.auth import blueprint
from app.security.lockout import LockoutPolicy
from app.security.two_factor import grouped, provisioning_uri, second_factor_required
from app.web.client import client_from_request
from app.web.login import PENDING_KEY, pending_sign_in, start_session
from app.web.qr_code import qr_code_svg
from app.web.second_factor_forms import CodeForm, ContinueForm, RecoveryCodeForm
from app.web.throttle import account_key, throttled

#: Set (to the person's id) once a second factor set up during sign-in is confirmed: the
#: person passed it, and signs in when they leave the recovery codes page.
SET_UP_KEY = "second_factor_set_up"


def pending_account() -> str:
    """The rate limits' account key: the person half-way through signing in."""
    pending = pending_sign_in()
    return account_key(f"user:{pending[0].id}" if pending else "user:none")


def start_again() -> ResponseReturnValue:
    """Back to the sign-in page, saying why when a sign-in had begun and ran out."""
    if PENDING_KEY in session:
        session.pop(PENDING_KEY)
        flash("You took too long to finish signing in. Sign in again.")
    return redirect(url_for("auth.sign_in"))


def finish(user: User, next_path: str | None, method: SecondFactorMethod) -> ResponseReturnValue:
    """Every factor passed: record it, start a brand-new session, go where they were going."""
    client = client_from_request()
    complete_sign_in(user, second_factor=str(method), client=client)
    start_session(user, client=client)
    db.session.commit()
    return redirect(next_path or url_for("auth.home"))


def lockout_policy() -> LockoutPolicy:
    return LockoutPolicy.from_config(current_app.config)


@blueprint.route("/sign-in/two-factor", methods=["GET", "POST"])
@throttled(pending_account)
def second_factor() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    pending = pending_sign_in()
    if pending is None:
        return start_again()
    user, next_path = pending
    if not user.has_second_factor:
        if second_factor_required(user):
            return redirect(url_for("auth.set_up_two_factor"))
        return start_again()
    form = CodeForm()
    if form.validate_on_submit():
        if check_code(
            user, form.code.data or "", policy=lockout_policy(), client=client_from_request()
        ):
            return finish(user, next_path, SecondFactorMethod.TOTP)
        db.session.commit()  # keep the refusal's audit event and its count towards lockout
        form.reject()
    return render_template("auth/two_factor.html", form=form)


@blueprint.route("/sign-in/recovery-code", methods=["GET", "POST"])
@throttled(pending_account)
def recovery_code() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    pending = pending_sign_in()
    if pending is None:
        return start_again()
    user, next_path = pending
    if not user.has_second_factor:
        return redirect(url_for("auth.second_factor"))
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        if use_recovery_code(
            user, form.code.data or "", policy=lockout_policy(), client=client_from_request()
        ):
            response = finish(user, next_path, SecondFactorMethod.RECOVERY_CODE)
            left = recovery_codes_left(user)
            flash(f"You signed in with a recovery code. You have {left} left.")
            return response
        db.session.commit()
        form.reject()
    return render_template("auth/two_factor_recovery_code.html", form=form)


@blueprint.route("/sign-in/set-up-two-factor", methods=["GET", "POST"])
@throttled(pending_account)
def set_up_two_factor() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    pending = pending_sign_in()
    if pending is None:
        return start_again()
    user, _next_path = pending
    if user.has_second_factor:
        return redirect(url_for("auth.second_factor"))
    if not second_factor_required(user):
        return start_again()
    secret = start_enrolment(user)
    db.session.commit()  # the same secret on every visit until it is confirmed
    form = CodeForm()
    if form.validate_on_submit():
        codes = confirm_enrolment(user, form.code.data or "", client=client_from_request())
        if codes is not None:
            db.session.commit()
            session[SET_UP_KEY] = user.id
            # Shown in this response only: the codes are kept nowhere but as hashes.
            return render_template(
                "auth/two_factor_recovery_codes.html", codes=codes, form=ContinueForm()
            )
        form.reject()
    return render_template(
        "auth/set_up_two_factor.html",
        form=form,
        qr_code=qr_code_svg(
            provisioning_uri(user, secret), label="QR code to scan with your authenticator app"
        ),
        secret=grouped(secret),
        account_name=user.email,
    )


@blueprint.post("/sign-in/set-up-two-factor/continue")
def finish_two_factor_set_up() -> ResponseReturnValue:
    """The recovery codes page's Continue button: the sign-in that set-up began ends here."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    pending = pending_sign_in()
    if pending is None:
        return start_again()
    user, next_path = pending
    # CSRFProtect has checked the form's token already; the button carries nothing else.
    if session.get(SET_UP_KEY) != user.id or not user.has_second_factor:
        return redirect(url_for("auth.second_factor"))
    return finish(user, next_path, SecondFactorMethod.TOTP)
