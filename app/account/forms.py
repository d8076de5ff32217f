"""Forms that choose a password: changing one's own (account.change_password) and setting
one through a one-time link (auth.set_password); and how a person hears from Permit.

Field names are the keys of the operations' InvalidContent errors, so each refusal lands
on the field it is about. Password fields never echo what was typed back into the page,
and nothing strips or tidies a password: spaces count.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovRadioInput, GovSubmitInput
from wtforms import PasswordField, RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from app.models.users import NotificationFrequency
from app.password_policy import MAX_LENGTH, MIN_LENGTH, NO_CONFIRMATION
from app.workflow import InvalidContent

NEW_PASSWORD_HINT = (
    f"Use {MIN_LENGTH:,} to {MAX_LENGTH:,} characters. Any characters are allowed, spaces "
    "included: a few unrelated words make a password that is hard to guess and easy to "
    "remember. Do not use your name or email address, or a password you use elsewhere."
)


class _PasswordForm(FlaskForm):
    def show_refusal(self, refusal: InvalidContent) -> None:
        """Put each of the operation's messages on the field it is about."""
        for name, message in refusal.errors.items():
            field = self._fields[name]
            field.errors = [*field.errors, message]


class SetPasswordForm(_PasswordForm):
    new_password = PasswordField(
        "New password",
        description=NEW_PASSWORD_HINT,
        validators=[InputRequired("Enter a new password")],
        widget=GovPasswordInput(),
    )
    confirm_password = PasswordField(
        "Confirm new password",
        validators=[InputRequired(NO_CONFIRMATION)],
        widget=GovPasswordInput(),
    )
    submit = SubmitField("Set password", widget=GovSubmitInput())


class ChangePasswordForm(_PasswordForm):
    current_password = PasswordField(
        "Current password",
        validators=[InputRequired("Enter your current password")],
        widget=GovPasswordInput(),
    )
    new_password = PasswordField(
        "New password",
        description=NEW_PASSWORD_HINT,
        validators=[InputRequired("Enter a new password")],
        widget=GovPasswordInput(),
    )
    confirm_password = PasswordField(
        "Confirm new password",
        validators=[InputRequired(NO_CONFIRMATION)],
        widget=GovPasswordInput(),
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


class NotificationFrequencyForm(FlaskForm):
    frequency = RadioField(
        "How do you want to hear from Permit?",
        description=(
            "We email you when a request needs your decision, and when a decision is made "
            "on a request you submitted"
        ),
        choices=[
            SelectChoice(
                str(NotificationFrequency.IMMEDIATE),
                "An email for each update, as it happens",
            ),
            SelectChoice(
                str(NotificationFrequency.DAILY),
                "One email each morning with every update since the last",
            ),
        ],
        validators=[InputRequired("Select how you want to hear from Permit")],
        invalid_choice_message="Select how you want to hear from Permit",
        widget=GovRadioInput(),
    )
    submit = SubmitField("Save", widget=GovSubmitInput())
