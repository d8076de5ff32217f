"""Signing in with single sign-on (OpenID Connect): off unless OIDC_ISSUER is set.

`/sign-in/sso` sends the person to their organisation's provider; the provider sends them
back to `/sign-in/sso/callback`. Both are public (app.web.guards.PUBLIC_ENDPOINTS). A
person whose account has a second factor, or whose role needs one, still gives Permit's
code afterwards, unless OIDC_TRUST_MFA=1 and the provider's token says it asked for more
than one factor. Every refusal is one page, saying why in words, and is audited; nothing
is created by a refusal, nor by a sign-in.
"""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.extensions import db
from app.operations.sign_in import complete_sign_in
from app.operations.sso_sign_in import check_sso_identity, record_sso_failure, use_once
from app.screens.auth import blueprint
from app.security.sso import FAILURE_WORDS, SsoFailure, SsoRefused, provider_did_mfa
from app.security.two_factor import second_factor_required
from app.web.client import client_from_request, safe_next_path
from app.web.login import begin_pending_sign_in, start_session
from app.web.sso import begin, finish, sso_enabled

#: The session's key for where the person was going, while they are at the provider.
NEXT_KEY = "sso_next"


@blueprint.get("/sign-in/sso")
def sso_start() -> ResponseReturnValue:
    if not sso_enabled():
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    session[NEXT_KEY] = safe_next_path(request.args.get("next"))
    try:
        return begin(url_for("auth.sso_callback", _external=True))
    except SsoRefused as refusal:
        return _refused(refusal, recorded=False)


@blueprint.get("/sign-in/sso/callback")
def sso_callback() -> ResponseReturnValue:
    if not sso_enabled():
        abort(404)
    client = client_from_request()
    next_path = session.pop(NEXT_KEY, None)
    try:
        if not use_once("state", request.args.get("state", "")):
            raise SsoRefused(SsoFailure.INVALID_STATE, "used before")
        claims = finish()
    except SsoRefused as refusal:
        return _refused(refusal, recorded=False)
    try:
        user = check_sso_identity(claims, client=client)
    except SsoRefused as refusal:
        return _refused(refusal, recorded=True)
    trusted = current_app.config["OIDC_TRUST_MFA"] and provider_did_mfa(claims)
    if not trusted and (user.has_second_factor or second_factor_required(user)):
        db.session.commit()  # the nonce is used: the token cannot sign in again
        begin_pending_sign_in(user, next_path)
        return redirect(url_for("auth.second_factor"))
    complete_sign_in(
        user, second_factor="provider_mfa" if trusted else None, via="sso", client=client
    )
    start_session(user, client=client)
    db.session.commit()
    return redirect(next_path or url_for("auth.home"))


def _refused(refusal: SsoRefused, *, recorded: bool) -> ResponseReturnValue:
    if not recorded:
        record_sso_failure(refusal, client=client_from_request())
    db.session.commit()
    current_app.logger.warning("single sign-on refused: %s", refusal)
    return render_template("auth/sso_refused.html", reason=FAILURE_WORDS[refusal.failure]), 403
