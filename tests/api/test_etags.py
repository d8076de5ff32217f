"""Strong ETags and If-Match: no change to a request without naming the version seen
(428), and none on a view that has moved on (412); the operation checks the same version
again under its lock."""

from __future__ import annotations

import pytest

import app.api.requests as views
from app.extensions import db
from app.operations.decide_stage import decide_stage
from app.operations.update_request import update_request
from app.rules.workflow import Outcome, Status
from tests.api.conftest import fresh
from tests.security.route_table import request_of

PROBLEMS = "https://permit.service.gov.uk/problems/"

#: Every call that changes a request: (method, path suffix, body, who).
CHANGES = [
    ("PATCH", "", {"purpose": "Reach more people"}, "officer", Status.DRAFT),
    ("POST", "/submit", None, "officer", Status.DRAFT),
    ("POST", "/resubmit", None, "officer", Status.CHANGES_REQUESTED),
    ("POST", "/withdraw", {"reason": "No longer needed"}, "officer", Status.IN_REVIEW),
    ("POST", "/decisions", {"outcome": "approve"}, "security", Status.IN_REVIEW),
]
IDS = [f"{method} {suffix or '/'}" for method, suffix, *_ in CHANGES]


def test_a_request_carries_a_strong_etag_of_its_version(world, api_client_for):
    access_request = request_of(world, Status.IN_REVIEW)
    response = api_client_for(world.officer).read(access_request.reference)
    etag = response.headers["ETag"]
    assert etag == f'"r{access_request.id}-v{access_request.version}"'
    assert not etag.startswith("W/")


@pytest.mark.parametrize(("method", "suffix", "body", "who", "status"), CHANGES, ids=IDS)
def test_a_change_without_if_match_is_a_428(
    world, api_client_for, method, suffix, body, who, status
):
    access_request = request_of(world, status)
    api = api_client_for(getattr(world, who))
    response = api.call(method, f"/api/v1/requests/{access_request.reference}{suffix}", json=body)
    assert response.status_code == 428
    assert response.get_json()["type"] == PROBLEMS + "precondition-required"
    assert fresh(access_request).version == access_request.version


@pytest.mark.parametrize(("method", "suffix", "body", "who", "status"), CHANGES, ids=IDS)
def test_a_change_on_a_view_that_has_moved_on_is_a_412(
    world, api_client_for, method, suffix, body, who, status
):
    access_request = request_of(world, status)
    api = api_client_for(getattr(world, who))
    seen = api.etag(access_request.reference)
    if status in (Status.DRAFT, Status.CHANGES_REQUESTED):
        update_request(access_request, world.officer, content={"purpose": "Changed meanwhile"})
    else:  # in review the content is frozen: another approver moves it on
        decide_stage(
            access_request,
            world.security_2,
            stage="security",
            version=access_request.version,
            outcome=Outcome.APPROVE,
        )
    db.session.commit()
    version = access_request.version
    response = api.call(
        method,
        f"/api/v1/requests/{access_request.reference}{suffix}",
        json=body,
        headers={"If-Match": seen},
    )
    assert response.status_code == 412
    assert response.get_json()["type"] == PROBLEMS + "precondition-failed"
    assert response.headers["ETag"] == f'"r{access_request.id}-v{version}"'
    assert fresh(access_request).version == version


@pytest.mark.parametrize(
    "if_match",
    ['W/"{tag}"', '"r0-v1"', '"{tag}x"', "", "garbage, more garbage"],
)
def test_only_the_current_strong_tag_matches(world, api_client_for, if_match):
    access_request = request_of(world, Status.DRAFT)
    api = api_client_for(world.officer)
    tag = f"r{access_request.id}-v{access_request.version}"
    response = api.patch(
        f"/api/v1/requests/{access_request.reference}",
        json={"purpose": "Changed"},
        headers={"If-Match": if_match.format(tag=tag)},
    )
    assert response.status_code == 412
    assert fresh(access_request).purpose != "Changed"


@pytest.mark.parametrize("if_match", ['"{tag}"', '"r0-v1", "{tag}"', "*"])
def test_the_current_tag_among_others_or_a_star_matches(world, api_client_for, if_match):
    access_request = request_of(world, Status.DRAFT)
    tag = f"r{access_request.id}-v{access_request.version}"
    response = api_client_for(world.officer).patch(
        f"/api/v1/requests/{access_request.reference}",
        json={"purpose": "Changed"},
        headers={"If-Match": if_match.format(tag=tag)},
    )
    assert response.status_code == 200
    assert fresh(access_request).purpose == "Changed"


def test_the_operation_checks_the_version_again_under_its_lock(world, api_client_for, monkeypatch):
    """Moved on between the HTTP check and the row lock: the operation's own check
    refuses it (409 stale-request), so the two checks cannot disagree."""
    access_request = request_of(world, Status.DRAFT)
    api = api_client_for(world.officer)
    etag = api.etag(access_request.reference)

    def someone_else_first(request, actor, **kwargs):
        update_request(request, world.colleague, content={"purpose": "Colleague was first"})
        return update_request(request, actor, **kwargs)

    monkeypatch.setattr(views, "update_request", someone_else_first)
    response = api.patch(
        f"/api/v1/requests/{access_request.reference}",
        json={"purpose": "Mine"},
        headers={"If-Match": etag},
    )
    assert response.status_code == 409
    assert response.get_json()["type"] == PROBLEMS + "stale-request"
    assert fresh(access_request).version == 1  # both rolled back together
