"""Who hears what: the one place that says which change tells whom.

- A request reaches a stage (submitted, resubmitted, or approved at the stage before):
  every active approver who holds that stage and may decide the request there (not
  those who filed it, nor anyone who decided another of its stages, nor anyone outside
  the stage's named set), and whoever covers for one of them today (a delegation).
- An approval that leaves the stage short of its quorum: nobody; the officer hears when
  the stage is done.
- A decision: the officer who submitted the revision decided (approved at a stage,
  approved with conditions, changes requested, rejected, finally approved).
- A withdrawal: the approvers of the stage it was waiting at.
- A deadline (`sla tick`): due soon and overdue, the stage's approvers who may decide
  the request (not those who filed it or decided another of its stages); escalated, the
  stage's leads.
- An approved account (app.rules.accounts): its opening not recorded in time
  (`lifecycle tick`), suspended, reinstated, revoked or expired, the officer who submitted
  the request; its review due or overdue, the Security stage's approvers; a change to it
  waiting at a stage, that stage's approvers, and once decided, the officer who asked.
- Nobody is told of their own action; auditors and admins hear nothing.
- A person who chose a daily digest has each message held for `flask notify digest`.

`queue_for(event, request)` is called by each operation right after its audit event,
so the messages are written in the same transaction as the change and its event.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import select

from app.audit.events import EventType
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.delegations import delegations_covering
from app.models.notifications import DeliveryStatus, OutboxMessage
from app.models.requests import AccessRequest
from app.models.types import utcnow
from app.models.users import NotificationFrequency, User, UserStage, with_roles_and_stages
from app.notifications.messages import Message, compose
from app.rules.accounts import REVIEW_STAGE
from app.rules.formatting import in_london
from app.rules.workflow import Refusal, check_can_decide


class Kind(enum.StrEnum):
    STAGE_WAITING = "stage_waiting"
    STAGE_APPROVED = "stage_approved"
    APPROVED = "approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    #: Deadlines (`sla tick`): 80 % of the stage's target; past its due date; escalated.
    STAGE_DUE_SOON = "stage_due_soon"
    STAGE_OVERDUE = "stage_overdue"
    STAGE_ESCALATED = "stage_escalated"
    #: Approved accounts (`lifecycle tick` and app.operations.account_lifecycle).
    ACCOUNT_OPENING_OVERDUE = "approved_account_opening_overdue"
    ACCOUNT_REVIEW_DUE = "approved_account_review_due"
    ACCOUNT_REVIEW_OVERDUE = "approved_account_review_overdue"
    ACCOUNT_SUSPENDED = "approved_account_suspended"
    ACCOUNT_REINSTATED = "approved_account_reinstated"
    ACCOUNT_REVOKED = "approved_account_revoked"
    ACCOUNT_EXPIRED = "approved_account_expired"
    #: A change to an approved account waits for a stage; it was decided.
    ACCOUNT_CHANGE_WAITING = "approved_account_change_waiting"
    ACCOUNT_CHANGE_DECIDED = "approved_account_change_decided"
    #: One a day to a person who chose a digest: every message held for them since the last.
    DIGEST = "digest"


def stage_approvers(stage_code: str) -> list[User]:
    """Everyone who may sign `stage_code` now."""
    query = (
        select(User)
        .join(UserStage)
        .where(UserStage.stage_code == stage_code)
        .options(*with_roles_and_stages())
    )
    return [user for user in db.session.scalars(query).unique() if user.can_sign(stage_code)]


def stage_leads(stage_code: str) -> list[User]:
    """Everyone who may sign `stage_code` now and leads it."""
    query = (
        select(User)
        .join(UserStage)
        .where(UserStage.stage_code == stage_code, UserStage.lead.is_(True))
        .options(*with_roles_and_stages())
    )
    return [user for user in db.session.scalars(query).unique() if user.can_sign(stage_code)]


def _deciders(request: AccessRequest, stage: str) -> list[User]:
    """The approvers of `stage` whom the workflow lets decide `request` there (its own
    rule, app.rules.workflow.check_can_decide: not its filers, nor anyone who decided another of
    its stages, nor anyone outside the stage's named set or already counted towards it),
    and the delegates covering for them today, who hear what they would have.
    `stage` is the request's current stage when the message is written."""
    checks = request.decision_facts(stage)
    deciders = []
    for user in stage_approvers(stage):
        try:
            check_can_decide(user, request, **checks)
        except Refusal:
            continue
        deciders.append(user)
    if not deciders:
        return deciders
    today = in_london(utcnow()).date()
    by_id = {user.id: user for user in deciders}
    for delegation in delegations_covering(today, delegator_ids=by_id):
        try:
            check_can_decide(
                delegation.delegate,
                request,
                on_behalf_of=by_id[delegation.delegator_id],
                **checks,
            )
        except Refusal:
            continue
        deciders.append(delegation.delegate)
    return deciders


def _requester(request: AccessRequest) -> list[User]:
    revision = request.latest_revision
    return [revision.submitted_by] if revision is not None else []


#: Account events the request's officer hears of, and as what.
ACCOUNT_OFFICER_KINDS: dict[EventType, Kind] = {
    EventType.APPROVED_ACCOUNT_OPENING_OVERDUE: Kind.ACCOUNT_OPENING_OVERDUE,
    EventType.APPROVED_ACCOUNT_SUSPENDED: Kind.ACCOUNT_SUSPENDED,
    EventType.APPROVED_ACCOUNT_REINSTATED: Kind.ACCOUNT_REINSTATED,
    EventType.APPROVED_ACCOUNT_REVOKED: Kind.ACCOUNT_REVOKED,
    EventType.APPROVED_ACCOUNT_EXPIRED: Kind.ACCOUNT_EXPIRED,
}
#: Account events Security's approvers hear of.
ACCOUNT_SECURITY_KINDS: dict[EventType, Kind] = {
    EventType.APPROVED_ACCOUNT_REVIEW_DUE: Kind.ACCOUNT_REVIEW_DUE,
    EventType.APPROVED_ACCOUNT_REVIEW_OVERDUE: Kind.ACCOUNT_REVIEW_OVERDUE,
}


#: A change to an approved account: asked for, approved at a stage, rejected.
ACCOUNT_CHANGE_EVENTS = frozenset(
    {
        EventType.APPROVED_ACCOUNT_CHANGE_REQUESTED,
        EventType.APPROVED_ACCOUNT_CHANGE_APPROVED,
        EventType.APPROVED_ACCOUNT_CHANGE_REJECTED,
    }
)


def _change_recipients(event: AuditEvent, request: AccessRequest) -> list[tuple[Kind, User]]:
    """The stage a change waits at hears it waits; once decided, whoever asked for it."""
    payload = event.payload or {}
    waiting = payload.get("next_stage")
    if waiting:
        return [(Kind.ACCOUNT_CHANGE_WAITING, user) for user in stage_approvers(waiting)]
    account = request.account
    change = account.change(int(payload.get("change", 0))) if account is not None else None
    return [(Kind.ACCOUNT_CHANGE_DECIDED, change.filed_by)] if change is not None else []


def recipients(event: AuditEvent, request: AccessRequest) -> list[tuple[Kind, User]]:
    """Who hears of `event`, and as which kind of message."""
    kind = EventType(event.event_type)
    payload = event.payload or {}
    found: list[tuple[Kind, User]] = []
    if kind in (EventType.REQUEST_SUBMITTED, EventType.REQUEST_RESUBMITTED):
        stage = event.stage or ""
        found += [(Kind.STAGE_WAITING, u) for u in _deciders(request, stage)]
    elif kind in (EventType.STAGE_APPROVED, EventType.STAGE_APPROVED_WITH_CONDITIONS):
        following = payload.get("next_stage")
        if following == event.stage:
            # One approval of a quorum that needs more: the stage's approvers were told
            # when it reached them, and the officer hears when the stage is done.
            return []
        conditions = kind is EventType.STAGE_APPROVED_WITH_CONDITIONS
        if following:
            found += [(Kind.STAGE_WAITING, u) for u in _deciders(request, following)]
            told = Kind.APPROVED_WITH_CONDITIONS if conditions else Kind.STAGE_APPROVED
        else:
            told = Kind.APPROVED_WITH_CONDITIONS if conditions else Kind.APPROVED
        found += [(told, user) for user in _requester(request)]
    elif kind is EventType.CHANGES_REQUESTED:
        found += [(Kind.CHANGES_REQUESTED, user) for user in _requester(request)]
    elif kind is EventType.REQUEST_REJECTED:
        found += [(Kind.REJECTED, user) for user in _requester(request)]
    elif kind is EventType.REQUEST_WITHDRAWN and event.stage:
        found += [(Kind.WITHDRAWN, user) for user in stage_approvers(event.stage)]
    elif kind in (EventType.STAGE_DUE_SOON, EventType.STAGE_OVERDUE) and event.stage:
        told = Kind.STAGE_DUE_SOON if kind is EventType.STAGE_DUE_SOON else Kind.STAGE_OVERDUE
        found += [(told, user) for user in _deciders(request, event.stage)]
    elif kind is EventType.STAGE_ESCALATED and event.stage:
        found += [(Kind.STAGE_ESCALATED, user) for user in stage_leads(event.stage)]
    elif kind in ACCOUNT_OFFICER_KINDS:
        found += [(ACCOUNT_OFFICER_KINDS[kind], user) for user in _requester(request)]
    elif kind in ACCOUNT_CHANGE_EVENTS:
        found += _change_recipients(event, request)
    elif kind in ACCOUNT_SECURITY_KINDS:
        found += [(ACCOUNT_SECURITY_KINDS[kind], u) for u in stage_approvers(REVIEW_STAGE)]
    actor = event.actor_id
    return [(k, user) for k, user in found if user.id != actor and user.active]


def queue_for(event: AuditEvent, request: AccessRequest) -> list[OutboxMessage]:
    """Write the messages `event` causes into the outbox, in the caller's transaction."""
    base_url = current_app.config["PERMIT_BASE_URL"]
    queued = []
    for kind, user in _unique(recipients(event, request)):
        message: Message = compose(kind, request, event, user, base_url)
        row = OutboxMessage(
            kind=str(kind),
            audit_seq=event.seq,
            request_id=request.id,
            recipient_id=user.id,
            recipient_email=user.email,
            subject=message.subject,
            body=message.body,
            personalisation=message.fields,
            status=_status_for(user),
        )
        db.session.add(row)
        queued.append(row)
    db.session.flush()
    return queued


def _status_for(user: User) -> str:
    """Pending, to go now; or held for the person's daily digest (`notify digest`)."""
    if user.notification_frequency == NotificationFrequency.DAILY:
        return str(DeliveryStatus.HELD)
    return str(DeliveryStatus.PENDING)


def _unique(found: Iterable[tuple[Kind, User]]) -> list[tuple[Kind, User]]:
    seen, unique = set(), []
    for kind, user in found:
        if (kind, user.id) not in seen:
            seen.add((kind, user.id))
            unique.append((kind, user))
    return unique
