"""update_request: an officer edits a draft, or a request sent back for changes."""

from __future__ import annotations

from datetime import date

import pytest

from app.audit.events import EventType
from app.extensions import db
from app.operations.update_request import update_request
from app.operations.withdraw_request import withdraw_request
from app.rules.workflow import (
    InactiveUser,
    InvalidContent,
    InvalidTransition,
    NotYourDepartment,
    StaleRequest,
    Status,
)
from tests.operations.support import (
    assert_actor,
    deactivated,
    head_seq,
    one_event,
    refused,
    request_in,
    send_back,
)


def test_an_officer_edits_a_draft(world):
    request = world.draft()
    db.session.commit()
    seq = head_seq()

    changed = update_request(
        request,
        world.colleague,
        content={"purpose": "A new purpose", "account_handle": "@test_department"},
        version=1,
    )
    db.session.commit()

    assert changed == ["purpose"]
    assert request.purpose == "A new purpose"
    assert (request.status, request.version) == (Status.DRAFT, 2)
    event = one_event(seq)
    assert event.event_type == EventType.REQUEST_UPDATED
    assert (event.from_status, event.to_status) == ("draft", "draft")
    assert event.payload == {"fields": ["purpose"], "version": 2}
    assert event.request_reference == request.reference
    assert_actor(event, world.colleague)


def test_saving_without_a_change_records_nothing(world):
    request = world.draft()
    db.session.commit()
    seq = head_seq()
    assert update_request(request, world.officer, content={"purpose": request.purpose}) == []
    db.session.commit()
    assert request.version == 1
    assert head_seq() == seq


def test_an_officer_edits_a_request_sent_back_for_changes(world):
    request = world.submitted()
    send_back(world, request, at="no10")
    db.session.commit()
    seq = head_seq()
    update_request(request, world.officer, content={"account_managers": "Three people"})
    db.session.commit()
    assert request.status == Status.CHANGES_REQUESTED
    assert request.account_managers == "Three people"
    event = one_event(seq)
    assert (event.from_status, event.to_status) == ("changes_requested", "changes_requested")


def test_a_submitted_revision_keeps_its_content_when_the_request_is_edited(world):
    request = world.submitted()
    send_back(world, request)
    db.session.commit()
    frozen = dict(request.revisions[0].content)
    update_request(request, world.officer, content={"purpose": "Changed after review"})
    db.session.commit()
    assert request.revisions[0].content == frozen
    assert frozen["purpose"] != "Changed after review"


@pytest.mark.parametrize(
    "status", [Status.IN_REVIEW, Status.APPROVED, Status.REJECTED, Status.WITHDRAWN]
)
def test_a_request_is_not_edited_once_under_review_or_done(world, status):
    request = request_in(world, status)
    refused(
        InvalidTransition,
        lambda: update_request(request, world.officer, content={"purpose": "Too late"}),
    )


def test_a_withdrawn_draft_is_not_edited(world):
    request = world.draft()
    withdraw_request(request, world.officer)
    db.session.commit()
    refused(
        InvalidTransition,
        lambda: update_request(request, world.officer, content={"purpose": "Too late"}),
    )


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
def test_only_an_active_officer_of_the_department_edits(world, who, refusal):
    request = world.draft()
    db.session.commit()
    actor = deactivated(world.colleague) if who == "deactivated officer" else getattr(world, who)
    refused(refusal, lambda: update_request(request, actor, content={"purpose": "Not yours"}))


def test_an_edit_from_an_out_of_date_page_is_stale(world):
    request = world.draft()
    update_request(request, world.colleague, content={"purpose": "Colleague's version"})
    db.session.commit()
    refused(
        StaleRequest,
        lambda: update_request(request, world.officer, content={"purpose": "Mine"}, version=1),
    )


@pytest.mark.parametrize(
    ("content", "fields"),
    [
        ({"purpose": "x" * 5001}, {"purpose"}),
        ({"start_date": date(2027, 5, 1), "end_date": date(2027, 4, 30)}, {"end_date"}),
        ({"ad_budget_pounds": "lots"}, {"ad_budget_pounds"}),
        ({"reference": "PRQ-2000-00001"}, {"reference"}),
        ({"status": "approved"}, {"status"}),
        ({"kind": "takeover"}, {"kind"}),
    ],
    ids=["long-purpose", "ends-before-start", "budget", "reference", "status", "kind"],
)
def test_unacceptable_content_is_refused_field_by_field(world, content, fields):
    request = world.draft()
    db.session.commit()
    error = refused(InvalidContent, lambda: update_request(request, world.officer, content=content))
    assert set(error.errors) == fields


@pytest.mark.parametrize(
    "content",
    [{"end_date": date(2026, 12, 31)}, {"start_date": date(2027, 7, 3)}],
    ids=["end-before-saved-start", "start-after-saved-end"],
)
def test_dates_stay_in_order_when_only_one_is_changed(world, content):
    # The draft runs from 2027-01-04 to 2027-07-02.
    request = world.draft()
    db.session.commit()
    error = refused(InvalidContent, lambda: update_request(request, world.officer, content=content))
    assert set(error.errors) == {"end_date"}
