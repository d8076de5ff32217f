"""What an officer fills in on a request: the fields, their limits, and their checks.

`check_draft` guards every save (types, lengths, dates in order, the handle in the shape
its platform's `HandleRule` gives); `check_complete` adds what a submission needs. Both
raise `InvalidContent` with a message per field, worded for the person filling in the
form. `canonical_content` is the frozen form a revision stores and hashes.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.rules import canonical_json
from app.rules.text import has_control_characters
from app.rules.workflow import InvalidContent, RequestKind, too_long

#: Longest accepted value of each free-text field, in characters.
HANDLE_MAX = 100
SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 5000

#: Most a budget can be, in pounds: far above any plausible campaign, well inside a 32-bit int.
BUDGET_MAX_POUNDS = 10_000_000


#: What a handle rule allows besides its platform's punctuation: ASCII letters, either
#: case, and digits. TikTok, Instagram and X give out no handle with "é" or "ß" in it.
HANDLE_LETTERS_AND_DIGITS = frozenset(string.ascii_letters + string.digits)

#: How a refusal names the punctuation a platform allows; any other is shown as itself.
PUNCTUATION_NAMES: dict[str, str] = {
    "_": "underscores (_)",
    ".": "full stops (.)",
    "-": "hyphens (-)",
    "'": "apostrophes (')",
    " ": "spaces",
}


@dataclass(frozen=True)
class HandleRule:
    """The shape of a platform's handles (`Platform.handle_rule`): an optional @ at the
    start, then 1 to `max_length` letters a to z, digits and the characters in
    `punctuation`. The @ is not counted, as the platforms count it; a handle is kept as
    typed, with or without its @."""

    max_length: int
    punctuation: str = ""

    def allows(self, handle: str) -> bool:
        """Whether `handle` may be saved. An empty one may: check_complete asks for one."""
        if not handle:
            return True
        name = handle.removeprefix("@")
        allowed = HANDLE_LETTERS_AND_DIGITS | set(self.punctuation)
        return 0 < len(name) <= self.max_length and all(ch in allowed for ch in name)

    def refusal(self, label: str) -> str:
        """What the officer is told, such as "Account name or handle must be 24 characters
        or fewer and only include letters a to z, numbers, underscores (_) and full stops
        (.), with an optional @ at the start"."""
        kinds = ["letters a to z", "numbers"]
        kinds += [PUNCTUATION_NAMES.get(ch, ch) for ch in dict.fromkeys(self.punctuation)]
        listed = f"{', '.join(kinds[:-1])} and {kinds[-1]}"
        return (
            f"{label} must be {self.max_length:,} characters or fewer and only include "
            f"{listed}, with an optional @ at the start"
        )


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


def check_draft(content: Mapping[str, Any], *, handle_rule: HandleRule | None = None) -> None:
    """Raise InvalidContent unless every given field has an acceptable type and size, and
    a handle given has the shape of `handle_rule` (the platform's; None: any shape)."""
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
            errors[field.name] = too_long(field.label, field.max_length)
        elif has_control_characters(value):
            errors[field.name] = f"{field.label} must not contain control characters"
        # After the checks every text has, as the form's own check of the length comes
        # first: over HANDLE_MAX, the browser and the API give the same words.
        elif field.name == "account_handle" and handle_rule and not handle_rule.allows(value):
            errors[field.name] = handle_rule.refusal(field.label)
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


def check_complete(content: Mapping[str, Any], *, handle_rule: HandleRule | None = None) -> None:
    """Raise InvalidContent unless the content is acceptable and complete enough to submit."""
    check_draft(content, handle_rule=handle_rule)
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
