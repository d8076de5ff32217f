"""An approver decides the current stage: approve, approve with conditions, request
changes or reject."""

from __future__ import annotations

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.deadlines.clock import london_today, set_stage_clock
from app.extensions import db
from app.models.delegations import delegations_covering
from app.models.requests import AccessRequest, Decision
from app.models.types import utcnow
from app.models.users import User
from app.notifications.rules import queue_for
from app.operations.account_lifecycle import start_account
from app.operations.common import bump_version, lock_request
from app.rules.workflow import (
    NotPermitted,
    Outcome,
    Status,
    approvals_counted,
    check_can_decide,
    check_decision_text,
    decision_action,
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
    on_behalf_of: User | None = None,
    client: Client = NO_CLIENT,
) -> Decision:
    """Record `actor`'s decision on `stage`, which they saw at request `version`;
    `on_behalf_of`: the absent approver whose delegation `actor` holds today.

    Refused (and nothing changes) if the request has moved on since: another approver
    decided first, or the officer withdrew or resubmitted. An approval moves the request
    on only once the stage's quorum is made (app.rules.workflow.StepRule): until then the
    same stage decides, with one more person counted.
    """
    outcome = Outcome(outcome)
    lock_request(request)
    if on_behalf_of is not None:
        check_delegation(actor, on_behalf_of)
    check_can_decide(
        actor,
        request,
        stage=stage,
        version=version,
        on_behalf_of=on_behalf_of,
        **request.decision_facts(),
    )
    revision = request.latest_revision
    assert revision is not None, "a request in review always has a revision"
    reason, conditions = reason.strip(), conditions.strip()
    check_decision_text(outcome, reason, conditions)
    if outcome is not Outcome.APPROVE_WITH_CONDITIONS:
        conditions = ""
    signer = on_behalf_of or actor
    counted = approvals_counted(request.decisions, stage, revision.id) | {signer.id}
    step = request.step(stage)
    required = step.required_approvals if step is not None else 1
    complete = len(counted) >= required
    action = decision_action(outcome, stage, revision.pipeline, stage_complete=complete)
    target = target_status(action, request.status)
    decision = Decision(
        request=request,
        revision=revision,
        stage_code=stage,
        approver=actor,
        on_behalf_of=on_behalf_of,
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
        if target is not Status.IN_REVIEW:
            request.current_stage = None
        elif complete:
            request.current_stage = next_stage(stage, revision.pipeline)
        # The next stage's clock starts now; any other outcome stops the clock. A stage
        # still short of its quorum keeps the clock it started with.
        if complete or target is not Status.IN_REVIEW:
            set_stage_clock(request, decision.decided_at)
        bump_version(request)
        if target is Status.APPROVED:
            start_account(request, decision)
    db.session.flush()
    payload: dict[str, object] = {
        "outcome": str(outcome),
        "revision": revision.number,
        "content_sha256": revision.content_sha256,
        "next_stage": request.current_stage,
        "version": request.version,
    }
    if outcome.approves and required > 1:
        payload["quorum"] = {"approvals": len(counted), "required": required}
    if on_behalf_of is not None:
        payload["on_behalf_of"] = {
            "id": on_behalf_of.id,
            "email": on_behalf_of.email,
            "name": on_behalf_of.display_name,
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


def check_delegation(actor: User, on_behalf_of: User) -> None:
    """Refuse unless `on_behalf_of` has delegated to `actor` for today."""
    held = delegations_covering(
        london_today(), delegate_id=actor.id, delegator_ids=[on_behalf_of.id]
    )
    if not held:
        raise NotPermitted(f"You are not covering for {on_behalf_of.display_name} today")
