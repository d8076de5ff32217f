"""A person's personal API tokens: the list, making one (shown once), revoking one.

A token's scopes are offered only as far as the person's roles allow (app.security.api_tokens);
the operation checks again. The new token is shown in the answer to the form that made it
and nowhere else: it is stored only as a hash, like the recovery codes' page
(app.screens.account.two_factor). Another person's token is a 404, as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from sqlalchemy import select
from wtforms import RadioField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from app.extensions import db
from app.models.api import ApiToken
from app.models.types import utcnow
from app.operations.create_api_token import (
    NO_EXPIRY,
    NO_NAME,
    NO_SCOPES,
    create_api_token,
)
from app.operations.revoke_api_token import revoke_api_token
from app.rules.workflow import InvalidContent, too_long
from app.screens.account import blueprint
from app.security.api_tokens import EXPIRY_DAYS, NAME_MAX, SCOPE_DESCRIPTIONS, Scope, allowed_scopes
from app.web.client import client_from_request

#: Largest id a URL may name: more cannot be a row (and SQLite refuses such a number).
TOKEN_ID_MAX = 2**31 - 1
DEFAULT_EXPIRY_DAYS = 90


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class NewApiTokenForm(FlaskForm):
    name = StringField(
        "Name",
        description="So you can tell your tokens apart, for example 'Department dashboard'",
        filters=[_strip],
        validators=[
            InputRequired(NO_NAME),
            Length(max=NAME_MAX, message=too_long("Name", NAME_MAX)),
        ],
        widget=GovTextInput(),
    )
    scopes = SelectMultipleField(
        "What may the token do?",
        description="Select all that apply. You can only choose what your roles allow.",
        validators=[InputRequired(NO_SCOPES)],
        invalid_choice_message="Select what the token may do from the list",
        widget=GovCheckboxesInput(),
    )
    expires_in_days = RadioField(
        "When should the token expire?",
        choices=[SelectChoice(str(days), f"In {days} days") for days in EXPIRY_DAYS],
        default=str(DEFAULT_EXPIRY_DAYS),
        validators=[InputRequired(NO_EXPIRY)],
        invalid_choice_message=NO_EXPIRY,
        widget=GovRadioInput(),
    )
    submit = SubmitField("Create token", widget=GovSubmitInput())

    def offer(self, scopes: Iterable[Scope]) -> None:
        """Offer only `scopes` (what the person's roles allow), in Scope order."""
        offered = set(scopes)
        self.scopes.choices = [
            SelectChoice(str(scope), f"{scope}: {SCOPE_DESCRIPTIONS[scope]}")
            for scope in Scope
            if scope in offered
        ]

    def show_refusal(self, refusal: InvalidContent) -> None:
        for name, message in refusal.errors.items():
            field = self._fields[name]
            field.errors = [*field.errors, message]


def token_status(token: ApiToken) -> str:
    if token.revoked_at is not None:
        return "Revoked"
    if token.expires_at <= utcnow():
        return "Expired"
    return "Active"


@blueprint.route("/api-tokens", methods=["GET", "POST"])
def api_tokens() -> ResponseReturnValue:
    """The person's tokens, and the form to make one (its answer shows the new token)."""
    user = current_user
    offered = allowed_scopes(user)
    form = NewApiTokenForm()
    form.offer(offered)
    if offered and form.validate_on_submit():
        try:
            token, text = create_api_token(
                user,
                name=form.name.data or "",
                scopes=form.scopes.data or [],
                expires_in_days=int(form.expires_in_days.data or 0),
                client=client_from_request(),
            )
        except InvalidContent as refusal:
            db.session.rollback()
            form.show_refusal(refusal)
        else:
            db.session.commit()
            # Shown in this answer only: the token is kept nowhere but as a hash.
            return render_template("account/api_token_created.html", token=token, text=text)
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    ).all()
    return render_template(
        "account/api_tokens.html",
        form=form,
        offered=bool(offered),
        tokens=tokens,
        token_status=token_status,
    )


@blueprint.post("/api-tokens/<int:token_id>/revoke")
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke one of the person's own tokens (CSRFProtect has checked the form's token)."""
    token = db.session.get(ApiToken, token_id) if token_id <= TOKEN_ID_MAX else None
    if token is None or token.user_id != current_user.id:
        abort(404)
    if revoke_api_token(token, current_user, client=client_from_request()):
        flash(f'Token "{token.name}" has been revoked: it no longer works', "success")
    db.session.commit()
    return redirect(url_for("account.api_tokens"))
