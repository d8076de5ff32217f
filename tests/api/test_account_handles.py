"""The API takes a handle only in the shape its platform gives out, by the same rule as the
account page (tests/web/requests/test_account_handle.py), and refuses any other as
invalid-content naming account_handle, in the same words."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AccessRequest
from app.rules.workflow import Status
from tests import handles
from tests.api.conftest import fresh
from tests.security.route_table import request_of

INVALID_CONTENT = "https://permit.service.gov.uk/problems/invalid-content"


def change_handle(officer, access_request, handle):
    return officer.patch(
        f"/api/v1/requests/{access_request.reference}",
        json={"account_handle": handle},
        headers={"If-Match": officer.etag(access_request.reference)},
    )


@pytest.mark.parametrize("handle", handles.ACCEPTED)
def test_a_handle_in_tiktoks_shape_is_saved_as_sent(world, api_client_for, handle):
    access_request = request_of(world, Status.DRAFT)
    response = change_handle(api_client_for(world.officer), access_request, handle)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["account_handle"] == handle
    assert fresh(access_request).account_handle == handle


@pytest.mark.parametrize("handle", handles.REFUSED)
def test_a_handle_of_another_shape_is_refused_naming_the_field(world, api_client_for, handle):
    access_request = request_of(world, Status.DRAFT)
    before = (access_request.account_handle, access_request.version)
    response = change_handle(api_client_for(world.officer), access_request, handle)
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["type"] == INVALID_CONTENT
    assert problem["errors"] == [{"detail": handles.TIKTOK_REFUSAL, "pointer": "#/account_handle"}]
    changed = fresh(access_request)
    assert (changed.account_handle, changed.version) == before


def test_a_new_request_with_a_handle_of_another_shape_is_not_started(world, api_client_for):
    response = api_client_for(world.officer).post(
        "/api/v1/requests",
        json={"platform": "TikTok", "kind": "new_account", "account_handle": "gov uk"},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"detail": handles.TIKTOK_REFUSAL, "pointer": "#/account_handle"}
    ]
    assert db.session.scalar(select(func.count()).select_from(AccessRequest)) == 0
