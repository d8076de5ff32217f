"""What an officer fills in on a request: the fields, their limits, and their checks.

`check_draft` guards every save (types, lengths, dates in order); `check_complete` adds
what a submission needs. Both raise `InvalidContent` with a message per field, worded
for the person filling in the form. `canonical_content` is the frozen form a revision
stores and hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from app import canonical_json
from app.workflow import InvalidContent, RequestKind, has_control_characters

#: Longest accepted value of each free-text field, in characters.
HANDLE_MAX = 100
SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 5000

#: Most a budget can be, in pounds: far above any plausible campaign, well inside a 32-bit int.
BUDGET_MAX_POUNDS = 10_000_000


@dataclass(frozen=True)
class TextField:
    name: str
    label: str
    max_length: int


TEXT_FIELDS: tuple[TextField, ...] = (
    TextField("account_handle", "Account name or handle", HANDLE_MAX),
    TextField("purpose", "Purpose", LONG_TEXT_MAX),
    TextField("target_audience", "Target audience", LONG_TEXT_MAX),
    TextField("justification", "Justification", LONG_TEXT_MAX),
    TextField("senior_responsible_owner", "Senior responsible owner", SHORT_TEXT_MAX),
    TextField("account_managers", "Day-to-day account managers", LONG_TEXT_MAX),
    TextField("device_arrangement", "Standalone device arrangement", LONG_TEXT_MAX),
    TextField("dpia_reference", "Data protection impact assessment reference", SHORT_TEXT_MAX),
    TextField("risk_mitigations", "Risk mitigations", LONG_TEXT_MAX),
)

#: Every content field, in the order forms and revisions show them.
CONTENT_FIELDS: tuple[str, ...] = (
    "kind",
    "account_handle",
    "purpose",
    "target_audience",
    "justification",
    "start_date",
    "end_date",
    "senior_responsible_owner",
    "account_managers",
    "device_arrangement",
    "device_attestation",
    "dpia_reference",
    "ad_budget_pounds",
    "risk_mitigations",
)

_REQUIRED_TEXT = (
    "purpose",
    "target_audience",
    "justification",
    "senior_responsible_owner",
    "account_managers",
    "dpia_reference",
    "risk_mitigations",
)


def check_draft(content: Mapping[str, Any]) -> None:
    """Raise InvalidContent unless every given field has an acceptable type and size."""
    errors: dict[str, str] = {}
    unknown = set(content) - set(CONTENT_FIELDS)
    if unknown:
        raise InvalidContent({name: f"{name} is not a field of a request" for name in unknown})
    if "kind" in content and content["kind"] not in set(RequestKind):
        errors["kind"] = "Select what the request is for"
    for field in TEXT_FIELDS:
        value = content.get(field.name, "")
        if not isinstance(value, str):
            errors[field.name] = f"{field.label} must be text"
        elif len(value) > field.max_length:
            errors[field.name] = f"{field.label} must be {field.max_length} characters or fewer"
        elif has_control_characters(value):
            errors[field.name] = f"{field.label} must not contain control characters"
    for name in ("start_date", "end_date"):
        value = content.get(name)
        if value is not None and not isinstance(value, date):
            errors[name] = "Enter a real date"
    start, end = content.get("start_date"), content.get("end_date")
    if isinstance(start, date) and isinstance(end, date) and end < start:
        errors["end_date"] = "End date must be the same as or after the start date"
    budget = content.get("ad_budget_pounds")
    if budget is not None and (
        isinstance(budget, bool) or not isinstance(budget, int) or budget < 0
    ):
        errors["ad_budget_pounds"] = (
            "Advertising budget must be a whole number of pounds, 0 or more"
        )
    elif budget is not None and budget > BUDGET_MAX_POUNDS:
        errors["ad_budget_pounds"] = f"Advertising budget must be £{BUDGET_MAX_POUNDS:,} or less"
    if not isinstance(content.get("device_attestation", False), bool):
        errors["device_attestation"] = "Device attestation must be yes or no"
    if errors:
        raise InvalidContent(errors)


def check_complete(content: Mapping[str, Any]) -> None:
    """Raise InvalidContent unless the content is acceptable and complete enough to submit."""
    check_draft(content)
    errors: dict[str, str] = {}
    labels = {field.name: field.label for field in TEXT_FIELDS}
    kind = content.get("kind")
    if kind != RequestKind.PAID_ADVERTISING and not str(content.get("account_handle", "")).strip():
        errors["account_handle"] = "Enter the account name or handle"
    for name in _REQUIRED_TEXT:
        if not str(content.get(name, "")).strip():
            errors[name] = f"Enter the {labels[name][0].lower()}{labels[name][1:]}"
    if content.get("start_date") is None:
        errors["start_date"] = "Enter the start date"
    if kind != RequestKind.PAID_ADVERTISING:
        if not str(content.get("device_arrangement", "")).strip():
            errors["device_arrangement"] = "Describe the standalone device arrangement"
        if content.get("device_attestation") is not True:
            errors["device_attestation"] = (
                "Confirm the app will not be installed on a government device"
            )
    if kind == RequestKind.PAID_ADVERTISING and not content.get("ad_budget_pounds"):
        errors["ad_budget_pounds"] = "Enter the advertising budget in pounds"
    if errors:
        raise InvalidContent(errors)


def content_of(request: Any) -> dict[str, Any]:
    """The content fields of a request (model or mapping), as Python values."""
    return {name: getattr(request, name) for name in CONTENT_FIELDS}


def canonical_content(content: Mapping[str, Any]) -> dict[str, Any]:
    """The content as JSON-ready values: dates as YYYY-MM-DD, everything else as is."""
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in ((name, content.get(name)) for name in CONTENT_FIELDS)
    }


def content_sha256(canonical: Mapping[str, Any]) -> str:
    """SHA-256 of canonical content, serialised as in docs/audit-format.md."""
    return hashlib.sha256(canonical_json.dumps(canonical).encode("utf-8")).hexdigest()
