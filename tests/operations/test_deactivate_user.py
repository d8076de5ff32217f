"""deactivate_user: an admin, or the command line, deactivates a user; nobody is deleted."""

from __future__ import annotations

from app.audit.events import EventType
from app.extensions import db
from app.models import User
from app.operations.deactivate_user import deactivate_user
from app.operations.decide_stage import decide_stage
from app.operations.withdraw_request import withdraw_request
from app.rules.workflow import InactiveUser, NotPermitted, Outcome, Status
from tests.operations.support import (
    assert_actor,
    head_seq,
    one_event,
    refused,
    request_in,
)


def test_an_admin_deactivates_a_user(world):
    seq = head_seq()
    assert deactivate_user(world.no10, world.admin) is True
    db.session.commit()

    assert db.session.get(User, world.no10.id).active is False
    event = one_event(seq)
    assert event.event_type == EventType.USER_DEACTIVATED
    assert event.payload == {
        "user_id": world.no10.id,
        "email": world.no10.email,
        "sessions_ended": 0,
        "before": {"active": True},
        "after": {"active": False},
    }
    assert_actor(event, world.admin)


def test_the_command_line_deactivates_a_user(world):
    seq = head_seq()
    assert deactivate_user(world.officer, None) is True
    db.session.commit()
    assert one_event(seq).actor_id is None


def test_deactivating_twice_changes_nothing_the_second_time(world):
    deactivate_user(world.no10, world.admin)
    db.session.commit()
    seq = head_seq()
    assert deactivate_user(world.no10, world.admin) is False
    db.session.commit()
    assert head_seq() == seq


def test_nobody_deactivates_themselves(world):
    refused(NotPermitted, lambda: deactivate_user(world.admin, world.admin))


def test_a_deactivated_approver_decides_nothing_more(world):
    request = request_in(world, Status.IN_REVIEW)
    deactivate_user(world.security, world.admin)
    db.session.commit()
    refused(
        InactiveUser,
        lambda: decide_stage(
            request,
            world.security,
            stage="security",
            version=request.version,
            outcome=Outcome.APPROVE,
        ),
    )


def test_a_deactivated_officer_keeps_their_requests(world):
    request = request_in(world, Status.IN_REVIEW)
    deactivate_user(world.officer, world.admin)
    db.session.commit()
    refused(InactiveUser, lambda: withdraw_request(request, world.officer))
    # The request stands, and a colleague may still act on it.
    withdraw_request(request, world.colleague)
    db.session.commit()
    assert request.status == Status.WITHDRAWN
    assert request.requester_id == world.officer.id
