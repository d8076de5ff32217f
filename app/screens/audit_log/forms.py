"""The audit log's filter form: a GET form read from the query string (the export
button posts the same fields, and CSRFProtect checks that POST's token).

It changes nothing, so it carries no CSRF token of its own. Whatever arrives, bad values
become messages in a GOV.UK error summary, never an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextInput
from werkzeug.datastructures import MultiDict
from wtforms import Field, SelectChoice, SelectField, StringField
from wtforms.validators import Length, ValidationError

from app.audit.events import EventType
from app.audit.filters import AuditFilters
from app.reads.audit_log import ACTOR_MAX, REFERENCE_MAX
from app.rules.formatting import uk_date
from app.rules.workflow import too_long
from app.screens.audit_log.labels import EVENT_LABELS
from app.web.date_field import GovUKDateField


def _no_control_characters(_form: Any, field: Field) -> None:
    # PostgreSQL refuses NUL in text, and no email address or reference holds these.
    if field.data and any(ord(ch) < 32 or ord(ch) == 127 for ch in field.data):
        raise ValidationError(f"{field.label.text} must not contain control characters")


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _choices(everything: str, options: Sequence[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice("", everything)] + [SelectChoice(value, text) for value, text in options]


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only reads

    date_from = GovUKDateField("Date from", description="For example, 27 3 2026")
    date_to = GovUKDateField("Date to", description="For example, 28 3 2026")
    department = SelectField(
        "Department",
        default="",
        widget=GovSelect(),
        invalid_choice_message="Select a department from the list",
    )
    platform = SelectField(
        "Platform",
        default="",
        widget=GovSelect(),
        invalid_choice_message="Select a platform from the list",
    )
    event_type = SelectField(
        "Event type",
        default="",
        widget=GovSelect(),
        choices=_choices("All events", [(str(t), EVENT_LABELS[t]) for t in EventType]),
        invalid_choice_message="Select an event from the list",
    )
    actor = StringField(
        "Actor's email address",
        description="All or part of it",
        filters=[_strip],
        validators=[
            Length(
                max=ACTOR_MAX,
                message=too_long("Actor's email address", ACTOR_MAX),
            ),
            _no_control_characters,
        ],
        widget=GovTextInput(),
    )
    reference = StringField(
        "Request reference",
        description="For example, PRQ-2026-00042",
        filters=[_strip],
        validators=[
            Length(
                max=REFERENCE_MAX,
                message=too_long("Request reference", REFERENCE_MAX),
            ),
            _no_control_characters,
        ],
        widget=GovTextInput(),
    )

    #: Fields in the order the panel, the tags and the error summary show them.
    FILTER_FIELDS = (
        "date_from",
        "date_to",
        "department",
        "platform",
        "event_type",
        "actor",
        "reference",
    )

    @classmethod
    def from_query(
        cls,
        args: MultiDict[str, str],
        *,
        departments: Sequence[tuple[str, str]],
        platforms: Sequence[str],
    ) -> AuditFilterForm:
        """The form filled from a query string, with the departments and platforms known."""
        form = cls(formdata=args)
        form.department.choices = _choices("All departments", departments)
        form.platform.choices = _choices("All platforms", [(name, name) for name in platforms])
        return form

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        first, last = self.date_from.data, self.date_to.data
        if first and last and last < first and not self.date_to.errors:
            self.date_to.errors.append("Date to must be the same as or after date from")
            valid = False
        return valid

    def filters(self) -> AuditFilters:
        """The filters asked for (call after `validate()` returned True)."""
        return AuditFilters(
            first_day=self.date_from.data,
            last_day=self.date_to.data,
            department=self.department.data or None,
            platform=self.platform.data or None,
            event_type=EventType(self.event_type.data) if self.event_type.data else None,
            actor=self.actor.data or None,
            reference=self.reference.data or None,
        )

    def query_pairs(self, *, without: str | None = None) -> list[tuple[str, str]]:
        """The filters in force as query-string pairs, leaving out field `without` and any
        field with an error (so a "remove" link also drops what could not be used)."""
        pairs: list[tuple[str, str]] = []
        for name in self.FILTER_FIELDS:
            field = self[name]
            if name == without or field.errors:
                continue
            if isinstance(field, GovUKDateField):
                pairs.extend((name, part) for part in field.query_values())
            elif field.data:
                pairs.append((name, field.data))
        return pairs

    def selected(self, url_without: Callable[[str], str]) -> list[dict[str, Any]]:
        """The MoJ filter panel's "Selected filters": one tag per filter in force, each
        linking to `url_without(field_name)`."""
        categories = []
        for name in self.FILTER_FIELDS:
            field = self[name]
            text = None if field.errors else self._tag_text(field)
            if text:
                categories.append(
                    {
                        "heading": field.label.text,
                        "items": [{"text": text, "href": url_without(name)}],
                    }
                )
        return categories

    @staticmethod
    def _tag_text(field: Field) -> str | None:
        if isinstance(field, GovUKDateField):
            return uk_date(field.data) if field.data else None
        if isinstance(field, SelectField):
            labels = {choice.value: choice.label for choice in field.choices or []}
            return labels.get(field.data) if field.data else None
        return field.data or None

    def error_list(self) -> list[dict[str, str]]:
        """govukErrorSummary's errorList: each field's first error, linked to its input
        (for a date, the first box to correct, as the GOV.UK pattern asks)."""
        errors = []
        for name in self.FILTER_FIELDS:
            field = self[name]
            if field.errors:
                target = field.id
                if isinstance(field, GovUKDateField):
                    target = f"{field.id}-{field.error_part}"
                errors.append({"text": str(field.errors[0]), "href": f"#{target}"})
        return errors
