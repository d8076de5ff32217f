"""The forms of the second step of signing in and of setting up a second factor (GOV.UK
widgets), shared by the sign-in pages and the person's own account pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import Field, StringField, SubmitField
from wtforms.validators import InputRequired, ValidationError

from app.security.two_factor import DIGITS, normalise_code

#: Shown for every refused code, wrong or (the account locked) right, so it says nothing more.
WRONG_CODE_MESSAGE = "Enter a correct code from your authenticator app"
WRONG_RECOVERY_CODE_MESSAGE = "Enter a correct recovery code"


def _six_digits(form: FlaskForm, field: Field) -> None:
    code = normalise_code(field.data or "")
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        raise ValidationError(f"Enter the code as {DIGITS} numbers, like 123456")


class CodeForm(FlaskForm):
    """A code from the authenticator app."""

    code = StringField(
        "Code from your authenticator app",
        validators=[InputRequired("Enter the code from your authenticator app"), _six_digits],
        widget=GovTextInput(),
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def reject(self) -> None:
        self.code.errors.append(WRONG_CODE_MESSAGE)


class RecoveryCodeForm(FlaskForm):
    """One of the ten recovery codes, instead of the app's code."""

    code = StringField(
        "Recovery code",
        validators=[InputRequired("Enter one of your recovery codes")],
        widget=GovTextInput(),
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def reject(self) -> None:
        self.code.errors.append(WRONG_RECOVERY_CODE_MESSAGE)


class ContinueForm(FlaskForm):
    """A button, and the CSRF token that makes its POST safe."""

    submit = SubmitField("Continue", widget=GovSubmitInput())
