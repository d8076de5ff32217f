"""What the operation tests share: reading state back from the database, and the
checks every operation owes its caller (one audit event when it succeeds, nothing at all
when it is refused)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AccessRequest,
    AuditEvent,
    Decision,
    ReferenceCounter,
    RequestRevision,
    User,
)
from app.operations.decide_stage import decide_stage
from app.operations.withdraw_request import withdraw_request
from app.rules.workflow import Outcome, Refusal, Status
from tests.factories import World

PIPELINE = ("security", "no10", "cabinet_office")


@dataclass(frozen=True)
class Snapshot:
    """Everything an operation could change, read straight from the tables."""

    requests: tuple[tuple[Any, ...], ...]
    revisions: tuple[tuple[Any, ...], ...]
    decisions: tuple[tuple[Any, ...], ...]
    users: tuple[tuple[Any, ...], ...]
    reference_counters: tuple[tuple[Any, ...], ...]
    audit_seq: int


def snapshot() -> Snapshot:
    def rows(*columns: Any) -> tuple[tuple[Any, ...], ...]:
        order = columns[0]
        return tuple(tuple(row) for row in db.session.execute(select(*columns).order_by(order)))

    return Snapshot(
        requests=rows(*AccessRequest.__table__.columns),
        revisions=rows(*RequestRevision.__table__.columns),
        decisions=rows(*Decision.__table__.columns),
        users=rows(User.id, User.email, User.active, User.display_name),
        reference_counters=rows(ReferenceCounter.year, ReferenceCounter.last_number),
        audit_seq=head_seq(),
    )


def head_seq() -> int:
    return db.session.scalar(select(func.coalesce(func.max(AuditEvent.seq), 0)))


def events_since(seq: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.seq > seq).order_by(AuditEvent.seq))
    )


def refused(refusal: type[Refusal], operation: Callable[[], object]) -> Refusal:
    """Run `operation`, expect `refusal`, and check that nothing at all changed.

    The caller must have committed what came before: the refusal is rolled back, as the
    view that called the operation would, and then the tables are compared.
    """
    before = snapshot()
    with pytest.raises(refusal) as caught:
        operation()
    db.session.rollback()
    after = snapshot()
    assert after.audit_seq == before.audit_seq, "a refused operation left an audit event"
    assert after == before, "a refused operation changed the database"
    return caught.value


def one_event(seq: int) -> AuditEvent:
    """The single event appended since `seq`."""
    events = events_since(seq)
    assert len(events) == 1, f"expected one audit event, found {len(events)}"
    return events[0]


def assert_actor(event: AuditEvent, user: User) -> None:
    assert event.actor_id == user.id
    assert event.actor_email == user.email
    assert event.actor_roles == sorted(str(role) for role in user.roles)


def approve(world: World, request: AccessRequest, *stages: str) -> None:
    """The first approver of each stage approves it, in turn."""
    for stage in stages:
        decide_stage(
            request,
            world.approvers_for(stage)[0],
            stage=stage,
            version=request.version,
            outcome=Outcome.APPROVE,
        )


def send_back(world: World, request: AccessRequest, at: str = "security") -> None:
    """Approve up to stage `at`, where the first approver asks for changes."""
    approve(world, request, *PIPELINE[: PIPELINE.index(at)])
    decide_stage(
        request,
        world.approvers_for(at)[0],
        stage=at,
        version=request.version,
        outcome=Outcome.REQUEST_CHANGES,
        reason="Name a second account manager",
    )


def request_in(world: World, status: Status) -> AccessRequest:
    """A request of the world's officer brought to `status` the usual way, and committed."""
    request = world.draft() if status is Status.DRAFT else world.submitted()
    if status is Status.CHANGES_REQUESTED:
        send_back(world, request)
    elif status is Status.APPROVED:
        approve(world, request, *PIPELINE)
    elif status is Status.REJECTED:
        decide_stage(
            request,
            world.security,
            stage="security",
            version=request.version,
            outcome=Outcome.REJECT,
            reason="The risks outweigh the reach",
        )
    elif status is Status.WITHDRAWN:
        withdraw_request(request, world.officer)
    db.session.commit()
    assert request.status == status
    return request


def deactivated(user: User) -> User:
    user.active = False
    db.session.commit()
    return user


def decide(request, actor, outcome=Outcome.APPROVE, **kwargs):
    """`actor` decides the stage they see now, at the version they see."""
    return decide_stage(
        request,
        actor,
        stage=request.current_stage,
        version=request.version,
        outcome=outcome,
        **kwargs,
    )


def at_cabinet_office(world):
    """A submitted request of the world's platform, approved by Security (whose pipeline
    must then have Cabinet Office next); committed."""
    request = world.submitted()
    decide(request, world.security)
    db.session.commit()
    assert request.current_stage == "cabinet_office"
    return request
