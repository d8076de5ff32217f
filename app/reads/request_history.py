"""A request's history on its page: its audit events, newest first, in words."""

from __future__ import annotations

from datetime import date
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import select

from app.audit.events import EventType
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.requests import AccessRequest
from app.models.users import User
from app.rules.content import TEXT_FIELDS
from app.rules.formatting import uk_date, uk_day_date
from app.rules.workflow import Status

#: How each content field is named on screen, in CONTENT_FIELDS order.
FIELD_LABELS: dict[str, str] = {
    "kind": "What the request is for",
    **{text.name: text.label for text in TEXT_FIELDS},
    "start_date": "Start date",
    "end_date": "End date",
    "device_attestation": "Not installed on a government device",
    "ad_budget_pounds": "Advertising budget",
}

#: Each request event in words; {stage} is the name of the stage that decided.
TIMELINE_HEADINGS: dict[str, str] = {
    EventType.REQUEST_CREATED: "Request started",
    EventType.REQUEST_UPDATED: "Answers changed",
    EventType.REQUEST_SUBMITTED: "Submitted for approval",
    EventType.REQUEST_RESUBMITTED: "Resubmitted after changes",
    EventType.REQUEST_WITHDRAWN: "Withdrawn",
    EventType.STAGE_APPROVED: "Approved by {stage}",
    EventType.STAGE_APPROVED_WITH_CONDITIONS: "Approved with conditions by {stage}",
    EventType.CHANGES_REQUESTED: "Changes requested by {stage}",
    EventType.REQUEST_REJECTED: "Rejected by {stage}",
    EventType.STAGE_DUE_SOON: "{stage} reminded of the due date",
    EventType.STAGE_OVERDUE: "{stage} told the decision is overdue",
    EventType.STAGE_ESCALATED: "Overdue decision escalated to the {stage} leads",
    EventType.APPROVED_ACCOUNT_OPENED: "Account recorded as opened",
    EventType.APPROVED_ACCOUNT_CONDITION_CONFIRMED: "Condition confirmed",
    EventType.APPROVED_ACCOUNT_REVIEWED: "Account reviewed",
    EventType.APPROVED_ACCOUNT_SUSPENDED: "Account suspended",
    EventType.APPROVED_ACCOUNT_REINSTATED: "Account reinstated",
    EventType.APPROVED_ACCOUNT_REVOKED: "Permission revoked",
    EventType.APPROVED_ACCOUNT_CLOSURE_CONFIRMED: "Closure after revocation confirmed",
    EventType.APPROVED_ACCOUNT_CLOSED: "Account closed by the department",
    EventType.APPROVED_ACCOUNT_EXPIRED: "Permission expired",
    EventType.APPROVED_ACCOUNT_CHANGE_REQUESTED: "Account change asked for",
    EventType.APPROVED_ACCOUNT_CHANGE_APPROVED: "Account change approved by {stage}",
    EventType.APPROVED_ACCOUNT_CHANGE_REJECTED: "Account change rejected by {stage}",
    EventType.APPROVED_ACCOUNT_OPENING_OVERDUE: "Officers reminded to record the opening",
    EventType.APPROVED_ACCOUNT_REVIEW_DUE: "Security told the review is due",
    EventType.APPROVED_ACCOUNT_REVIEW_OVERDUE: "Security told the review is overdue",
}

#: How an account event's comment is headed in the history.
ACCOUNT_COMMENT_HEADINGS: dict[str, str] = {
    EventType.APPROVED_ACCOUNT_CONDITION_CONFIRMED: "Evidence",
    EventType.APPROVED_ACCOUNT_REVIEWED: "Note",
    EventType.APPROVED_ACCOUNT_CLOSURE_CONFIRMED: "Statement",
}


def multiline(text: str) -> Markup:
    """Text with its line breaks kept, safely escaped."""
    return Markup("<br>").join(escape(line) for line in text.splitlines())


def history_items(request: AccessRequest, names: dict[str, str]) -> list[dict[str, Any]]:
    """The request's audit events as moj_timeline items, newest first: one query."""
    rows = db.session.execute(
        select(AuditEvent, User.display_name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.request_id == request.id)
        .order_by(AuditEvent.seq.desc())
    ).all()
    return [history_item(event, actor_name, names) for event, actor_name in rows]


def history_item(
    event: AuditEvent, actor_name: str | None, names: dict[str, str]
) -> dict[str, Any]:
    stage = names.get(event.stage or "", event.stage or "")
    label = TIMELINE_HEADINGS.get(event.event_type)
    if label is None:  # an event type added later: still shown, in plain words
        label = event.event_type.replace("_", " ").capitalize()
    return {
        "label": label.format(stage=stage),
        "datetime": event.occurred_at,
        "byline": _byline(event.actor_email, actor_name),
        "html": _description(event, names),
    }


def _byline(email: str | None, name: str | None) -> str:
    if email is None:
        return "the system"
    return f"{name} ({email})" if name else email


def _description(event: AuditEvent, names: dict[str, str]) -> Markup:
    payload = event.payload or {}
    lines: list[tuple[str | None, str]] = []
    if "revision" in payload:
        lines.append((None, f"Revision {payload['revision']}"))
    if event.event_type == EventType.REQUEST_UPDATED and payload.get("fields"):
        changed = ", ".join(FIELD_LABELS.get(name, name) for name in payload["fields"])
        lines.append(("Changed", changed))
    if event.event_type in (EventType.REQUEST_SUBMITTED, EventType.REQUEST_RESUBMITTED):
        lines.append(("Sent to", names.get(event.stage or "", event.stage or "")))
    if event.to_status == Status.APPROVED:
        lines.append((None, "The request is approved"))
    elif payload.get("next_stage") and event.to_status == Status.IN_REVIEW:
        lines.append(("Sent on to", names.get(payload["next_stage"], payload["next_stage"])))
    if payload.get("due_on"):  # a notice (`sla tick`, `lifecycle tick`)
        heading = "Review due by" if "REVIEW" in event.event_type.upper() else "Decision due by"
        if event.event_type == EventType.APPROVED_ACCOUNT_OPENING_OVERDUE:
            heading = "Reminder date"
        lines.append((heading, uk_day_date(date.fromisoformat(payload["due_on"]))))
    lines += _account_lines(event, names)
    if event.comment:
        lines.append((ACCOUNT_COMMENT_HEADINGS.get(event.event_type, "Reason"), event.comment))
    if payload.get("conditions"):
        lines.append(("Conditions", payload["conditions"]))
    return Markup("").join(
        Markup('<p class="govuk-body">{}{}</p>').format(
            Markup("<strong>{}:</strong> ").format(heading) if heading else "",
            multiline(text),
        )
        for heading, text in lines
    )


def _account_lines(event: AuditEvent, names: dict[str, str]) -> list[tuple[str | None, str]]:
    """What an approved account's event recorded, beyond its comment."""
    payload = event.payload or {}
    lines: list[tuple[str | None, str]] = []
    if "change" in payload:
        lines.append((None, f"Change {payload['change']}"))
        before, after = payload.get("before", {}), payload.get("after", {})
        for name in sorted(after):
            lines.append((name.capitalize(), f"{before.get(name) or 'not set'} → {after[name]}"))
        if payload.get("change_status") == "approved":
            lines.append((None, "The change applies from now"))
        elif payload.get("next_stage"):
            waiting = payload["next_stage"]
            lines.append(("Waiting for", names.get(waiting, waiting)))
        return lines
    for key, heading in (("handle", "Handle"), ("url", "Web address"), ("owner", "Owner")):
        if payload.get(key):
            lines.append((heading, payload[key]))
    if payload.get("opened_on"):
        lines.append(("Opened", uk_date(date.fromisoformat(payload["opened_on"]))))
    if "condition" in payload:
        lines.append((None, f"Condition {payload['condition']}"))
    if payload.get("how"):
        lines.append(("How", "Closed" if payload["how"] == "closed" else "Handed over"))
    if payload.get("review_due_on") and not payload.get("due_on"):
        lines.append(("Next review", uk_date(date.fromisoformat(payload["review_due_on"]))))
    if payload.get("ends_on"):
        lines.append(("Permission ended", uk_date(date.fromisoformat(payload["ends_on"]))))
    return lines
