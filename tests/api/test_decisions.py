"""Decisions over the API: approvers sign the stages they hold, in turn; every refusal of
the workflow is a problem of its own, and a refused decision stores nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Decision
from app.rules.roles import Role
from app.rules.workflow import Status
from tests import factories
from tests.api.conftest import fresh
from tests.security.route_table import request_of

PROBLEMS = "https://permit.service.gov.uk/problems/"


def decisions() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Decision)) or 0


def test_each_stage_approves_in_turn_to_approval(world, api_client_for):
    access_request = request_of(world, Status.IN_REVIEW)
    reference = access_request.reference
    for stage in ("security", "no10", "cabinet_office"):
        approver = api_client_for(world.approvers_for(stage)[0])
        response = approver.act(reference, "decisions", {"outcome": "approve", "stage": stage})
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["decisions"][-1]["stage"] == stage
    body = response.get_json()
    assert (body["status"], body["current_stage"]) == ("approved", None)
    assert [d["approver"]["email"] for d in body["decisions"]] == [
        world.security.email,
        world.no10.email,
        world.cabinet_office.email,
    ]


def test_approval_with_conditions_and_requests_for_changes_keep_their_words(world, api_client_for):
    access_request = request_of(world, Status.IN_REVIEW)
    security = api_client_for(world.security)
    response = security.act(
        access_request.reference,
        "decisions",
        {"outcome": "approve_with_conditions", "conditions": "  No replies to the public  "},
    )
    assert response.get_json()["decisions"][-1]["conditions"] == "No replies to the public"
    no10 = api_client_for(world.no10)
    response = no10.act(
        access_request.reference,
        "decisions",
        {"outcome": "request_changes", "reason": "Name a second account manager"},
    )
    body = response.get_json()
    assert body["status"] == "changes_requested"
    assert body["decisions"][-1]["reason"] == "Name a second account manager"


@pytest.mark.parametrize(
    ("body", "problem", "pointer"),
    [
        ({"outcome": "reject"}, "reason-required", "#/reason"),
        ({"outcome": "request_changes", "reason": "   "}, "reason-required", "#/reason"),
        ({"outcome": "approve_with_conditions"}, "conditions-required", "#/conditions"),
        ({"outcome": "reject", "reason": "x" * 5001}, "invalid-content", "#/reason"),
    ],
)
def test_a_decision_missing_its_words_is_a_422(world, api_client_for, body, problem, pointer):
    access_request = request_of(world, Status.IN_REVIEW)
    response = api_client_for(world.security).act(access_request.reference, "decisions", body)
    assert response.status_code == 422
    assert response.get_json()["type"] == PROBLEMS + problem
    assert response.get_json()["errors"][0]["pointer"] == pointer
    assert decisions() == 0


def test_a_stage_you_do_not_sign_is_a_403(world, api_client_for):
    access_request = request_of(world, Status.IN_REVIEW)
    response = api_client_for(world.no10).act(
        access_request.reference, "decisions", {"outcome": "approve"}
    )
    assert response.status_code == 403
    assert response.get_json()["type"] == PROBLEMS + "not-your-stage"
    assert decisions() == 0


def test_deciding_a_request_you_filed_is_a_403(world, api_client_for):
    both = factories.make_user(
        Role.OFFICER, Role.APPROVER, department=world.department, stages=("security",)
    )
    db.session.commit()
    access_request = request_of(world, Status.IN_REVIEW, author=both)
    response = api_client_for(both).act(
        access_request.reference, "decisions", {"outcome": "approve"}
    )
    assert response.status_code == 403
    assert response.get_json()["type"] == PROBLEMS + "own-request"


def test_deciding_a_second_stage_of_one_request_is_a_403(world, api_client_for):
    both_stages = factories.make_user(Role.APPROVER, stages=("security", "no10"))
    db.session.commit()
    access_request = request_of(world, Status.IN_REVIEW)
    api = api_client_for(both_stages)
    assert api.act(access_request.reference, "decisions", {"outcome": "approve"}).status_code == 200
    response = api.act(access_request.reference, "decisions", {"outcome": "approve"})
    assert response.status_code == 403
    assert response.get_json()["type"] == PROBLEMS + "second-stage"
    assert decisions() == 1


def test_naming_a_stage_that_is_no_longer_waiting_is_a_409_stale(world, api_client_for):
    access_request = request_of(world, Status.IN_REVIEW)
    response = api_client_for(world.security).act(
        access_request.reference, "decisions", {"outcome": "approve", "stage": "no10"}
    )
    assert response.status_code == 409
    assert response.get_json()["type"] == PROBLEMS + "stale-request"
    assert decisions() == 0


@pytest.mark.parametrize("status", [Status.APPROVED, Status.WITHDRAWN, Status.CHANGES_REQUESTED])
def test_a_request_not_waiting_for_a_decision_is_a_409(world, api_client_for, status):
    access_request = request_of(world, status)
    before = decisions()
    response = api_client_for(world.security_2).act(
        access_request.reference, "decisions", {"outcome": "approve"}
    )
    assert response.status_code == 409
    assert response.get_json()["type"] == PROBLEMS + "invalid-transition"
    assert decisions() == before
    assert fresh(access_request).status == status


def test_a_second_approver_acting_on_the_same_view_gets_a_412(world, api_client_for):
    access_request = request_of(world, Status.IN_REVIEW)
    first, second = (api_client_for(user) for user in world.approvers_for("security"))
    seen = first.etag(access_request.reference)
    assert second.etag(access_request.reference) == seen
    ok = first.post(
        f"/api/v1/requests/{access_request.reference}/decisions",
        json={"outcome": "approve"},
        headers={"If-Match": seen},
    )
    late = second.post(
        f"/api/v1/requests/{access_request.reference}/decisions",
        json={"outcome": "reject", "reason": "Too risky"},
        headers={"If-Match": seen},
    )
    assert (ok.status_code, late.status_code) == (200, 412)
    assert decisions() == 1


def test_a_delegate_decides_on_behalf_of_the_absent_approver(world, api_client_for):
    from app.deadlines.clock import london_today
    from app.operations.delegations import start_delegation
    from tests.web.review.support import at_stage

    dee = factories.make_user(Role.APPROVER, stages=("no10",), name="Dee Delegate")
    today = london_today()
    start_delegation(
        world.admin, delegator=world.cabinet_office, delegate=dee, starts_on=today, ends_on=today
    )
    request = at_stage(world, "cabinet_office")
    api = api_client_for(dee)
    # Without naming whom they cover for, Dee holds no Cabinet Office stage.
    assert api.act(request.reference, "decisions", {"outcome": "approve"}).status_code == 403
    # Naming someone they do not cover for: refused too.
    other = api.act(
        request.reference,
        "decisions",
        {"outcome": "approve", "on_behalf_of": world.cabinet_office_2.email},
    )
    assert other.status_code == 403
    response = api.act(
        request.reference,
        "decisions",
        {"outcome": "approve", "on_behalf_of": world.cabinet_office.email},
    )
    assert response.status_code == 200, response.get_json()
    decision = response.get_json()["decisions"][-1]
    assert decision["approver"]["email"] == dee.email
    assert decision["on_behalf_of"]["email"] == world.cabinet_office.email
    assert response.get_json()["status"] == Status.APPROVED
