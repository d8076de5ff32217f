"""An approver gives a colleague their stages while they are away, or an admin does it for
them; either of them, or an admin, ends it early. `delegation_started` and
`delegation_ended` are the audit events; each use is the decision's own event, which
names both people (`on_behalf_of` in its payload).

The delegate decides what the delegator could, "on behalf of" them: the delegator's
stages and named sets, and separation of duties for both (app.rules.workflow
.check_can_decide). A delegation that runs to its end date needs no event of its own:
its end is in the event that started it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.deadlines.clock import london_today
from app.extensions import db
from app.models.delegations import Delegation
from app.models.types import utcnow
from app.models.users import User
from app.rules.roles import Role
from app.rules.workflow import InvalidContent, InvalidTransition, NotPermitted

#: The longest a delegation may run, in days: cover, not a second appointment.
LONGEST_DAYS = 366


def _describe(delegation: Delegation) -> dict[str, object]:
    return {
        "delegation_id": delegation.id,
        "delegator": {"id": delegation.delegator.id, "email": delegation.delegator.email},
        "delegate": {"id": delegation.delegate.id, "email": delegation.delegate.email},
        "starts_on": delegation.starts_on.isoformat(),
        "ends_on": delegation.ends_on.isoformat(),
    }


def start_delegation(
    actor: User,
    *,
    delegator: User,
    delegate: User | None,
    starts_on: date | None,
    ends_on: date | None,
    client: Client = NO_CLIENT,
) -> Delegation:
    """`delegator`'s stages go to `delegate` from `starts_on` to `ends_on` (London dates,
    both included). `actor` is the delegator or an admin."""
    if actor.id != delegator.id and not actor.has_role(Role.ADMIN):
        raise NotPermitted("Only the approver or an admin can set their cover")
    errors: dict[str, str] = {}
    if not delegator.active or not delegator.has_role(Role.APPROVER):
        errors["delegator"] = f"{delegator.display_name} is not an active approver"
    if delegate is None:
        errors["delegate"] = "Choose the colleague who will cover"
    elif delegate.id == delegator.id:
        errors["delegate"] = "Choose someone else: a person cannot cover for themselves"
    elif not delegate.active:
        errors["delegate"] = f"{delegate.display_name} has been deactivated"
    elif not delegate.has_role(Role.APPROVER):
        errors["delegate"] = f"{delegate.display_name} is not an approver: only approvers cover"
    today = london_today()
    if starts_on is None:
        errors["starts_on"] = "Enter the date the cover starts"
    elif starts_on < today:
        errors["starts_on"] = "The start date must be today or in the future"
    if ends_on is None:
        errors["ends_on"] = "Enter the date the cover ends"
    elif starts_on is not None and ends_on < starts_on:
        errors["ends_on"] = "The end date must be the same as or after the start date"
    elif starts_on is not None and (ends_on - starts_on).days >= LONGEST_DAYS:
        errors["ends_on"] = f"Cover can last at most {LONGEST_DAYS} days"
    if not errors and delegate is not None and starts_on and ends_on:
        overlapping = db.session.scalar(
            select(Delegation.id).where(
                Delegation.delegator_id == delegator.id,
                Delegation.ended_at.is_(None),
                Delegation.starts_on <= ends_on,
                Delegation.ends_on >= starts_on,
            )
        )
        if overlapping is not None:
            errors["starts_on"] = (
                f"{delegator.display_name} already has cover for some of these dates: end it first"
            )
    if errors:
        raise InvalidContent(errors)
    assert delegate is not None and starts_on is not None and ends_on is not None
    delegation = Delegation(
        delegator=delegator,
        delegate=delegate,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by_id=actor.id,
    )
    db.session.add(delegation)
    db.session.flush()
    append_event(
        db.session,
        EventType.DELEGATION_STARTED,
        actor=ActorSnapshot.of(actor),
        client=client,
        payload=_describe(delegation),
    )
    return delegation


def end_delegation(delegation: Delegation, actor: User, *, client: Client = NO_CLIENT) -> None:
    """End `delegation` now; the delegator, the delegate or an admin may."""
    if actor.id not in (delegation.delegator_id, delegation.delegate_id) and not actor.has_role(
        Role.ADMIN
    ):
        raise NotPermitted("Only the two people it names or an admin can end this cover")
    if delegation.ended_at is not None or delegation.ends_on < london_today():
        raise InvalidTransition("This cover has already ended")
    delegation.ended_at = utcnow()
    delegation.ended_by_id = actor.id
    db.session.flush()
    append_event(
        db.session,
        EventType.DELEGATION_ENDED,
        actor=ActorSnapshot.of(actor),
        client=client,
        payload=_describe(delegation),
    )
