"""What an administrative event changed, in words for the log's table: its before and
after, and for cover who covers for whom when. The payload itself is in the export
(docs/audit-format.md); this is the line an auditor reads on the page."""

from __future__ import annotations

from typing import Any

from app.audit.events import EventType

#: Longest details line the table shows; the export holds the rest.
DETAILS_MAX = 400

_COVER = {EventType.DELEGATION_STARTED: "covers", EventType.DELEGATION_ENDED: "no longer covers"}


def event_details(event_type: str, payload: dict[str, Any] | None) -> str | None:
    """The change in words, or None for an event with no before and after."""
    payload = payload or {}
    if event_type in _COVER:
        words = (
            f"{_email(payload.get('delegate'))} {_COVER[EventType(event_type)]} for "
            f"{_email(payload.get('delegator'))}, {payload.get('starts_on')} to "
            f"{payload.get('ends_on')}"
        )
        return _capped(words)
    before, after = payload.get("before"), payload.get("after")
    if not isinstance(before, dict) or not isinstance(after, dict):
        return None
    subject = payload.get("platform") or payload.get("email") or payload.get("code")
    parts = [
        f"{key.replace('_', ' ')}: {_value(before.get(key))} → {_value(after.get(key))}"
        # A pipeline's version first, then what it holds.
        for key in sorted(after, key=lambda key: (key != "version", key))
        if before.get(key) != after.get(key)
    ]
    words = "; ".join(parts)
    return _capped(f"{subject}: {words}" if subject else words)


def _email(person: Any) -> str:
    return str(person.get("email")) if isinstance(person, dict) else "someone"


def _value(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        if not value:
            return "none"
        return ", then ".join(
            _step(item) if isinstance(item, dict) else str(item) for item in value
        )
    return str(value)


def _step(step: dict[str, Any]) -> str:
    """A pipeline stage: "cabinet_office (2 of 3: a@…, b@…, c@…; 5 days)"."""
    quorum = step.get("quorum")
    people = step.get("approvers") or []
    if quorum == "n_of_m":
        rule = f"{step.get('required')} of {len(people)}: {', '.join(people)}"
    elif quorum == "all_of":
        rule = f"all of {', '.join(people)}"
    else:
        rule = "any one"
    return f"{step.get('stage')} ({rule}; {step.get('target_working_days')} days)"


def _capped(words: str) -> str:
    return words if len(words) <= DETAILS_MAX else words[: DETAILS_MAX - 1] + "…"
