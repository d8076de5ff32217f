"""A page the request has moved past: where it now stands, for the banner on its page.

A bookmark or the browser's back button can open a question page, Check your answers or
the withdraw page after the request was submitted, decided or withdrawn. Nothing was
sent, so it is no conflict: the person is taken to the request's page and told why.
"""

from __future__ import annotations

from app.models.requests import AccessRequest
from app.rules.workflow import Status


def where_it_stands(access_request: AccessRequest, stage_name: str | None) -> str:
    """One sentence: the request's state now, and that the page opened no longer applies."""
    reference = access_request.reference
    status = Status(access_request.status)
    if status is Status.IN_REVIEW:
        waiting = f" at the {stage_name} stage" if stage_name else ""
        return (
            f"{reference} has been submitted and is waiting for a decision{waiting}, "
            "so it cannot be changed now"
        )
    if status is Status.APPROVED:
        approval = (
            "approved with conditions" if access_request.approved_with_conditions else ("approved")
        )
        return f"{reference} has been {approval}, so it can no longer be changed"
    if status is Status.REJECTED:
        return f"{reference} has been rejected, so it can no longer be changed"
    if status is Status.WITHDRAWN:
        return f"{reference} has been withdrawn, so it can no longer be changed"
    if status is Status.CHANGES_REQUESTED:
        return f"{reference} has been sent back for changes: change your answers, then resubmit"
    return f"{reference} is a draft that has not been submitted yet"
