"""The officer's forms: the first question page, one form per section of the request,
and the submit and withdraw confirmations.

Field names are the content field names of app.rules.content, so a domain refusal
(`InvalidContent.errors`, keyed by field) lands on the field it is about.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from flask import abort
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, Field, IntegerField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.widgets import HiddenInput

from app.rules.content import TEXT_FIELDS
from app.rules.workflow import KIND_LABELS, REASON_MAX, RequestKind
from app.screens.requests.fields import (
    DateInputField,
    LimitedTextArea,
    PoundsField,
    content_length,
    content_text_area,
    tidy,
)

_LABELS = {field.name: field.label for field in TEXT_FIELDS}

#: Shown under each kind of request on the radios.
KIND_HINTS: dict[RequestKind, str] = {
    RequestKind.NEW_ACCOUNT: "The department will open and run a new official account.",
    RequestKind.REACTIVATE_ACCOUNT: (
        "The department already has an account on the platform that has not been used for a while."
    ),
    RequestKind.PAID_ADVERTISING: (
        "The department will pay for adverts on the platform but will not run an account."
    ),
}

KIND_CHOICES = [SelectChoice(str(kind), KIND_LABELS[kind]) for kind in RequestKind]


class KindField(RadioField):
    """The kind of request, as radios with a hint under each kind."""

    @property
    def hint_items(self) -> list[dict[str, Any]]:
        """Radio item options giving each choice its hint (a new list for each use:
        govuk-frontend-wtf changes the options it is given)."""
        return [{"hint": {"text": KIND_HINTS[kind]}} for kind in RequestKind]


def kind_field() -> Any:
    return KindField(
        "What is the request for?",
        choices=KIND_CHOICES,
        validators=[InputRequired("Select what the request is for")],
        invalid_choice_message="Select what the request is for",
        widget=GovRadioInput(),
    )


def text_input(name: str, **kwargs: Any) -> Any:
    """A one-line text answer for content field `name`, with its label and limit."""
    return StringField(
        _LABELS[name],
        validators=[content_length(name)],
        filters=[tidy],
        widget=GovTextInput(),
        **kwargs,
    )


class OfficerForm(FlaskForm):
    """What every officer form shares: errors from a refusal, and the error summary."""

    def add_errors(
        self, errors: Mapping[str, str], href_for: Callable[[str], str | None] = lambda _: None
    ) -> None:
        """Show a refusal's errors: on the field they name, else at the top of the form
        (linked to `href_for(name)`, such as the page where that answer is given)."""
        for name, message in errors.items():
            field = self._fields.get(name)
            if field is not None and not isinstance(field.widget, HiddenInput):
                field.errors = [*field.errors, message]
            else:
                self.form_errors.append({"text": message, "href": href_for(name)})

    def error_summary(self) -> dict[str, Any]:
        """govukErrorSummary() options: each field's first error, linked to its input."""
        items: list[dict[str, Any]] = []
        for field in self:
            if field.errors:
                href = field.error_href if isinstance(field, DateInputField) else f"#{field.id}"
                items.append({"text": field.errors[0], "href": href})
        for error in self.form_errors:
            if isinstance(error, dict):
                items.append({key: value for key, value in error.items() if value})
            else:
                items.append({"text": str(error)})
        return {"titleText": "There is a problem", "errorList": items}


class VersionedForm(OfficerForm):
    """A form about one request, carrying the request's version the page was drawn from.

    The operation refuses the change if the request has moved on since (StaleRequest).
    """

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.version.errors:
            # Not a person's mistake to correct on the page: the form was not ours.
            abort(400, description="The form was sent without the version of the request.")
        return valid

    def show_version(self, version: int) -> None:
        """Draw the page again for `version` (after someone else changed the request)."""
        self.version.raw_data = None
        self.version.data = version


# The first question page ---------------------------------------------------------------


class NewRequestForm(OfficerForm):
    platform = RadioField(
        "Which platform is the request for?",
        validators=[InputRequired("Select the platform")],
        invalid_choice_message="Select the platform",
        widget=GovRadioInput(),
    )
    kind = kind_field()
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def __init__(self, platforms: Iterable[Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.platform.choices = [SelectChoice(str(p.id), p.name) for p in platforms]


# The sections --------------------------------------------------------------------------


class SectionForm(VersionedForm):
    """One question page. `CONTENT` names the content fields it asks for."""

    CONTENT: ClassVar[tuple[str, ...]] = ()

    save_continue = SubmitField("Save and continue", widget=GovSubmitInput())
    save_draft = SubmitField("Save as draft", widget=GovSubmitInput())

    def content(self) -> dict[str, Any]:
        """The answers on this page, as update_request takes them."""
        return {name: _content_value(self._fields[name]) for name in self.CONTENT}


def _content_value(field: Field) -> Any:
    if isinstance(field, StringField):
        return field.data or ""
    if isinstance(field, BooleanField):
        return bool(field.data)
    return field.data


class KindForm(SectionForm):
    CONTENT = ("kind",)
    kind = kind_field()


class AccountForm(SectionForm):
    CONTENT = ("account_handle",)
    account_handle = text_input(
        "account_handle", description="The name people see on the platform, like @dsitgovuk"
    )


class PurposeForm(SectionForm):
    CONTENT = ("purpose", "target_audience", "justification")
    purpose = content_text_area(
        "purpose", description="What the department will use the platform for"
    )
    target_audience = content_text_area(
        "target_audience", description="Who the department wants to reach"
    )
    justification = content_text_area(
        "justification",
        description="Why this platform is needed, rather than channels the department already uses",
    )


class DatesForm(SectionForm):
    CONTENT = ("start_date", "end_date")
    start_date = DateInputField("Start date", description="For example, 27 3 2027")
    end_date = DateInputField(
        "End date",
        description="Leave this empty if the use has no planned end. For example, 31 3 2028",
    )


class PeopleForm(SectionForm):
    CONTENT = ("senior_responsible_owner", "account_managers")
    senior_responsible_owner = text_input(
        "senior_responsible_owner",
        description="The senior civil servant accountable for the account, and their role",
    )
    account_managers = content_text_area(
        "account_managers", description="The people who will post and reply, and their roles"
    )


class DeviceForm(SectionForm):
    CONTENT = ("device_arrangement", "device_attestation")
    device_arrangement = content_text_area(
        "device_arrangement",
        description="How the standalone device is provided, where it is kept and how it is secured",
    )
    device_attestation = BooleanField(
        "I confirm the app will not be installed on any government device",
        widget=GovCheckboxInput(),
    )


class DataProtectionForm(SectionForm):
    CONTENT = ("dpia_reference",)
    dpia_reference = text_input(
        "dpia_reference", description="The reference your data protection officer gave it"
    )


class AdvertisingForm(SectionForm):
    CONTENT = ("ad_budget_pounds",)
    ad_budget_pounds = PoundsField(
        "Advertising budget",
        description="In whole pounds. Leave this empty if you do not plan to pay for adverts.",
    )


class RisksForm(SectionForm):
    CONTENT = ("risk_mitigations",)
    risk_mitigations = content_text_area(
        "risk_mitigations",
        description="What could go wrong, and what the department will do to prevent it",
    )


# Confirmations -------------------------------------------------------------------------


class SubmitForm(VersionedForm):
    """Check your answers: submit or resubmit the request as it is now."""


class WithdrawForm(VersionedForm):
    reason = LimitedTextArea(
        "Reason",
        max_length=REASON_MAX,
        description="Everyone who can see the request will see your reason.",
    )
