"""An approver decides the current stage: approve, approve with conditions, request
changes or reject."""

from __future__ import annotations

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.deadlines.clock import set_stage_clock
from app.extensions import db
from app.models.requests import AccessRequest, Decision
from app.models.types import utcnow
from app.models.users import User
from app.notifications.rules import queue_for
from app.operations.common import bump_version, lock_request
from app.rules.workflow import (
    Outcome,
    Status,
    check_can_decide,
    check_decision_text,
    decision_action,
    filers_of,
    next_stage,
    target_status,
)

EVENT_TYPES: dict[Outcome, EventType] = {
    Outcome.APPROVE: EventType.STAGE_APPROVED,
    Outcome.APPROVE_WITH_CONDITIONS: EventType.STAGE_APPROVED_WITH_CONDITIONS,
    Outcome.REQUEST_CHANGES: EventType.CHANGES_REQUESTED,
    Outcome.REJECT: EventType.REQUEST_REJECTED,
}


def decide_stage(
    request: AccessRequest,
    actor: User,
    *,
    stage: str,
    version: int,
    outcome: Outcome,
    reason: str = "",
    conditions: str = "",
    client: Client = NO_CLIENT,
) -> Decision:
    """Record `actor`'s decision on `stage`, which they saw at request `version`.

    Refused (and nothing changes) if the request has moved on since: another approver
    decided first, or the officer withdrew or resubmitted.
    """
    outcome = Outcome(outcome)
    lock_request(request)
    check_can_decide(
        actor,
        request,
        filers=filers_of(request),
        decisions=request.decisions,
        stage=stage,
        version=version,
    )
    reason, conditions = reason.strip(), conditions.strip()
    check_decision_text(outcome, reason, conditions)
    if outcome is not Outcome.APPROVE_WITH_CONDITIONS:
        conditions = ""
    revision = request.latest_revision
    assert revision is not None, "a request in review always has a revision"
    action = decision_action(outcome, stage, revision.pipeline)
    target = target_status(action, request.status)
    decision = Decision(
        request=request,
        revision=revision,
        stage_code=stage,
        approver=actor,
        outcome=str(outcome),
        reason=reason,
        conditions=conditions,
        decided_at=utcnow(),
    )
    source = request.status
    # One UPDATE of the request: the clock's read of the pipeline must not flush half of it.
    with db.session.no_autoflush:
        db.session.add(decision)
        request.status = str(target)
        request.current_stage = (
            next_stage(stage, revision.pipeline) if target is Status.IN_REVIEW else None
        )
        # The next stage's clock starts now; any other outcome stops the clock.
        set_stage_clock(request, decision.decided_at)
        bump_version(request)
    db.session.flush()
    payload: dict[str, object] = {
        "outcome": str(outcome),
        "revision": revision.number,
        "content_sha256": revision.content_sha256,
        "next_stage": request.current_stage,
        "version": request.version,
    }
    if conditions:
        payload["conditions"] = conditions
    event = append_event(
        db.session,
        EVENT_TYPES[outcome],
        actor=ActorSnapshot.of(actor),
        client=client,
        request=request,
        from_status=source,
        to_status=target,
        stage=stage,
        comment=reason or None,
        payload=payload,
    )
    queue_for(event, request)
    return decision
