"""withdraw_request: an officer withdraws a request before it has a final outcome."""

from __future__ import annotations

import pytest

from app.audit.events import EventType
from app.extensions import db
from app.operations.withdraw_request import withdraw_request
from app.rules.workflow import (
    REASON_MAX,
    InactiveUser,
    InvalidContent,
    InvalidTransition,
    NotYourDepartment,
    StaleRequest,
    Status,
)
from tests.operations.support import (
    approve,
    assert_actor,
    deactivated,
    head_seq,
    one_event,
    refused,
    request_in,
)


@pytest.mark.parametrize(
    ("status", "stage"),
    [
        (Status.DRAFT, None),
        (Status.IN_REVIEW, "security"),
        (Status.CHANGES_REQUESTED, None),
    ],
)
def test_a_request_without_a_final_outcome_is_withdrawn(world, status, stage):
    request = request_in(world, status)
    version = request.version
    seq = head_seq()

    withdraw_request(
        request, world.colleague, reason="  The campaign is cancelled  ", version=version
    )
    db.session.commit()

    assert request.status == Status.WITHDRAWN
    assert request.current_stage is None
    assert request.version == version + 1
    event = one_event(seq)
    assert event.event_type == EventType.REQUEST_WITHDRAWN
    assert (event.from_status, event.to_status, event.stage) == (str(status), "withdrawn", stage)
    assert event.comment == "The campaign is cancelled"
    assert event.payload == {"version": version + 1}
    assert_actor(event, world.colleague)


def test_withdrawing_part_way_through_review_records_the_stage_it_was_at(world):
    request = world.submitted()
    approve(world, request, "security", "no10")
    db.session.commit()
    seq = head_seq()
    withdraw_request(request, world.officer)
    db.session.commit()
    event = one_event(seq)
    assert (event.from_status, event.stage, event.comment) == ("in_review", "cabinet_office", None)


@pytest.mark.parametrize("status", [Status.APPROVED, Status.REJECTED, Status.WITHDRAWN])
def test_a_final_outcome_cannot_be_withdrawn(world, status):
    request = request_in(world, status)
    error = refused(InvalidTransition, lambda: withdraw_request(request, world.officer))
    assert error.message.endswith("cannot be withdrawn")


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("outsider", NotYourDepartment),
        ("security", NotYourDepartment),
        ("auditor", NotYourDepartment),
        ("admin", NotYourDepartment),
        ("deactivated officer", InactiveUser),
    ],
)
def test_only_an_active_officer_of_the_department_withdraws(world, who, refusal):
    request = request_in(world, Status.IN_REVIEW)
    actor = deactivated(world.officer) if who == "deactivated officer" else getattr(world, who)
    refused(refusal, lambda: withdraw_request(request, actor))


def test_a_withdrawal_from_an_out_of_date_page_is_stale(world):
    request = world.submitted()
    seen = request.version
    approve(world, request, "security")
    db.session.commit()
    refused(StaleRequest, lambda: withdraw_request(request, world.officer, version=seen))


def test_an_over_long_reason_is_refused(world):
    request = request_in(world, Status.IN_REVIEW)
    error = refused(
        InvalidContent,
        lambda: withdraw_request(request, world.officer, reason="x" * (REASON_MAX + 1)),
    )
    assert set(error.errors) == {"reason"}


def test_a_reason_hiding_control_characters_is_refused(world):
    request = request_in(world, Status.IN_REVIEW)
    error = refused(
        InvalidContent,
        lambda: withdraw_request(request, world.officer, reason="Cancelled\x00"),
    )
    assert set(error.errors) == {"reason"}
