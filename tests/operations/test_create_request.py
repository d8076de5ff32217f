"""create_request: an officer starts a draft for their own department."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from app.audit.chain import Client
from app.audit.events import EventType
from app.audit.verify import verify_database
from app.extensions import db
from app.models.types import utcnow
from app.operations.create_request import create_request
from app.rules.roles import Role
from app.rules.workflow import InactiveUser, InvalidContent, NotYourDepartment, RequestKind, Status
from tests.factories import complete_content, make_user
from tests.operations.support import assert_actor, deactivated, head_seq, one_event, refused


def test_an_officer_starts_a_draft_for_their_department(world):
    seq = head_seq()
    request = create_request(
        world.officer,
        platform=world.platform,
        content=complete_content(purpose="Recruit apprentices"),
        client=Client("203.0.113.7", "req-1"),
    )
    db.session.commit()

    assert request.status == Status.DRAFT
    assert request.current_stage is None
    assert request.version == 1
    assert request.department_id == world.department.id
    assert request.requester_id == world.officer.id
    assert request.platform_id == world.platform.id
    assert request.purpose == "Recruit apprentices"
    assert request.start_date == date(2027, 1, 4)
    assert request.revisions == []
    assert request.decisions == []

    event = one_event(seq)
    assert event.event_type == EventType.REQUEST_CREATED
    assert (event.from_status, event.to_status, event.stage) == (None, "draft", None)
    assert (event.request_id, event.request_reference) == (request.id, request.reference)
    assert event.payload == {"department": "DSIT", "platform": "TikTok", "kind": "new_account"}
    assert (event.client_address, event.correlation_id) == ("203.0.113.7", "req-1")
    assert_actor(event, world.officer)
    assert verify_database(db.session).ok


def test_a_draft_may_start_with_only_its_kind(world):
    request = create_request(
        world.officer, platform=world.platform, content={"kind": RequestKind.PAID_ADVERTISING}
    )
    db.session.commit()
    assert request.status == Status.DRAFT
    assert request.kind == "paid_advertising"
    assert request.purpose == ""


def test_references_are_prq_year_number_and_increase(world):
    references = []
    for _ in range(3):
        references.append(world.draft().reference)
        db.session.commit()
    year = utcnow().year
    numbers = []
    for reference in references:
        match = re.fullmatch(r"PRQ-(\d{4})-(\d{5})", reference)
        assert match, reference
        assert int(match[1]) == year
        numbers.append(int(match[2]))
    assert numbers == [1, 2, 3]


def test_each_department_draws_from_the_same_sequence(world):
    first = world.draft(world.officer).reference
    second = world.draft(world.outsider).reference
    assert first.endswith("-00001")
    assert second.endswith("-00002")


def test_a_new_year_starts_its_numbers_again(world, monkeypatch):
    world.draft()
    world.draft()
    monkeypatch.setattr(
        "app.operations.create_request.utcnow", lambda: datetime(2031, 1, 1, 0, 0, tzinfo=UTC)
    )
    assert world.draft().reference == "PRQ-2031-00001"
    assert world.draft().reference == "PRQ-2031-00002"


def test_a_refused_draft_uses_no_reference(world):
    world.draft()
    db.session.commit()
    refused(InvalidContent, lambda: world.draft(end_date=date(2020, 1, 1)))
    assert world.draft().reference.endswith("-00002")


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("security", NotYourDepartment),
        ("auditor", NotYourDepartment),
        ("admin", NotYourDepartment),
        ("deactivated officer", InactiveUser),
    ],
)
def test_only_an_active_officer_starts_a_request(world, who, refusal):
    actor = deactivated(world.officer) if who == "deactivated officer" else getattr(world, who)
    refused(refusal, lambda: world.draft(actor))


def test_an_approver_in_a_department_is_not_an_officer(world):
    approver = make_user(Role.APPROVER, department=world.department, stages=("security",))
    db.session.commit()
    refused(NotYourDepartment, lambda: world.draft(approver))


def test_a_retired_platform_takes_no_new_requests(world):
    world.platform.active = False
    db.session.commit()
    error = refused(InvalidContent, lambda: world.draft())
    assert set(error.errors) == {"platform"}


@pytest.mark.parametrize(
    ("content", "fields"),
    [
        ({"purpose": "No kind given"}, {"kind"}),
        ({"kind": "open_a_shop"}, {"kind"}),
        (complete_content(start_date=date(2027, 5, 1), end_date=date(2027, 4, 30)), {"end_date"}),
        (complete_content(account_handle="@" * 101), {"account_handle"}),
        ({"kind": "new_account", "status": "approved"}, {"status"}),
        ({"kind": "new_account", "ad_budget_pounds": -100}, {"ad_budget_pounds"}),
    ],
    ids=["no-kind", "unknown-kind", "ends-before-it-starts", "long-handle", "status", "budget"],
)
def test_unacceptable_content_is_refused_field_by_field(world, content, fields):
    error = refused(
        InvalidContent,
        lambda: create_request(world.officer, platform=world.platform, content=content),
    )
    assert set(error.errors) == fields
