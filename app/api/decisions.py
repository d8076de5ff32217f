"""Decisions: an approver records their decision on the stage waiting for them.

As the decision page does (app.screens.review.decide): load the request (404 when it is hidden),
check If-Match, and call decide_stage with the stage and version the approver saw. The
workflow's refusals come back as their own problems: 403 not your stage, own request or
a second stage; 409 someone decided first or the request is not in review; 422 a reason
or conditions missing.
"""

from __future__ import annotations

from typing import Any

from app.api.auth import caller, requires
from app.api.blueprint import blueprint
from app.api.etags import ETAG_HEADER, conditional, etag_headers, version_for_change
from app.api.schemas import NewDecisionSchema, RequestSchema
from app.api.writes import Answer, write
from app.models.users import normalise_email
from app.operations.decide_stage import decide_stage
from app.reads.delegations import covering_for
from app.reads.requests import load_request
from app.rules.workflow import NotPermitted, Outcome
from app.security.api_tokens import Scope
from app.web.client import client_from_request


@blueprint.route("/requests/<reference>/decisions", methods=["POST"], tags=["decisions"])
@requires(Scope.DECISIONS_WRITE)
@write(idempotent=True)
@conditional
@blueprint.arguments(NewDecisionSchema)
@blueprint.response(200, RequestSchema, headers={"ETag": ETAG_HEADER})
@blueprint.alt_response(404, response="NOT_FOUND")
def decide(decision: dict[str, Any], reference: str) -> Answer:
    """Record your decision on the stage waiting for it

    Approve, approve with conditions, request changes or reject the request's current
    stage, as you saw it at the version in If-Match. Answers with the request as it now
    stands: the decision is the last of its `decisions`.
    """
    access_request = load_request(reference, caller(), for_update=True, with_history=True)
    version = version_for_change(access_request)
    on_behalf_of = None
    if decision["on_behalf_of"] is not None:
        wanted = normalise_email(decision["on_behalf_of"])
        on_behalf_of = next((p for p in covering_for(caller()) if p.email == wanted), None)
        if on_behalf_of is None:
            raise NotPermitted("You are not covering for that person today")
    decide_stage(
        access_request,
        caller(),
        # The stage the caller saw: the one they name, else the one waiting at the
        # version If-Match named (which decide_stage checks again under the row lock).
        stage=decision.get("stage") or access_request.current_stage or "",
        version=version,
        outcome=Outcome(decision["outcome"]),
        reason=decision["reason"],
        conditions=decision["conditions"],
        on_behalf_of=on_behalf_of,
        client=client_from_request(),
    )
    return access_request, etag_headers(access_request)
