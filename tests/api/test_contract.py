"""The contract: every operation in the generated OpenAPI document is exercised, and every
answer (successes and problems alike) matches what the document says of it: status,
content type, headers and body schema (schemathesis's response validation, through
tests/api/conftest.py). The document itself is a well-formed OpenAPI 3.1 description."""

from __future__ import annotations

import pytest
from schemathesis.core.failures import FailureGroup
from werkzeug.test import EnvironBuilder, TestResponse
from werkzeug.wrappers import Request

from app.deadlines.clock import london_today
from app.rules.workflow import Status
from app.web.openapi import openapi_document
from app.web.problems import all_problem_types
from tests.api.conftest import api_schema, check_against_document
from tests.security.route_table import request_of

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def documented(app) -> set[str]:
    return {
        f"{method.upper()} {path}"
        for path, item in openapi_document(app)["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


@pytest.mark.asvs("13.1.4", "13.2.2")
def test_every_documented_operation_is_exercised_and_answers_as_documented(
    app, world, api_client_for
):
    officer = api_client_for(world.officer)
    security = api_client_for(world.security)
    auditor = api_client_for(world.auditor)

    # An officer's request, from draft to review.
    created = officer.post(
        "/api/v1/requests",
        json={"platform": "TikTok", "kind": "new_account", "purpose": "Public health"},
        headers={"Idempotency-Key": "contract-create"},
    )
    assert created.status_code == 201
    reference = created.get_json()["reference"]
    assert officer.get("/api/v1/requests?status=draft").status_code == 200
    assert officer.patch(f"/api/v1/requests/{reference}", json={}).status_code == 428
    incomplete = officer.act(reference, "submit")
    assert incomplete.status_code == 422
    filled = request_of(world, Status.DRAFT)
    assert officer.act(filled.reference, "submit").status_code == 200
    assert officer.act(reference, "withdraw", {"reason": "Duplicate"}).status_code == 200

    # Approvers decide; a refusal and a replay along the way.
    assert security.act(filled.reference, "decisions", {"outcome": "reject"}).status_code == 422
    sent_back = security.act(
        filled.reference, "decisions", {"outcome": "request_changes", "reason": "More detail"}
    )
    assert sent_back.status_code == 200
    assert (
        officer.patch(
            f"/api/v1/requests/{filled.reference}",
            json={"justification": "More detail given"},
            headers={"If-Match": officer.etag(filled.reference)},
        ).status_code
        == 200
    )
    assert officer.act(filled.reference, "resubmit").status_code == 200
    assert officer.act(filled.reference, "resubmit").status_code == 409

    # Revisions.
    assert officer.get(f"/api/v1/requests/{filled.reference}/revisions").status_code == 200
    assert officer.get(f"/api/v1/requests/{filled.reference}/revisions/2").status_code == 200
    assert officer.get(f"/api/v1/requests/{filled.reference}/revisions/9").status_code == 404

    # The audit trail.
    assert auditor.get("/api/v1/audit/events?limit=5").status_code == 200
    export = auditor.get("/api/v1/audit/export?format=jsonl")
    assert export.status_code == 200
    seq = export.headers["Permit-Export-Seq"]
    assert auditor.get("/api/v1/audit/export?format=csv").status_code == 200
    assert auditor.get(f"/api/v1/audit/exports/{seq}/manifest").status_code == 200
    assert auditor.get("/api/v1/audit/head").status_code == 200
    assert auditor.get("/api/v1/audit/events?event_type=nope").status_code == 422
    # Refusals every operation documents.
    assert auditor.get("/api/v1/requests/PRQ-2000-00000").status_code == 404
    assert officer.get("/api/v1/audit/head").status_code == 403

    # Administration.
    admin = api_client_for(world.admin)
    assert admin.get("/api/v1/admin/departments").status_code == 200
    added = admin.post("/api/v1/admin/departments", json={"code": "DFE", "name": "Education"})
    assert added.status_code == 201
    department_id = added.get_json()["id"]
    assert (
        admin.patch(f"/api/v1/admin/departments/{department_id}", json={"active": False})
    ).status_code == 200
    assert admin.get("/api/v1/admin/platforms").status_code == 200
    platform = admin.post("/api/v1/admin/platforms", json={"name": "X"})
    assert platform.status_code == 201
    platform_id = platform.get_json()["id"]
    assert (
        admin.patch(f"/api/v1/admin/platforms/{platform_id}", json={"name": "Y"}).status_code == 200
    )
    pipeline = f"/api/v1/admin/platforms/{platform_id}/pipeline"
    assert admin.get(pipeline).status_code == 200
    body = {"based_on": None, "stages": [{"stage": "security"}]}
    assert admin.call("PUT", pipeline, json=body).status_code == 200
    assert admin.call("PUT", pipeline, json=body).status_code == 409
    invited = admin.post(
        "/api/v1/admin/people",
        json={"email": "contract@example.gov.uk", "name": "Con Tract", "roles": ["auditor"]},
    )
    assert invited.status_code == 201
    person = f"/api/v1/admin/people/{invited.get_json()['person']['id']}"
    assert admin.patch(person, json={"name": "Con Tracted"}).status_code == 200
    assert admin.post(f"{person}/deactivate").status_code == 200
    assert admin.post(f"{person}/reactivate").status_code == 200
    today = london_today().isoformat()
    cover = admin.post(
        "/api/v1/admin/delegations",
        json={
            "delegator": world.security.email,
            "delegate": world.no10.email,
            "starts_on": today,
            "ends_on": today,
        },
    )
    assert cover.status_code == 201
    assert admin.post(f"/api/v1/admin/delegations/{cover.get_json()['id']}/end").status_code == 200

    exercised = officer.seen | security.seen | auditor.seen | admin.seen
    assert exercised == documented(app)


def test_the_document_describes_every_operation_for_its_reader(app):
    document = openapi_document(app)
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    tags = {tag["name"] for tag in document["tags"]}
    assert tags == {"requests", "decisions", "revisions", "audit", "administration"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            label = f"{method.upper()} {path}"
            assert operation.get("summary"), label
            assert operation.get("description"), label
            assert set(operation["tags"]) <= tags, label
            assert operation["security"][0]["bearerAuth"], label
            assert {"401", "403", "default"} <= set(operation["responses"]), label
            if method in ("post", "patch") and "{reference}" in path:
                headers = {p["name"] for p in operation.get("parameters", [])}
                assert "If-Match" in headers, label
            if method == "post":
                headers = {p["name"] for p in operation.get("parameters", [])}
                assert "Idempotency-Key" in headers, label
    problem = document["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert list(problem) == ["application/problem+json"]
    for problem_type in all_problem_types():
        assert problem_type.uri in document["info"]["description"]


def test_schemathesis_loads_the_document_and_finds_every_operation(app):
    schema = api_schema(app)
    labels = {result.ok().label for result in schema.get_all_operations()}
    assert labels == documented(app)


def answer(body: str, status: str, content_type: str) -> TestResponse:
    path = "/api/v1/requests/PRQ-2026-00001"
    request = Request(EnvironBuilder(path=path).get_environ())
    return TestResponse([body.encode()], status, {"Content-Type": content_type}, request)


def test_the_response_check_bites(app):
    """A body the document does not describe, or an undocumented content type, fails."""
    path = "/api/v1/requests/PRQ-2026-00001"
    wrong_body = answer('{"reference": 42}', "200 OK", "application/json")
    with pytest.raises(FailureGroup) as failure:
        check_against_document(app, "GET", path, wrong_body)
    assert "is a required property" in str(failure.value.exceptions)
    html = answer("<html></html>", "404 NOT FOUND", "text/html")
    with pytest.raises(AssertionError, match="text/html"):
        check_against_document(app, "GET", path, html)


@pytest.mark.asvs("13.2.2")
def test_the_document_is_valid_openapi_3_1(app):
    # openapi-spec-validator checks the document against the OpenAPI 3.1 schema,
    # including every JSON Schema the document holds; it raises naming the first fault.
    from openapi_spec_validator import OpenAPIV31SpecValidator, validate

    validate(openapi_document(app), cls=OpenAPIV31SpecValidator)
