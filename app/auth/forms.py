"""The sign-in form, rendered with GOV.UK widgets (govuk-frontend-wtf)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired

#: Shown for every failed sign-in, whatever the reason, so it gives nothing away.
SIGN_IN_FAILED_MESSAGE = "Enter a correct email address and password"


class SignInForm(FlaskForm):
    email = StringField(
        "Email address",
        validators=[InputRequired("Enter your email address")],
        widget=GovTextInput(),
    )
    password = PasswordField(
        "Password",
        validators=[InputRequired("Enter your password")],
        widget=GovPasswordInput(),
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())

    def reject(self) -> None:
        """Mark the form as a failed sign-in: one message, linked from the summary to email."""
        self.email.errors.append(SIGN_IN_FAILED_MESSAGE)
