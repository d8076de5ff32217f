"""What each message says, in plain English and as little as it can.

Data minimisation: a message names the request's reference, platform, department, the
stage and the outcome, and links to the request. It never carries the request's own
content, nor an approver's reasons or conditions: those stay behind sign-in, and the
message says where to read them. Email crosses systems that Permit does not control.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.platforms import Stage
from app.models.requests import AccessRequest
from app.models.users import User
from app.rules.formatting import uk_date, uk_day_date

SERVICE = "Permit"


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    #: What GOV.UK Notify's template for the kind fills in (its "personalisation"): the
    #: same few facts the subject and body are made of, and nothing more.
    fields: dict[str, str] = field(default_factory=dict)


def _stage_name(code: str | None) -> str:
    stage = db.session.get(Stage, code) if code else None
    return stage.name if stage else (code or "")


def compose(
    kind: enum.StrEnum, request: AccessRequest, event: AuditEvent, user: User, base_url: str
) -> Message:
    """The message of `kind` about `event` to `user`, and its Notify fields."""
    message = _text(kind, request, event, user, base_url)
    payload = event.payload or {}
    following = _stage_name(payload.get("next_stage"))
    waiting = str(kind) == "stage_waiting"
    # Those asked to decide go to the decision page; everyone else to the request.
    deciding = str(kind) in ("stage_waiting", "stage_due_soon", "stage_overdue")
    root = base_url.rstrip("/")
    fields = {
        "reference": request.reference,
        "department": request.department.name,
        "platform": request.platform.name,
        # The stage the message is about: the one waiting, or the one that decided.
        "stage": following if waiting and following else _stage_name(event.stage),
        "next_stage": "" if waiting else following,
        "link": f"{root}/review/{request.reference}/decide"
        if deciding
        else f"{root}/requests/{request.reference}",
    }
    if "due_on" in payload:  # a deadline notice: the date the decision was due by
        fields["due_date"] = uk_day_date(date.fromisoformat(payload["due_on"]))
    return replace(message, fields=fields)


def _text(
    kind: enum.StrEnum, request: AccessRequest, event: AuditEvent, user: User, base_url: str
) -> Message:
    reference = request.reference
    about = f"Request {reference} ({request.department.name}, {request.platform.name})"
    page = f"{base_url.rstrip('/')}/requests/{reference}"
    stage = _stage_name(event.stage)
    payload = event.payload or {}
    name = str(kind)
    if name == "stage_waiting":
        # Submitted: the stage it starts at; approved at a stage: the one after it.
        waiting = _stage_name(payload.get("next_stage") or event.stage)
        return Message(
            f"{reference} is waiting for your decision ({waiting})",
            _body(
                f"{about} is waiting for a decision at the {waiting} stage.",
                "Decide on it:",
                f"{base_url.rstrip('/')}/review/{reference}/decide",
                f"You get this email because you sign the {waiting} stage.",
            ),
        )
    if name == "stage_approved":
        following = _stage_name(payload.get("next_stage"))
        return Message(
            f"{reference} was approved at the {stage} stage",
            _body(
                f"{about} was approved at the {stage} stage. It now waits for the "
                f"{following} stage.",
                "See where it is:",
                page,
                "You get this email because you submitted the request.",
            ),
        )
    if name == "approved_with_conditions":
        final = not payload.get("next_stage")
        then = (
            "This was the last stage: the request is approved."
            if final
            else (f"It now waits for the {_stage_name(payload.get('next_stage'))} stage.")
        )
        return Message(
            f"{reference} was approved with conditions ({stage})",
            _body(
                f"{about} was approved with conditions at the {stage} stage. {then}",
                "Sign in to read the conditions you must keep:",
                page,
                "You get this email because you submitted the request.",
            ),
        )
    if name == "approved":
        return Message(
            f"{reference} is approved",
            _body(
                f"{about} is approved: the {stage} stage, the last, approved it.",
                "See the decisions:",
                page,
                "You get this email because you submitted the request.",
            ),
        )
    if name == "changes_requested":
        return Message(
            f"Changes requested to {reference} ({stage})",
            _body(
                f"The {stage} stage asked for changes to request {reference} "
                f"({request.department.name}, {request.platform.name}).",
                "Sign in to read what they asked for, change your answers and resubmit:",
                page,
                "You get this email because you submitted the request.",
            ),
        )
    if name == "rejected":
        return Message(
            f"{reference} was rejected ({stage})",
            _body(
                f"{about} was rejected at the {stage} stage.",
                "Sign in to read the reason:",
                page,
                "You get this email because you submitted the request.",
            ),
        )
    if name == "withdrawn":
        return Message(
            f"{reference} was withdrawn",
            _body(
                f"{about} was withdrawn while it waited for the {stage} stage. "
                "You do not need to decide on it.",
                "See the request:",
                page,
                f"You get this email because you sign the {stage} stage.",
            ),
        )
    if name in ("stage_due_soon", "stage_overdue", "stage_escalated"):
        return _deadline_text(name, request, event, base_url)
    if name.startswith("approved_account_"):
        return _account_text(name.removeprefix("approved_account_"), request, event, page)
    raise ValueError(f"no message for {name!r}")


def _deadline_text(name: str, request: AccessRequest, event: AuditEvent, base_url: str) -> Message:
    """A deadline notice from `sla tick` (app.deadlines.tick): due soon, overdue, escalated."""
    reference, stage = request.reference, _stage_name(event.stage)
    payload = event.payload or {}
    due = uk_day_date(date.fromisoformat(payload["due_on"]))
    since = uk_date(datetime.fromisoformat(payload["stage_started_at"]))
    about = (
        f"Request {reference} ({request.department.name}, {request.platform.name}) has "
        f"waited for a decision at the {stage} stage since {since}."
    )
    target = f"The target is {_working_days(payload['target_working_days'])}."
    decide = f"{base_url.rstrip('/')}/review/{reference}/decide"
    why = f"You get this email because you sign the {stage} stage."
    if name == "stage_due_soon":
        return Message(
            f"{reference} is due for a decision by {due} ({stage})",
            _body(
                f"{about} {target} Decide on it by the end of {due}.", "Decide on it:", decide, why
            ),
        )
    if name == "stage_overdue":
        return Message(
            f"{reference} is overdue for a decision ({stage})",
            _body(
                f"{about} {target} A decision was due by the end of {due}: it is now overdue.",
                "Decide on it:",
                decide,
                why,
            ),
        )
    late = _working_days(payload["escalate_after_working_days"])
    return Message(
        f"{reference} is {late} overdue at the {stage} stage",
        _body(
            f"{about} {target} A decision was due by the end of {due}, and it is now {late} "
            f"overdue. As a lead of the {stage} stage, please make sure someone decides on it.",
            "See the request:",
            f"{base_url.rstrip('/')}/requests/{reference}",
            f"You get this email because you lead the {stage} stage.",
        ),
    )


#: An approved account's message: (subject after the reference, opening, lead-in, why).
_ACCOUNT_TEXTS: dict[str, tuple[str, str, str, str]] = {
    "opening_overdue": (
        "has not been recorded as opened",
        "{about} was approved on {approved}, and nobody has yet recorded the account as "
        "opened. Once it is live, record its handle, the date it opened and its owner.",
        "Record the opening:",
        "You get this email because you submitted the request.",
    ),
    "review_due": (
        "is due for review by {due}",
        "The account approved by {about} is due for its review by {due}.",
        "Review it:",
        "You get this email because you sign the Security stage.",
    ),
    "review_overdue": (
        "is overdue for review",
        "The account approved by {about} was due for its review by {due}: it is now overdue.",
        "Review it:",
        "You get this email because you sign the Security stage.",
    ),
    "suspended": (
        "has been suspended",
        "The account approved by {about} has been suspended. Do not post from it until it "
        "is reinstated.",
        "Sign in to read the reason:",
        "You get this email because you submitted the request.",
    ),
    "reinstated": (
        "has been reinstated",
        "The account approved by {about} has been reinstated: it may be used again.",
        "See the account:",
        "You get this email because you submitted the request.",
    ),
    "revoked": (
        "permission has been revoked",
        "The permission for the account approved by {about} has been revoked. Close the "
        "account or hand it over, then confirm which you did.",
        "Sign in to read the reason and confirm:",
        "You get this email because you submitted the request.",
    ),
    "change_waiting": (
        "change is waiting for your decision",
        "The officers of {about} have asked to change the approved account's {fields}.",
        "Sign in to read it and decide:",
        "You get this email because you sign a stage of the platform's account changes.",
    ),
    "change_decided": (
        "change has been decided",
        "Your change to the account approved by {about} ({fields}) has been {outcome}.",
        "See the account:",
        "You get this email because you asked for the change.",
    ),
    "expired": (
        "permission has expired",
        "The permission for the account approved by {about} ended on {ends}. Close the "
        "account, or ask for permission again.",
        "See the account:",
        "You get this email because you submitted the request.",
    ),
}


def _account_text(name: str, request: AccessRequest, event: AuditEvent, page: str) -> Message:
    """A message about an approved account (app.rules.accounts), by the short kind name."""
    subject, opening, lead_in, why = _ACCOUNT_TEXTS[name]
    payload = event.payload or {}
    account = request.account
    facts = {
        "about": f"request {request.reference} ({request.department.name}, "
        f"{request.platform.name})",
        "due": uk_day_date(date.fromisoformat(payload["due_on"])) if "due_on" in payload else "",
        "ends": uk_date(account.ends_on) if account and account.ends_on else "",
        "approved": uk_date(account.approved_at) if account else "",
        "fields": " and ".join(sorted(payload.get("after", {}))),
        "outcome": "approved" if payload.get("change_status") == "approved" else "rejected",
    }
    return Message(
        f"{request.reference}: the account {subject.format(**facts)}",
        _body(opening.format(**facts), lead_in, page, why),
    )


def _working_days(count: int) -> str:
    return "1 working day" if count == 1 else f"{count} working days"


def _body(opening: str, lead_in: str, link: str, why: str) -> str:
    return f"{opening}\n\n{lead_in}\n{link}\n\n{why}\n\n{SERVICE}\n"
