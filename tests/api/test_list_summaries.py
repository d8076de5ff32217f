"""The API's list builds each item from a plain row, without marshmallow
(app.api.schemas.summary_of): every item is what the documented RequestSummarySchema
gives for the request, in every state."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.api.schemas import RequestPageSchema, RequestSummarySchema
from app.extensions import db
from app.models.requests import AccessRequest
from app.rules.workflow import Status
from tests.factories import World
from tests.security.route_table import request_of


@pytest.fixture
def one_of_each(world: World) -> list[str]:
    references = [request_of(world, status).reference for status in Status]
    db.session.commit()
    return references


def test_each_item_is_what_the_summary_schema_gives(world: World, one_of_each, api_client_for):
    response = api_client_for(world.auditor).get("/api/v1/requests?limit=50")
    assert response.status_code == 200
    body = response.get_json()
    assert RequestPageSchema().validate(body) == {}
    listed = {item["reference"]: item for item in body["items"]}
    assert set(one_of_each) <= set(listed)
    db.session.expire_all()
    for reference in one_of_each:
        access_request = db.session.scalar(
            select(AccessRequest).where(AccessRequest.reference == reference)
        )
        assert listed[reference] == RequestSummarySchema().dump(access_request)


def test_the_statuses_listed_cover_every_state(world: World, one_of_each, api_client_for):
    body = api_client_for(world.auditor).get("/api/v1/requests?limit=50").get_json()
    assert {item["status"] for item in body["items"]} == {str(status) for status in Status}
    submitted = [item for item in body["items"] if item["status"] != "draft"]
    assert all(item["submitted_at"] for item in submitted)
    assert any(item["current_stage"] == "security" for item in body["items"])
