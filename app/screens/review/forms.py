"""The approver's forms: the decision on a stage, and the queue's filter panel."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from app.rules.workflow import (
    OUTCOME_LABELS,
    ConditionsRequired,
    InvalidContent,
    Outcome,
    ReasonRequired,
    Refusal,
)
from app.web.filter_forms import DepartmentPlatformFilterForm

#: The textarea that holds the reason for each outcome that needs one. Each outcome has
#: its own, so each can be revealed under its own radio.
REASON_FIELDS: dict[Outcome, str] = {
    Outcome.REQUEST_CHANGES: "changes_reason",
    Outcome.REJECT: "rejection_reason",
}


class DecisionForm(FlaskForm):
    outcome = RadioField(
        "What is your decision?",
        description="The officer sees your decision, with any conditions or reason you give",
        choices=[SelectChoice(str(outcome), OUTCOME_LABELS[outcome]) for outcome in Outcome],
        validators=[InputRequired("Select your decision")],
        widget=GovRadioInput(),
    )
    conditions = TextAreaField(
        "Conditions",
        description="What the department must do, or must not do, under this approval",
        widget=GovTextArea(),
    )
    changes_reason = TextAreaField(
        "What needs to change",
        description="The officer sees this and can change the request and resubmit it",
        widget=GovTextArea(),
    )
    rejection_reason = TextAreaField(
        "Reason for rejecting",
        description="The officer sees this. A rejected request cannot be resubmitted",
        widget=GovTextArea(),
    )
    #: What the approver saw: a decision on a request that has moved on since is refused.
    stage = HiddenField()
    version = HiddenField()
    submit = SubmitField("Send decision", widget=GovSubmitInput())

    @property
    def chosen(self) -> Outcome | None:
        try:
            return Outcome(self.outcome.data)
        except ValueError:
            return None

    @property
    def seen_version(self) -> int | None:
        """The version the approver saw, or None if the page sent none that makes sense."""
        try:
            return int(self.version.data or "")
        except ValueError:
            return None

    def decision(self) -> dict[str, Any]:
        """decide_stage()'s keyword arguments for what was chosen and typed."""
        outcome = self.chosen
        assert outcome is not None, "call after validate()"
        reason_field = REASON_FIELDS.get(outcome)
        return {
            "stage": self.stage.data,
            "version": self.seen_version,
            "outcome": outcome,
            "reason": (getattr(self, reason_field).data or "") if reason_field else "",
            "conditions": (self.conditions.data or "")
            if outcome is Outcome.APPROVE_WITH_CONDITIONS
            else "",
        }

    def show_refusal(self, refusal: Refusal) -> None:
        """Put a refused decision's message on the field it is about."""
        outcome = self.chosen
        if isinstance(refusal, InvalidContent):
            problems = refusal.errors
        elif isinstance(refusal, ConditionsRequired):
            problems = {"conditions": refusal.message}
        elif isinstance(refusal, ReasonRequired):
            problems = {"reason": refusal.message}
        else:
            problems = {"outcome": refusal.message}
        for name, message in problems.items():
            if name == "reason" and outcome in REASON_FIELDS:
                name = REASON_FIELDS[outcome]
            field = getattr(self, name, None) if name in self._fields else self.outcome
            assert field is not None
            field.errors = [*field.errors, message]


class QueueFilterForm(DepartmentPlatformFilterForm):
    """The queue's filter panel."""
