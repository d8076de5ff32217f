"""The forms of a change to an approved account: asking for it, and deciding a stage."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextInput
from wtforms import HiddenField, RadioField, StringField
from wtforms.fields.choices import SelectChoice

from app.rules.accounts import NOTE_MAX
from app.rules.content import HANDLE_MAX, SHORT_TEXT_MAX
from app.rules.workflow import REASON_MAX
from app.screens.requests.fields import LimitedTextArea, limit, tidy
from app.screens.requests.forms import VersionedForm


class ChangeForm(VersionedForm):
    handle = StringField(
        "Handle",
        widget=GovTextInput(),
        filters=[tidy],
        validators=[limit("Handle", HANDLE_MAX)],
    )
    owner = StringField(
        "Owner",
        widget=GovTextInput(),
        filters=[tidy],
        validators=[limit("Owner", SHORT_TEXT_MAX)],
    )
    purpose = LimitedTextArea("Purpose", max_length=REASON_MAX)
    reason = LimitedTextArea(
        "Why is the change needed?",
        max_length=NOTE_MAX,
        description="The approvers of the platform's account changes will read this.",
    )


class ChangeDecisionForm(VersionedForm):
    stage = HiddenField()
    outcome = RadioField(
        "Your decision",
        choices=[SelectChoice("approve", "Approve"), SelectChoice("reject", "Reject")],
        widget=GovRadioInput(),
        validate_choice=False,
    )
    reason = LimitedTextArea(
        "Reason", max_length=NOTE_MAX, description="Needed to reject; optional to approve."
    )
