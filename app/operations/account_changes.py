"""Changes to an approved account: the officers ask to change its handle, owner or
purpose; the platform's change pipeline decides, stage by stage (Security alone unless an
admin chooses otherwise); the last approval applies it. A rejection at any stage ends it.

Each step locks the account's request row first, checks app.rules.accounts against the
version the person saw, and appends its event to the request's history; the account's
earlier values stay in the change's `fields` and in the events.
"""

from __future__ import annotations

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.deadlines.clock import london_today
from app.extensions import db
from app.models.accounts import AccountChange, AccountChangeDecision, ApprovedAccount
from app.models.types import utcnow
from app.models.users import User
from app.notifications.rules import queue_for
from app.operations.account_lifecycle import lock_account
from app.rules.accounts import (
    CHANGE_FIELDS,
    DEFAULT_CHANGE_PIPELINE,
    ChangeStatus,
    check_can_decide_change,
    check_can_file_change,
    check_note,
    check_opening,
)
from app.rules.workflow import (
    InvalidContent,
    Outcome,
    StaleRequest,
    check_text_length,
    next_stage,
)


def file_account_change(
    account: ApprovedAccount,
    actor: User,
    *,
    handle: str,
    owner: str,
    purpose: str,
    reason: str,
    version: int,
    client: Client = NO_CLIENT,
) -> AccountChange:
    """Ask for the account's handle, owner or purpose to become these (unchanged ones as
    they are), for `reason`; the first stage of the change pipeline decides next."""
    lock_account(account)
    if version != account.version:
        raise StaleRequest(
            "This account's record has changed since you opened it. Reload the request "
            "to see what changed"
        )
    wanted = {"handle": handle.strip(), "owner": owner.strip(), "purpose": purpose.strip()}
    before = {name: getattr(account, name) for name in CHANGE_FIELDS}
    changed = sorted(name for name in CHANGE_FIELDS if wanted[name] != before[name])
    check_can_file_change(
        actor,
        account,
        pending=account.pending_change is not None,
        changes={name: wanted[name] for name in changed},
    )
    # The same checks as the opening's, on the handle and owner asked for.
    today = london_today()
    check_opening(wanted["handle"], "", account.opened_on or today, wanted["owner"], today=today)
    check_text_length("purpose", "Purpose", wanted["purpose"])
    if not wanted["purpose"]:
        raise InvalidContent({"purpose": "Enter the purpose"})
    reason = check_note("reason", "Reason", reason, required=True)
    pipeline = list(account.request.platform.change_pipeline or DEFAULT_CHANGE_PIPELINE)
    change = AccountChange(
        account=account,
        number=len(account.changes) + 1,
        fields={
            "before": {name: before[name] for name in changed},
            "after": {name: wanted[name] for name in changed},
        },
        reason=reason,
        status=str(ChangeStatus.IN_REVIEW),
        pipeline=pipeline,
        current_stage=pipeline[0],
        filed_by=actor,
        filed_at=utcnow(),
    )
    db.session.add(change)
    account.version += 1
    db.session.flush()
    _event(EventType.APPROVED_ACCOUNT_CHANGE_REQUESTED, change, actor, client, reason, pipeline[0])
    return change


def decide_account_change(
    change: AccountChange,
    actor: User,
    *,
    stage: str,
    version: int,
    outcome: Outcome,
    reason: str = "",
    client: Client = NO_CLIENT,
) -> None:
    """Approve or reject `change` at `stage`, which `actor` saw at `version`."""
    account = change.account
    lock_account(account)
    db.session.refresh(change)
    check_can_decide_change(actor, change, stage=stage, version=version, decisions=change.decisions)
    if outcome not in (Outcome.APPROVE, Outcome.REJECT):
        raise InvalidContent({"outcome": "Choose whether to approve or reject the change"})
    reason = check_note("reason", "Reason", reason, required=outcome is Outcome.REJECT)
    now = utcnow()
    db.session.add(
        AccountChangeDecision(
            change=change,
            stage_code=stage,
            approver=actor,
            outcome=str(outcome),
            reason=reason,
            decided_at=now,
        )
    )
    change.version += 1
    account.version += 1
    if outcome is Outcome.REJECT:
        change.status, change.current_stage = str(ChangeStatus.REJECTED), None
        kind = EventType.APPROVED_ACCOUNT_CHANGE_REJECTED
    else:
        following = next_stage(stage, change.pipeline)
        change.current_stage = following
        kind = EventType.APPROVED_ACCOUNT_CHANGE_APPROVED
        if following is None:
            change.status = str(ChangeStatus.APPROVED)
            for name, value in change.fields["after"].items():
                setattr(account, name, value)
    db.session.flush()
    _event(kind, change, actor, client, reason or None, stage)


def _event(
    kind: EventType,
    change: AccountChange,
    actor: User,
    client: Client,
    comment: str | None,
    stage: str,
) -> None:
    account = change.account
    request = account.request
    event = append_event(
        db.session,
        kind,
        actor=ActorSnapshot.of(actor),
        client=client,
        request=request,
        stage=stage,
        comment=comment,
        payload={
            "account_status": {"from": account.status, "to": account.status},
            "account_version": account.version,
            "change": change.number,
            "change_status": change.status,
            "next_stage": change.current_stage,
            "before": change.fields["before"],
            "after": change.fields["after"],
        },
    )
    queue_for(event, request)
