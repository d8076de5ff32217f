"""What the API reads and writes, as marshmallow schemas: flask-smorest validates request
bodies and query strings against them and writes the OpenAPI document from them.

The schemas check shape only (types, required fields, known values). The rules about
content (lengths, control characters, dates in order, what a submission needs) stay in
app.rules.content and app.rules.workflow, and come back as the operations' refusals, worded as on
the screens: one copy of each rule. Limits are still written into the document (maxLength)
so a client can see them.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.audit.events import EventType
from app.audit.export import ExportFormat
from app.reads.audit_log import ACTOR_MAX, MAX_SEQ, REFERENCE_MAX
from app.rules.content import BUDGET_MAX_POUNDS, TEXT_FIELDS
from app.rules.workflow import KIND_LABELS, OUTCOME_LABELS, REASON_MAX, RequestKind, Status

#: Items on a page of a list, unless the caller asks for fewer or more (1 to 100).
DEFAULT_LIMIT = 50
MAX_LIMIT = 100

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _no_control_characters(value: str) -> None:
    # PostgreSQL refuses NUL in a query, and no name, code or reference holds these.
    if _CONTROL.search(value):
        raise ValidationError("Must not contain control characters")


def _enum_values(enum: Any) -> list[str]:
    return [str(member) for member in enum]


def _labelled(labels: dict[Any, str]) -> str:
    return "; ".join(f"`{value}`: {label}" for value, label in labels.items())


# Problems (documentation only: app.web.problems writes them) ------------------------------


class ProblemErrorSchema(Schema):
    detail = fields.String(required=True, metadata={"description": "What is wrong"})
    pointer = fields.String(
        metadata={"description": "JSON pointer to the body member it is about, like #/purpose"}
    )
    parameter = fields.String(metadata={"description": "The query parameter it is about"})
    header = fields.String(metadata={"description": "The header it is about"})


class ProblemSchema(Schema):
    """A problem (RFC 9457). `type` names it; the reference page lists every type."""

    type = fields.String(
        required=True,
        metadata={
            "description": (
                "The problem's type: https://permit.service.gov.uk/problems/<name>, or "
                "about:blank for a plain HTTP error"
            )
        },
    )
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(metadata={"description": "What happened, for a person to read"})
    errors = fields.List(fields.Nested(ProblemErrorSchema), metadata={"description": "Per field"})


# People and decisions ---------------------------------------------------------------------


class PersonSchema(Schema):
    name = fields.String(attribute="display_name", required=True)
    email = fields.String(required=True)


class DecisionSchema(Schema):
    id = fields.Integer(required=True)
    revision = fields.Integer(
        attribute="revision.number",
        required=True,
        metadata={"description": "The revision this decision was made on"},
    )
    stage = fields.String(attribute="stage_code", required=True)
    outcome = fields.String(
        required=True,
        validate=validate.OneOf(_enum_values(OUTCOME_LABELS)),
        metadata={"description": _labelled(OUTCOME_LABELS)},
    )
    reason = fields.String(required=True)
    conditions = fields.String(required=True)
    approver = fields.Nested(PersonSchema, required=True)
    on_behalf_of = fields.Nested(
        PersonSchema,
        allow_none=True,
        metadata={"description": "The absent approver the approver decided for, as their delegate"},
    )
    decided_at = fields.DateTime(required=True)


# Request content ---------------------------------------------------------------------------


#: A content field's description, where its label is not enough.
_NOTES = {
    # The rule is each platform's data (Platform.handle_rule), so the document names none.
    "account_handle": (
        "Account name or handle. A platform may limit how long a handle is and what it holds "
        "(after an optional @); one its platform does not take is refused as invalid-content, "
        "the error's detail saying what a handle may hold"
    ),
}


def content_fields(*, required: bool = False) -> dict[str, fields.Field]:
    """The content of a request (app.rules.content), as fields every request schema shares:
    `required` for what the API writes (every field, always), not for what it reads."""
    made: dict[str, fields.Field] = {
        "kind": fields.String(
            required=required,
            validate=validate.OneOf(_enum_values(RequestKind)),
            metadata={"description": _labelled(KIND_LABELS)},
        )
    }
    for field in TEXT_FIELDS:
        made[field.name] = fields.String(
            required=required,
            metadata={
                "description": _NOTES.get(field.name, field.label),
                "maxLength": field.max_length,
            },
        )
    made["start_date"] = fields.Date(required=required, allow_none=True)
    made["end_date"] = fields.Date(
        required=required,
        allow_none=True,
        metadata={"description": "The same as or after start_date"},
    )
    made["device_attestation"] = fields.Boolean(
        required=required,
        truthy={True},
        falsy={False},
        metadata={"description": "The app will not be installed on a government device"},
    )
    made["ad_budget_pounds"] = fields.Integer(
        required=required,
        strict=True,
        allow_none=True,
        metadata={
            "description": "Paid advertising budget in whole pounds",
            "minimum": 0,
            "maximum": BUDGET_MAX_POUNDS,
        },
    )
    return made


#: Every content field, required: what a request's representation always holds.
RequestContentSchema = Schema.from_dict(content_fields(required=True), name="RequestContentSchema")


class RequestSummarySchema(Schema):
    reference = fields.String(required=True, metadata={"example": "PRQ-2026-00042"})
    status = fields.String(
        required=True,
        validate=validate.OneOf(_enum_values(Status)),
        metadata={
            "description": "draft, in_review, changes_requested, approved, rejected or withdrawn"
        },
    )
    department = fields.String(attribute="department.code", required=True)
    platform = fields.String(attribute="platform.name", required=True)
    kind = fields.String(required=True, validate=validate.OneOf(_enum_values(RequestKind)))
    account_handle = fields.String(required=True)
    current_stage = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The stage that must decide next, while in review"},
    )
    version = fields.Integer(
        required=True,
        metadata={"description": "Changes with every change; the ETag is built on it"},
    )
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    submitted_at = fields.DateTime(required=True, allow_none=True)


def summary_of(row: Any) -> dict[str, Any]:
    """What `RequestSummarySchema().dump(request)` gives, from a row of the list's query
    (app.api.requests.SUMMARY_COLUMNS, named as the summary's fields): a list of 50 spent
    a fifth of its time in marshmallow's per-field work, and more making ORM objects. The
    schema stays the document's; tests/api/test_list_summaries.py holds the two equal."""
    return {
        "reference": row.reference,
        "status": row.status,
        "department": row.department,
        "platform": row.platform,
        "kind": row.kind,
        "account_handle": row.account_handle,
        "current_stage": row.current_stage,
        "version": row.version,
        "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
        "submitted_at": _iso(row.submitted_at),
    }


def _iso(moment: Any) -> str | None:
    return None if moment is None else moment.isoformat()


class RequestSchema(RequestSummarySchema, RequestContentSchema):  # type: ignore[misc,valid-type]
    """A request: its workflow state, what the officer filled in, and its decisions."""

    requester = fields.Nested(PersonSchema, required=True)
    revision = fields.Method(
        "latest_revision_number",
        required=True,
        allow_none=True,
        metadata={
            "type": "integer",
            "description": "The number of the latest revision submitted; null for a draft",
        },
    )
    decisions = fields.List(fields.Nested(DecisionSchema), required=True)

    def latest_revision_number(self, access_request: Any) -> int | None:
        revision = access_request.latest_revision
        return revision.number if revision is not None else None


class RequestPageSchema(Schema):
    items = fields.List(fields.Nested(RequestSummarySchema), required=True)
    next = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The next page's URL (same filters), or null on the last"},
    )


class NewRequestSchema(Schema.from_dict(content_fields())):  # type: ignore[misc]
    """A new draft: the platform and what it is for are needed; any other content may
    be given now or later."""

    platform = fields.String(
        required=True,
        validate=_no_control_characters,
        metadata={"description": "The platform's name, such as TikTok"},
    )
    kind = fields.String(
        required=True,
        validate=validate.OneOf(_enum_values(RequestKind)),
        metadata={"description": _labelled(KIND_LABELS)},
    )


class RequestChangesSchema(Schema.from_dict(content_fields())):  # type: ignore[misc]
    """The content fields to change; those left out keep their values."""


class WithdrawalSchema(Schema):
    reason = fields.String(
        load_default="",
        metadata={"description": "Why, for the record", "maxLength": REASON_MAX},
    )


class NewDecisionSchema(Schema):
    outcome = fields.String(
        required=True,
        validate=validate.OneOf(_enum_values(OUTCOME_LABELS)),
        metadata={"description": _labelled(OUTCOME_LABELS)},
    )
    stage = fields.String(
        metadata={
            "description": (
                "The stage you are deciding, as you saw it (optional: If-Match already "
                "names the version you saw)"
            )
        }
    )
    reason = fields.String(
        load_default="",
        metadata={
            "description": "Needed to request changes or reject",
            "maxLength": REASON_MAX,
        },
    )
    conditions = fields.String(
        load_default="",
        metadata={"description": "Needed to approve with conditions", "maxLength": REASON_MAX},
    )
    on_behalf_of = fields.Email(
        load_default=None,
        metadata={
            "description": (
                "The email address of the absent approver you cover for today, to decide in "
                "their name (a delegation); leave it out to decide as yourself"
            )
        },
    )


class RevisionSchema(Schema):
    number = fields.Integer(required=True)
    content = fields.Dict(
        required=True,
        metadata={"description": "The content as submitted, in canonical form (dates as text)"},
    )
    content_sha256 = fields.String(required=True)
    pipeline = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "The stages that sign it, in order"},
    )
    submitted_by = fields.Nested(PersonSchema, required=True)
    submitted_at = fields.DateTime(required=True)


class RevisionListSchema(Schema):
    items = fields.List(fields.Nested(RevisionSchema), required=True)


# Lists and cursors -----------------------------------------------------------------------


class Cursor(fields.String):
    """An opaque cursor: base64url of the last id (or seq) on the page before. It reads
    as the number it holds."""

    def _deserialize(  # type: ignore[override]
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> int:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise ValidationError("Not a cursor from this API") from None
        if not (decoded.isascii() and decoded.isdecimal()) or len(decoded) > 19:
            raise ValidationError("Not a cursor from this API")
        number = int(decoded)
        if not 0 <= number <= MAX_SEQ:
            raise ValidationError("Not a cursor from this API")
        return number


def encode_cursor(number: int) -> str:
    return base64.urlsafe_b64encode(str(number).encode("ascii")).decode("ascii").rstrip("=")


class PageArgsSchema(Schema):
    cursor = Cursor(metadata={"description": "From the previous page's `next`"})
    limit = fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(1, MAX_LIMIT),
        metadata={"description": f"Items per page, 1 to {MAX_LIMIT}"},
    )


class RequestListArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(_enum_values(Status)))
    department = fields.String(
        validate=_no_control_characters, metadata={"description": "A department's code"}
    )
    platform = fields.String(
        validate=_no_control_characters, metadata={"description": "A platform's name"}
    )
    stage = fields.String(
        validate=_no_control_characters,
        metadata={"description": "Only requests waiting for this stage's decision"},
    )


# The audit trail ---------------------------------------------------------------------------


class AuditFilterArgsSchema(Schema):
    """The audit log's filters (app.audit.filters.AuditFilters), as query parameters."""

    first_day = fields.Date(metadata={"description": "From this day (London time), inclusive"})
    last_day = fields.Date(metadata={"description": "To this day (London time), inclusive"})
    department = fields.String(
        validate=_no_control_characters,
        metadata={"description": "A department's code: events about its requests"},
    )
    platform = fields.String(
        validate=_no_control_characters,
        metadata={"description": "A platform's name: events about requests for it"},
    )
    event_type = fields.String(validate=validate.OneOf(_enum_values(EventType)))
    actor = fields.String(
        validate=[validate.Length(max=ACTOR_MAX), _no_control_characters],
        metadata={"description": "All or part of the actor's email address, any case"},
    )
    reference = fields.String(
        validate=[validate.Length(max=REFERENCE_MAX), _no_control_characters],
        metadata={"description": "A request reference, any case"},
    )

    @validates_schema
    def _days_in_order(self, data: dict[str, Any], **_kwargs: Any) -> None:
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and last < first:
            raise ValidationError("Must be the same as or after first_day", "last_day")


class EventListArgsSchema(AuditFilterArgsSchema, PageArgsSchema):
    pass


class ExportArgsSchema(AuditFilterArgsSchema):
    format = fields.String(
        required=True,
        validate=validate.OneOf(_enum_values(ExportFormat)),
        metadata={"description": "csv or jsonl (docs/audit-format.md, Exports)"},
    )


class EventSchema(Schema):
    """An audit event: its hashed fields, `prev_hash` and `hash`, as in a JSON Lines export."""

    seq = fields.Integer(required=True)
    occurred_at = fields.String(
        required=True, metadata={"description": "UTC, as hashed: YYYY-MM-DDTHH:MM:SS.ffffffZ"}
    )
    event_type = fields.String(required=True)
    actor_id = fields.Integer(required=True, allow_none=True)
    actor_email = fields.String(required=True, allow_none=True)
    actor_roles = fields.List(fields.String(), required=True)
    request_id = fields.Integer(required=True, allow_none=True)
    request_reference = fields.String(required=True, allow_none=True)
    from_status = fields.String(required=True, allow_none=True)
    to_status = fields.String(required=True, allow_none=True)
    stage = fields.String(required=True, allow_none=True)
    comment = fields.String(required=True, allow_none=True)
    payload = fields.Dict(required=True)
    client_address = fields.String(required=True, allow_none=True)
    correlation_id = fields.String(required=True, allow_none=True)
    prev_hash = fields.String(required=True)
    hash = fields.String(required=True)


class EventPageSchema(Schema):
    items = fields.List(fields.Nested(EventSchema), required=True)
    next = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The page of the next events (same filters), or null for now"},
    )


class ChainHeadSchema(Schema):
    seq = fields.Integer(required=True, metadata={"description": "0 for an empty chain"})
    hash = fields.String(required=True, metadata={"description": "64 zeros for an empty chain"})


class ManifestFileSchema(Schema):
    name = fields.String(required=True)
    format = fields.String(required=True)
    bytes = fields.Integer(required=True)
    sha256 = fields.String(required=True)


class SignatureSchema(Schema):
    algorithm = fields.String(required=True)
    public_key = fields.String(required=True)
    value = fields.String(required=True)


class ManifestSchema(Schema):
    """An export's manifest (docs/audit-format.md, Exports)."""

    manifest_format = fields.String(required=True)
    manifest_version = fields.Integer(required=True)
    file = fields.Nested(ManifestFileSchema, required=True)
    filter = fields.Dict(required=True)
    filtered = fields.Boolean(required=True)
    event_count = fields.Integer(required=True)
    first_seq = fields.Integer(required=True, allow_none=True)
    last_seq = fields.Integer(required=True, allow_none=True)
    chain_head = fields.Nested(ChainHeadSchema, required=True)
    generated_at = fields.String(required=True)
    exported_by = fields.String(required=True, allow_none=True)
    app_version = fields.String(required=True)
    signature = fields.Nested(SignatureSchema)
