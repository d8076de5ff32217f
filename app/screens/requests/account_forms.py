"""The forms of an approved account's steps: record the opening, confirm a condition,
review, suspend, reinstate, revoke, close, and confirm the closure after a revocation.

Each carries the account's version the page was drawn from (VersionedForm). The
operations check what is asked (app.rules.accounts) and their refusals land on the
fields they name.
"""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextInput
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice

from app.operations.account_lifecycle import CLOSURE_KINDS
from app.rules.accounts import NOTE_MAX, URL_MAX
from app.rules.content import HANDLE_MAX, SHORT_TEXT_MAX
from app.screens.requests.fields import DateInputField, LimitedTextArea, limit, tidy
from app.screens.requests.forms import VersionedForm


class OpeningForm(VersionedForm):
    handle = StringField(
        "Handle",
        widget=GovTextInput(),
        filters=[tidy],
        validators=[limit("Handle", HANDLE_MAX)],
        description="The account's name on the platform, as it went live",
    )
    url = StringField(
        "Web address (optional)",
        widget=GovTextInput(),
        filters=[tidy],
        validators=[limit("Web address", URL_MAX)],
        description="For example, https://www.tiktok.com/@department",
    )
    opened_on = DateInputField("Date opened")
    owner = StringField(
        "Owner",
        widget=GovTextInput(),
        filters=[tidy],
        validators=[limit("Owner", SHORT_TEXT_MAX)],
        description="The named person in the department who answers for the account",
    )


class ConditionForm(VersionedForm):
    evidence = LimitedTextArea(
        "How is this condition kept?",
        max_length=NOTE_MAX,
        description="Security and auditors will read this statement of evidence.",
    )


class ReviewForm(VersionedForm):
    note = LimitedTextArea(
        "Review note",
        max_length=NOTE_MAX,
        description="What you checked, and why the account may continue.",
    )
    next_review_on = DateInputField(
        "Next review date", description="Leave it blank for a year from today."
    )


class ReasonForm(VersionedForm):
    reason = LimitedTextArea(
        "Reason",
        max_length=NOTE_MAX,
        description="The department and everyone who can see the request will see it.",
    )


class ClosureForm(VersionedForm):
    how = RadioField(
        "What happened to the account?",
        choices=[SelectChoice(value, label) for value, label in CLOSURE_KINDS.items()],
        widget=GovRadioInput(),
        validate_choice=False,
    )
    statement = LimitedTextArea(
        "Statement",
        max_length=NOTE_MAX,
        description="When it was closed, or to whom it was handed over.",
    )
