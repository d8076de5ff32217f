"""The sign-in form, rendered with GOV.UK widgets (govuk-frontend-wtf)."""

from __future__ import annotations

import unicodedata

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import Field, PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError

from app.operations.sign_in import EMAIL_MAX

#: Shown for every failed sign-in, whatever the reason, so it gives nothing away.
SIGN_IN_FAILED_MESSAGE = "Enter a correct email address and password"
EMAIL_FORMAT_MESSAGE = "Enter an email address in the correct format, like name@example.gov.uk"


def _no_control_characters(_form: FlaskForm, field: Field) -> None:
    # No address holds one, and PostgreSQL refuses a NUL in a query (it was a 500).
    if any(unicodedata.category(ch) == "Cc" for ch in field.data or ""):
        raise ValidationError(EMAIL_FORMAT_MESSAGE)


class SignInForm(FlaskForm):
    email = StringField(
        "Email address",
        validators=[
            InputRequired("Enter your email address"),
            Length(max=EMAIL_MAX, message=EMAIL_FORMAT_MESSAGE),
            _no_control_characters,
        ],
        widget=GovTextInput(),
    )
    password = PasswordField(
        "Password",
        validators=[InputRequired("Enter your password")],
        widget=GovPasswordInput(),
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())

    def refuse_for_sso(self, provider: str) -> None:
        """The right password, from someone whose role must use single sign-on."""
        self.email.errors.append(
            f"People in your role must sign in with {provider}: use the button below"
        )

    def reject(self) -> None:
        """Mark the form as a failed sign-in: one message, linked from the summary to email."""
        self.email.errors.append(SIGN_IN_FAILED_MESSAGE)
