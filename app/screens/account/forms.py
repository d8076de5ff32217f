"""How a person hears from Permit (account.notifications). The password forms, which
setting a password through a link uses too, are in app.web.password_forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from app.models.users import NotificationFrequency


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
