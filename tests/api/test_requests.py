"""Requests over the API: list, start, read, change, submit, resubmit, withdraw; what the
workflow refuses comes back as its own problem; If-Match guards every change."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.api.requests import visible_to
from app.audit.events import EventType
from app.extensions import db
from app.models import AccessRequest, AuditEvent
from app.rules.access import can_view
from app.rules.roles import Role
from app.rules.workflow import Status
from tests import factories
from tests.api.conftest import fresh
from tests.factories import complete_content
from tests.security.route_table import request_of

PROBLEMS = "https://permit.service.gov.uk/problems/"


def api_content(**overrides):
    """complete_content() as JSON values (dates as text)."""
    content = complete_content(**overrides)
    return {
        name: value.isoformat()
        if isinstance(value, date)
        else str(value)
        if name == "kind"
        else value
        for name, value in content.items()
    }


def events_of(event_type: EventType) -> list[AuditEvent]:
    db.session.rollback()
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == str(event_type)))
    )


def test_an_officer_files_a_request_from_draft_to_submitted(world, api_client_for):
    officer = api_client_for(world.officer)
    created = officer.post("/api/v1/requests", json={"platform": "TikTok", "kind": "new_account"})
    assert created.status_code == 201
    body = created.get_json()
    reference = body["reference"]
    assert created.headers["Location"] == f"/api/v1/requests/{reference}"
    assert created.headers["ETag"] == f'"r{fresh_id(reference)}-v1"'
    assert body["status"] == "draft" and body["department"] == "DSIT"
    assert body["requester"]["email"] == world.officer.email

    content = api_content()
    del content["kind"]
    changed = officer.patch(
        f"/api/v1/requests/{reference}",
        json=content,
        headers={"If-Match": created.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["start_date"] == "2027-01-04"
    assert changed.headers["ETag"] != created.headers["ETag"]

    submitted = officer.post(
        f"/api/v1/requests/{reference}/submit", headers={"If-Match": changed.headers["ETag"]}
    )
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["status"] == "in_review"
    assert submitted.get_json()["current_stage"] == "security"
    assert submitted.get_json()["revision"] == 1
    # The operations wrote their own events, as from the screens, each naming the token.
    trail = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    assert [e.event_type for e in trail[-3:]] == [
        "request_created",
        "request_updated",
        "request_submitted",
    ]
    assert {e.payload["api_token"]["prefix"] for e in trail[-3:]} == {officer.token.prefix}
    assert "api_token_used" not in {e.event_type for e in trail}


def fresh_id(reference: str) -> int:
    return db.session.scalar(select(AccessRequest.id).where(AccessRequest.reference == reference))


def test_the_operations_events_carry_the_api_calls_client(world, api_client_for):
    officer = api_client_for(world.officer)
    response = officer.post(
        "/api/v1/requests",
        json={"platform": "TikTok", "kind": "new_account"},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    created = events_of(EventType.REQUEST_CREATED)[-1]
    assert created.client_address == "203.0.113.9"
    assert created.correlation_id == response.headers["X-Request-ID"]
    assert created.payload["api_token"] == {
        "token_id": officer.token.id,
        "prefix": officer.token.prefix,
        "name": "Test tool",
        "method": "POST",
        "route": "/api/v1/requests",
    }
    assert officer.text not in str(created.payload)
    # One event for the one change: the token's use is in it, not beside it.
    assert events_of(EventType.API_TOKEN_USED) == []


def test_a_request_sent_back_is_changed_and_resubmitted(world, api_client_for):
    access_request = request_of(world, Status.CHANGES_REQUESTED)
    officer = api_client_for(world.officer)
    reference = access_request.reference
    etag = officer.etag(reference)
    changed = officer.patch(
        f"/api/v1/requests/{reference}",
        json={"account_managers": "Three named members of the digital team"},
        headers={"If-Match": etag},
    )
    assert changed.status_code == 200
    assert changed.get_json()["status"] == "changes_requested"
    resubmitted = officer.act(reference, "resubmit")
    assert resubmitted.status_code == 200
    body = resubmitted.get_json()
    assert (body["status"], body["current_stage"], body["revision"]) == ("in_review", "security", 2)


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.CHANGES_REQUESTED])
def test_an_officer_withdraws_a_request_with_a_reason(world, api_client_for, status):
    access_request = request_of(world, status)
    officer = api_client_for(world.officer)
    response = officer.act(access_request.reference, "withdraw", {"reason": "Campaign cancelled"})
    assert response.status_code == 200
    assert response.get_json()["status"] == "withdrawn"
    assert events_of(EventType.REQUEST_WITHDRAWN)[-1].comment == "Campaign cancelled"


def test_withdrawing_needs_no_body(world, api_client_for):
    access_request = request_of(world, Status.DRAFT)
    response = api_client_for(world.officer).act(access_request.reference, "withdraw")
    assert response.status_code == 200
    assert fresh(access_request).status == Status.WITHDRAWN


# Refusals, each its own problem -----------------------------------------------------------


def test_an_incomplete_draft_is_refused_with_each_missing_answer(world, api_client_for):
    officer = api_client_for(world.officer)
    created = officer.post("/api/v1/requests", json={"platform": "TikTok", "kind": "new_account"})
    reference = created.get_json()["reference"]
    response = officer.act(reference, "submit")
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["type"] == PROBLEMS + "invalid-content"
    pointers = {error["pointer"] for error in problem["errors"]}
    assert {"#/purpose", "#/start_date", "#/device_attestation"} <= pointers
    assert fresh_status(reference) == Status.DRAFT


def fresh_status(reference: str) -> str:
    db.session.rollback()
    return db.session.scalar(
        select(AccessRequest.status).where(AccessRequest.reference == reference)
    )


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.IN_REVIEW, "submit"),
        (Status.DRAFT, "resubmit"),
        (Status.APPROVED, "withdraw"),
        (Status.WITHDRAWN, "withdraw"),
    ],
)
def test_a_move_the_status_does_not_allow_is_a_409(world, api_client_for, status, action):
    access_request = request_of(world, status)
    response = api_client_for(world.officer).act(access_request.reference, action)
    assert response.status_code == 409
    assert response.get_json()["type"] == PROBLEMS + "invalid-transition"
    assert fresh(access_request).status == status


def test_changes_with_wrong_content_are_refused_field_by_field(world, api_client_for):
    access_request = request_of(world, Status.DRAFT)
    officer = api_client_for(world.officer)
    response = officer.patch(
        f"/api/v1/requests/{access_request.reference}",
        json={"purpose": "x" * 5001, "start_date": "2027-02-01", "end_date": "2027-01-01"},
        headers={"If-Match": officer.etag(access_request.reference)},
    )
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["type"] == PROBLEMS + "invalid-content"
    assert {e["pointer"] for e in problem["errors"]} == {"#/purpose", "#/end_date"}
    assert fresh(access_request).version == 1


@pytest.mark.asvs("13.2.2")
@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"platform": "TikTok"}, "#/kind"),
        ({"platform": "TikTok", "kind": "a blog"}, "#/kind"),
        ({"kind": "new_account"}, "#/platform"),
        ({"platform": "TikTok", "kind": "new_account", "start_date": "30/02/2027"}, "#/start_date"),
        (
            {"platform": "TikTok", "kind": "new_account", "ad_budget_pounds": "5000"},
            "#/ad_budget_pounds",
        ),
        (
            {"platform": "TikTok", "kind": "new_account", "device_attestation": "yes"},
            "#/device_attestation",
        ),
        ({"platform": "TikTok", "kind": "new_account", "purpose": None}, "#/purpose"),
        ({"platform": "TikTok", "kind": "new_account", "status": "approved"}, "#/status"),
        ([], "#"),
    ],
)
def test_a_body_that_does_not_match_the_schema_is_a_422_naming_the_field(
    world, api_client_for, body, pointer
):
    response = api_client_for(world.officer).post("/api/v1/requests", json=body)
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["type"] == PROBLEMS + "validation-failed"
    assert pointer in {error["pointer"] for error in problem["errors"]}
    assert db.session.scalar(select(func.count()).select_from(AccessRequest)) == 0


def test_an_unknown_platform_is_refused_on_its_field(world, api_client_for):
    response = api_client_for(world.officer).post(
        "/api/v1/requests", json={"platform": "MySpace", "kind": "new_account"}
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"detail": "There is no platform with this name", "pointer": "#/platform"}
    ]


@pytest.mark.asvs("4.2.1")
def test_another_departments_request_does_not_exist_for_an_officer(world, api_client_for):
    access_request = request_of(world, Status.IN_REVIEW)
    outsider = api_client_for(world.outsider)
    reference = access_request.reference
    for response in (
        outsider.get(f"/api/v1/requests/{reference}"),
        outsider.get(f"/api/v1/requests/{reference}/revisions"),
        outsider.post(f"/api/v1/requests/{reference}/withdraw", headers={"If-Match": "*"}),
        outsider.patch(f"/api/v1/requests/{reference}", json={}, headers={"If-Match": "*"}),
    ):
        assert response.status_code == 404
        assert response.get_json()["type"] == "about:blank"
    assert fresh(access_request).status == Status.IN_REVIEW


@pytest.mark.asvs("4.2.1")
def test_a_draft_does_not_exist_for_an_approver(world, api_client_for):
    draft = request_of(world, Status.DRAFT)
    response = api_client_for(world.security).get(f"/api/v1/requests/{draft.reference}")
    assert response.status_code == 404


@pytest.mark.asvs("4.2.1")
def test_an_officer_who_is_also_an_approver_cannot_act_for_another_department(
    world, api_client_for
):
    both = factories.make_user(
        Role.OFFICER, Role.APPROVER, department=world.other_department, stages=("no10",)
    )
    db.session.commit()
    access_request = request_of(world, Status.IN_REVIEW)
    api = api_client_for(both)
    # They may read it (approvers see submitted requests) but not act as its officer:
    # told it does not exist, as on the screens.
    assert api.get(f"/api/v1/requests/{access_request.reference}").status_code == 200
    response = api.act(access_request.reference, "withdraw")
    assert response.status_code == 404
    assert fresh(access_request).status == Status.IN_REVIEW


# Lists --------------------------------------------------------------------------------------


def test_the_list_pages_newest_first_with_a_cursor(world, api_client_for):
    references = [request_of(world, Status.DRAFT).reference for _ in range(5)]
    officer = api_client_for(world.officer)
    seen = []
    url = "/api/v1/requests?limit=2"
    pages = 0
    while url:
        page = officer.get(url).get_json()
        seen += [item["reference"] for item in page["items"]]
        url = page["next"]
        pages += 1
    assert seen == references[::-1]
    assert pages == 3


def test_the_list_filters_keep_their_filters_across_pages(world, api_client_for):
    in_review = [request_of(world, Status.IN_REVIEW).reference for _ in range(3)]
    request_of(world, Status.DRAFT)
    auditor = api_client_for(world.auditor)
    first = auditor.get("/api/v1/requests?status=in_review&limit=2").get_json()
    assert "status=in_review" in first["next"]
    second = auditor.get(first["next"]).get_json()
    listed = [item["reference"] for item in first["items"] + second["items"]]
    assert listed == in_review[::-1]
    assert second["next"] is None
    waiting = auditor.get("/api/v1/requests?stage=security&department=DSIT&platform=TikTok")
    assert [item["reference"] for item in waiting.get_json()["items"]] == in_review[::-1]
    assert auditor.get("/api/v1/requests?stage=no10").get_json()["items"] == []


@pytest.mark.parametrize("cursor", ["not-a-cursor", "%00", "LTE", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5"])
def test_a_cursor_that_is_not_ours_is_a_422(world, api_client_for, cursor):
    response = api_client_for(world.officer).get(f"/api/v1/requests?cursor={cursor}")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["parameter"] == "cursor"


@pytest.mark.asvs("4.2.1")
def test_each_person_lists_exactly_the_requests_they_may_see(world, api_client_for):
    mine = {request_of(world, status).reference for status in (Status.DRAFT, Status.IN_REVIEW)}
    theirs_draft = request_of(world, Status.DRAFT, author=world.outsider).reference
    theirs_submitted = request_of(world, Status.IN_REVIEW, author=world.outsider).reference

    def listed(user):
        return {
            item["reference"]
            for item in api_client_for(user).get("/api/v1/requests").get_json()["items"]
        }

    assert listed(world.officer) == mine
    assert listed(world.outsider) == {theirs_draft, theirs_submitted}
    assert listed(world.security) == {r for r in mine if fresh_status(r) != Status.DRAFT} | {
        theirs_submitted
    }
    assert listed(world.auditor) == mine | {theirs_draft, theirs_submitted}


def test_the_lists_sql_agrees_with_can_view_for_everyone(world):
    """visible_to is can_view as SQL: the two must never disagree."""
    for status in Status:
        for author in (world.officer, world.outsider):
            request_of(world, status, author=author)
    deactivated = factories.make_user(Role.AUDITOR, active=False)
    nobody = factories.make_user()
    both = factories.make_user(
        Role.OFFICER, Role.APPROVER, department=world.department, stages=("no10",)
    )
    db.session.commit()
    everyone = [
        world.officer,
        world.outsider,
        world.security,
        world.auditor,
        world.admin,
        deactivated,
        nobody,
        both,
    ]
    requests = db.session.scalars(select(AccessRequest)).all()
    for viewer in everyone:
        in_sql = set(db.session.scalars(select(AccessRequest.id).where(visible_to(viewer))))
        in_python = {r.id for r in requests if can_view(viewer, r)}
        assert in_sql == in_python, viewer.email


def test_an_officer_of_a_retired_department_is_told_it_starts_no_new_request(world, api_client_for):
    officer = api_client_for(world.officer)
    world.department.active = False
    db.session.commit()
    response = officer.post("/api/v1/requests", json={"platform": "TikTok", "kind": "new_account"})
    assert response.status_code == 403
    problem = response.get_json()
    assert problem["type"] == PROBLEMS + "not-permitted"
    assert "has been retired: it cannot start new requests" in problem["detail"]
    assert db.session.scalar(select(func.count()).select_from(AccessRequest)) == 0
