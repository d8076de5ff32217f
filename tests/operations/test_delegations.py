"""Delegation: a delegate decides "on behalf of" an absent approver, who is counted; both
names are on the decision and its event; separation of duties holds for both; the
delegate hears what the absent approver would; bad cover is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.deadlines.clock import london_today
from app.extensions import db
from app.models import OutboxMessage
from app.operations.delegations import end_delegation, start_delegation
from app.operations.set_pipeline import StepSpec, set_pipeline
from app.rules.roles import Role
from app.rules.workflow import (
    AlreadyDecided,
    InvalidContent,
    NotPermitted,
    OwnRequest,
    Quorum,
    SecondStage,
    Status,
)
from tests.factories import make_user
from tests.operations.support import at_cabinet_office, decide, head_seq, one_event, refused


@pytest.fixture
def cover(world):
    """Dee (a No10 approver, outside the Cabinet Office set) covers for the first
    Cabinet Office approver today; Cabinet Office needs 2 of its 2 named people."""
    dee = make_user(Role.APPROVER, stages=("no10",), name="Dee Delegate")
    db.session.commit()
    set_pipeline(
        world.platform,
        world.admin,
        steps=[
            StepSpec("security"),
            StepSpec(
                "cabinet_office",
                Quorum.N_OF_M,
                required=2,
                approvers=[world.cabinet_office.email, world.cabinet_office_2.email],
            ),
        ],
        based_on=1,
    )
    today = london_today()
    start_delegation(
        world.cabinet_office,
        delegator=world.cabinet_office,
        delegate=dee,
        starts_on=today,
        ends_on=today + timedelta(days=5),
    )
    db.session.commit()
    return dee


def test_the_delegate_decides_on_behalf_and_counts_as_the_absent_approver(world, cover):
    request = at_cabinet_office(world)
    seq = head_seq()
    decision = decide(request, cover, on_behalf_of=world.cabinet_office)
    db.session.commit()
    assert decision.approver_id == cover.id
    assert decision.on_behalf_of_id == world.cabinet_office.id
    event = one_event(seq)
    assert event.actor_id == cover.id
    assert event.payload["on_behalf_of"]["id"] == world.cabinet_office.id
    assert event.payload["quorum"] == {"approvals": 1, "required": 2}
    # The absent approver has been counted: they cannot count again themselves.
    refused(AlreadyDecided, lambda: decide(request, world.cabinet_office))
    decide(request, world.cabinet_office_2)
    db.session.commit()
    assert request.status == Status.APPROVED


def test_without_cover_today_nobody_decides_on_behalf(world, cover):
    request = at_cabinet_office(world)
    stranger = make_user(Role.APPROVER, stages=("no10",))
    db.session.commit()
    refused(NotPermitted, lambda: decide(request, stranger, on_behalf_of=world.cabinet_office))
    delegation = end_delegation_now(world, cover)
    assert delegation.ended_at is not None
    refused(NotPermitted, lambda: decide(request, cover, on_behalf_of=world.cabinet_office))


def end_delegation_now(world, dee):
    from app.models import Delegation

    delegation = db.session.scalar(select(Delegation).where(Delegation.delegate_id == dee.id))
    end_delegation(delegation, world.admin)
    db.session.commit()
    return delegation


def test_separation_of_duties_holds_for_the_delegate_too(world, cover):
    # Dee signs No10 elsewhere... here, Dee signed Security of this request first.
    cover.stage_codes = {"no10", "security"}
    db.session.commit()
    request = world.submitted()
    decide(request, cover)  # Dee signs Security
    db.session.commit()
    refused(SecondStage, lambda: decide(request, cover, on_behalf_of=world.cabinet_office))


def test_a_delegate_cannot_decide_a_request_the_absent_approver_filed(world, cover):
    # The absent approver re-filed it: an approver with the officer role too.
    world.cabinet_office.roles = {Role.APPROVER, Role.OFFICER}
    world.cabinet_office.department = world.department
    db.session.commit()
    request = world.submitted(author=world.cabinet_office)
    decide(request, world.security)
    db.session.commit()
    refused(OwnRequest, lambda: decide(request, cover, on_behalf_of=world.cabinet_office))


def test_the_delegate_hears_what_the_absent_approver_would(world, cover):
    request = world.submitted()
    decide(request, world.security)
    db.session.commit()
    told = set(
        db.session.scalars(
            select(OutboxMessage.recipient_id).where(
                OutboxMessage.request_id == request.id, OutboxMessage.kind == "stage_waiting"
            )
        )
    )
    assert {world.cabinet_office.id, world.cabinet_office_2.id, cover.id} <= told


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("oneself", "delegate"),
        ("deactivated", "delegate"),
        ("end before start", "ends_on"),
        ("started yesterday", "starts_on"),
        ("overlapping", "starts_on"),
    ],
)
def test_bad_cover_is_refused(world, cover, case, field):
    today = london_today()
    gone = make_user(Role.APPROVER, stages=("no10",), active=False)
    db.session.commit()
    delegate, starts, ends = world.no10, today + timedelta(days=10), today + timedelta(days=12)
    delegator = world.no10_2
    if case == "oneself":
        delegate = delegator
    elif case == "deactivated":
        delegate = gone
    elif case == "end before start":
        ends = starts - timedelta(days=1)
    elif case == "started yesterday":
        starts = today - timedelta(days=1)
    elif case == "overlapping":
        delegator = world.cabinet_office  # already covered by Dee until today + 5
        starts = today + timedelta(days=3)
    refusal = refused(
        InvalidContent,
        lambda: start_delegation(
            world.admin, delegator=delegator, delegate=delegate, starts_on=starts, ends_on=ends
        ),
    )
    assert field in refusal.errors


def test_only_the_approver_or_an_admin_sets_cover(world, cover):
    today = london_today()
    refused(
        NotPermitted,
        lambda: start_delegation(
            world.no10, delegator=world.no10_2, delegate=world.no10, starts_on=today, ends_on=today
        ),
    )
