"""How people sign in: the roles that must use single sign-on (docs/sso.md)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput
from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice

from app.extensions import db
from app.operations.set_sign_in_policy import set_sign_in_policy, sso_roles
from app.rules.roles import ROLE_LABELS, Role
from app.screens.admin import blueprint
from app.web.client import client_from_request
from app.web.guards import role_required
from app.web.sso import sso_enabled


class SignInPolicyForm(FlaskForm):
    sso_required = SelectMultipleField(
        "Which roles must sign in with single sign-on?",
        choices=[SelectChoice(str(role), ROLE_LABELS[role]) for role in Role],
        widget=GovCheckboxesInput(),
        description="People holding any of these cannot sign in with a password.",
    )


@blueprint.route("/sign-in", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def sign_in_policy() -> ResponseReturnValue:
    form = SignInPolicyForm(data={"sso_required": sorted(str(r) for r in sso_roles())})
    if form.validate_on_submit():
        changed = set_sign_in_policy(
            current_user,
            sso_required=[Role(value) for value in form.sso_required.data or []],
            client=client_from_request(),
        )
        db.session.commit()
        flash("How people sign in has been saved" if changed else "Nothing was changed", "success")
        return redirect(url_for(".sign_in_policy"))
    return render_template("admin/sign_in_policy.html", form=form, sso_enabled=sso_enabled())
