"""Forms that choose a password: changing one's own (account.change_password) and setting
one through a one-time link (auth.set_password).

Field names are the keys of the operations' InvalidContent errors, so each refusal lands
on the field it is about. Password fields never echo what was typed back into the page,
and nothing strips or tidies a password: spaces count. A new password with a control
character (a tab, a line break) is refused here first, in the policy's words.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput
from wtforms import PasswordField, SubmitField
from wtforms.validators import InputRequired

from app.rules.workflow import InvalidContent
from app.security.password_policy import MAX_LENGTH, MIN_LENGTH, NO_CONFIRMATION
from app.web.field_checks import OneLine

NEW_PASSWORD_HINT = (
    f"Use {MIN_LENGTH:,} to {MAX_LENGTH:,} characters. Any characters are allowed, spaces "
    "included (but not tabs or line breaks): a few unrelated words make a password that "
    "is hard to guess and easy to remember. Do not use your name or email address, or a "
    "password you use elsewhere."
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
        validators=[InputRequired("Enter a new password"), OneLine("Password")],
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
        validators=[InputRequired("Enter a new password"), OneLine("Password")],
        widget=GovPasswordInput(),
    )
    confirm_password = PasswordField(
        "Confirm new password",
        validators=[InputRequired(NO_CONFIRMATION)],
        widget=GovPasswordInput(),
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())
