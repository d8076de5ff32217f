"""An approved account's life: opened, conditions confirmed, reviewed, suspended,
reinstated, revoked (then its closure confirmed), closed, expired.

Each step locks the account's request row (the lock every request operation takes first,
so the lock order stays the same everywhere), checks app.rules.accounts against the
version the person saw, changes the account, and appends its event to the request's
history, in the caller's transaction. The approval that ends a request's review starts
its account (`start_account`), in the approval's own transaction and under its event.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.deadlines.clock import london_today
from app.extensions import db
from app.models.accounts import AccountCondition, ApprovedAccount
from app.models.requests import AccessRequest, Decision
from app.models.types import utcnow
from app.models.users import User
from app.notifications.rules import queue_for
from app.operations.common import lock_request
from app.rules.accounts import (
    AccountAction,
    AccountStatus,
    check_account_action,
    check_note,
    check_opening,
    next_review,
)
from app.rules.workflow import InvalidContent, InvalidTransition, Outcome

EVENT_TYPES: dict[AccountAction, EventType] = {
    AccountAction.RECORD_OPENING: EventType.APPROVED_ACCOUNT_OPENED,
    AccountAction.CONFIRM_CONDITION: EventType.APPROVED_ACCOUNT_CONDITION_CONFIRMED,
    AccountAction.CONFIRM_REVIEW: EventType.APPROVED_ACCOUNT_REVIEWED,
    AccountAction.SUSPEND: EventType.APPROVED_ACCOUNT_SUSPENDED,
    AccountAction.REINSTATE: EventType.APPROVED_ACCOUNT_REINSTATED,
    AccountAction.REVOKE: EventType.APPROVED_ACCOUNT_REVOKED,
    AccountAction.CONFIRM_CLOSURE: EventType.APPROVED_ACCOUNT_CLOSURE_CONFIRMED,
    AccountAction.CLOSE: EventType.APPROVED_ACCOUNT_CLOSED,
    AccountAction.EXPIRE: EventType.APPROVED_ACCOUNT_EXPIRED,
}

#: How the officers ended a revoked account.
CLOSURE_KINDS = {"closed": "Closed", "handed_over": "Handed over"}


def start_account(request: AccessRequest, final: Decision) -> ApprovedAccount:
    """The account record of a request just approved by `final`: awaiting opening, with
    a checklist item for each approval with conditions on the revision approved."""
    revision = request.latest_revision
    assert revision is not None, "an approved request has a revision"
    now = utcnow()
    account = ApprovedAccount(
        request=request,
        status=str(AccountStatus.AWAITING_OPENING),
        status_since=now,
        approved_at=now,
        handle=request.account_handle,
        owner=request.senior_responsible_owner,
        purpose=request.purpose,
        ends_on=request.end_date,
    )
    # `final` is not in request.decisions until the session flushes it.
    decided = [d for d in request.decisions if d is not final and d.revision_id == revision.id]
    decisions = [d for d in [*decided, final] if d.outcome == Outcome.APPROVE_WITH_CONDITIONS]
    account.conditions = [
        AccountCondition(number=n, text=d.conditions, stage_code=d.stage_code, decision=d)
        for n, d in enumerate(decisions, start=1)
    ]
    db.session.add(account)
    return account


def record_opening(
    account: ApprovedAccount,
    actor: User,
    *,
    handle: str,
    url: str,
    opened_on: date | None,
    owner: str,
    version: int,
    client: Client = NO_CLIENT,
) -> None:
    """The officers say the account is live: its handle, address, date opened, owner."""
    _lock(account)
    target = check_account_action(actor, account, AccountAction.RECORD_OPENING, version=version)
    handle, url, owner = handle.strip(), url.strip(), owner.strip()
    check_opening(handle, url, opened_on, owner, today=london_today())
    assert opened_on is not None
    account.handle, account.url, account.opened_on, account.owner = handle, url, opened_on, owner
    account.review_due_on = next_review(opened_on, account.ends_on)
    _step(
        account,
        actor,
        AccountAction.RECORD_OPENING,
        target,
        client=client,
        payload={
            "handle": handle,
            "url": url,
            "opened_on": opened_on.isoformat(),
            "owner": owner,
            "review_due_on": _iso(account.review_due_on),
        },
    )


def confirm_condition(
    account: ApprovedAccount,
    actor: User,
    *,
    number: int,
    evidence: str,
    version: int,
    client: Client = NO_CLIENT,
) -> None:
    """An officer confirms condition `number` is kept, saying how."""
    _lock(account)
    target = check_account_action(actor, account, AccountAction.CONFIRM_CONDITION, version=version)
    condition = account.condition(number)
    if condition is None or condition.confirmed_at is not None:
        raise InvalidContent({"evidence": "This condition has already been confirmed"})
    evidence = check_note("evidence", "Evidence", evidence, required=True)
    condition.evidence, condition.confirmed_by, condition.confirmed_at = evidence, actor, utcnow()
    _step(
        account,
        actor,
        AccountAction.CONFIRM_CONDITION,
        target,
        client=client,
        comment=evidence,
        payload={"condition": number, "open_conditions": len(account.open_conditions)},
    )


def confirm_review(
    account: ApprovedAccount,
    actor: User,
    *,
    note: str,
    next_review_on: date | None,
    version: int,
    client: Client = NO_CLIENT,
) -> None:
    """Security confirms the account may go on, until its next review: `next_review_on`,
    or a year from today."""
    _lock(account)
    target = check_account_action(actor, account, AccountAction.CONFIRM_REVIEW, version=version)
    note = check_note("note", "Note", note, required=True)
    today = london_today()
    if next_review_on is not None and next_review_on <= today:
        raise InvalidContent({"next_review_on": "The next review must be after today"})
    account.last_reviewed_on = today
    account.review_due_on = next_review_on or next_review(today, account.ends_on)
    _step(
        account,
        actor,
        AccountAction.CONFIRM_REVIEW,
        target,
        client=client,
        comment=note,
        payload={"review_due_on": _iso(account.review_due_on)},
    )


def change_account_status(
    account: ApprovedAccount,
    actor: User,
    action: AccountAction,
    *,
    reason: str,
    version: int,
    client: Client = NO_CLIENT,
) -> None:
    """Suspend, reinstate, revoke or close the account, with a reason."""
    if action not in (
        AccountAction.SUSPEND,
        AccountAction.REINSTATE,
        AccountAction.REVOKE,
        AccountAction.CLOSE,
    ):
        raise ValueError(f"{action} is not a change of status with a reason")
    _lock(account)
    target = check_account_action(actor, account, action, version=version)
    reason = check_note("reason", "Reason", reason, required=True)
    if target.is_final:
        account.review_due_on = None
    _step(account, actor, action, target, client=client, comment=reason)


def confirm_closure(
    account: ApprovedAccount,
    actor: User,
    *,
    how: str,
    statement: str,
    version: int,
    client: Client = NO_CLIENT,
) -> None:
    """After a revocation, an officer confirms the account was closed or handed over."""
    _lock(account)
    target = check_account_action(actor, account, AccountAction.CONFIRM_CLOSURE, version=version)
    if how not in CLOSURE_KINDS:
        raise InvalidContent({"how": "Select whether the account was closed or handed over"})
    statement = check_note("statement", "Statement", statement, required=True)
    account.closure_confirmed_at = utcnow()
    account.closure_statement = f"{CLOSURE_KINDS[how]}: {statement}"
    _step(
        account,
        actor,
        AccountAction.CONFIRM_CLOSURE,
        target,
        client=client,
        comment=statement,
        payload={"how": how},
    )


def expire_account(account: ApprovedAccount, *, today: date) -> bool:
    """End the permission of an account whose end date is before `today` (the system's
    move, `lifecycle tick`); False, changing nothing, if it has ended or moved already."""
    _lock(account)
    if account.ends_on is None or account.ends_on >= today:
        return False
    try:
        target = check_account_action(None, account, AccountAction.EXPIRE)
    except InvalidTransition:  # closed, revoked or expired already
        return False
    account.review_due_on = None
    _step(
        account,
        None,
        AccountAction.EXPIRE,
        target,
        client=NO_CLIENT,
        payload={"ends_on": account.ends_on.isoformat()},
    )
    return True


# Helpers --------------------------------------------------------------------------------


def _lock(account: ApprovedAccount) -> None:
    """Hold the account's request row until commit, and read the account again."""
    lock_request(account.request)
    db.session.refresh(account)


def lock_account(account: ApprovedAccount) -> None:
    """Hold the account's request row until commit, and read the account again (what
    every step of an account, its changes' included, takes first)."""
    _lock(account)


def _step(
    account: ApprovedAccount,
    actor: User | None,
    action: AccountAction,
    target: AccountStatus,
    *,
    client: Client,
    comment: str | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    source = account.status
    now = utcnow()
    if target != source:
        account.status, account.status_since = str(target), now
    account.version += 1
    db.session.flush()
    request = account.request
    event = append_event(
        db.session,
        EVENT_TYPES[action],
        actor=ActorSnapshot.of(actor),
        client=client,
        request=request,
        comment=comment or None,
        payload={
            "account_status": {"from": source, "to": str(target)},
            "account_version": account.version,
            **(payload or {}),
        },
    )
    queue_for(event, request)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None
