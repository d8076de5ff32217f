"""What each message says, in plain English and as little as it can.

Data minimisation: a message names the request's reference, platform, department, the
stage and the outcome, and links to the request. It never carries the request's own
content, nor an approver's reasons or conditions: those stay behind sign-in, and the
message says where to read them. Email crosses systems that Permit does not control.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.platforms import Stage
from app.models.requests import AccessRequest
from app.models.users import User

SERVICE = "Permit"


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def _stage_name(code: str | None) -> str:
    stage = db.session.get(Stage, code) if code else None
    return stage.name if stage else (code or "")


def compose(
    kind: enum.StrEnum, request: AccessRequest, event: AuditEvent, user: User, base_url: str
) -> Message:
    """The message of `kind` about `event` to `user`."""
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
    raise ValueError(f"no message for {name!r}")


def _body(opening: str, lead_in: str, link: str, why: str) -> str:
    return f"{opening}\n\n{lead_in}\n{link}\n\n{why}\n\n{SERVICE}\n"
