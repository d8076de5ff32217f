"""Every error under /api/ is application/problem+json (RFC 9457), whatever raised it:
Werkzeug's 404, 405 and 413, our 415, webargs' 400 and 422, Flask-Limiter's 429, a 500.
Never an HTML page; the screens keep theirs."""

from __future__ import annotations

import pytest

import app.api.audit as audit_views
from app.extensions import db

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, type_: str = "about:blank") -> dict:
    assert response.status_code == status
    assert response.content_type == PROBLEM
    assert b"<html" not in response.get_data().lower()
    problem = response.get_json()
    assert problem["status"] == status
    assert problem["type"] == type_ or problem["type"].endswith("/" + type_)
    assert problem["title"]
    return problem


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here", "/api/v1/requests/PRQ-2026-99999/nowhere", "/api/v2/requests"]
)
def test_an_unknown_api_path_is_a_404_problem_with_or_without_a_token(
    world, api_client_for, anonymous_api, path
):
    for api in (anonymous_api, api_client_for(world.officer)):
        assert_problem(api.get(path), 404)


def test_a_request_that_does_not_exist_is_a_404_problem(world, api_client_for):
    api = api_client_for(world.officer)
    assert_problem(api.get("/api/v1/requests/PRQ-2026-99999"), 404)
    assert_problem(api.get("/api/v1/requests/PRQ%00"), 404)


@pytest.mark.asvs("13.2.1")
@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/v1/requests", {"GET", "POST"}),
        ("PUT", "/api/v1/requests/PRQ-2026-00001", {"GET", "PATCH"}),
        ("GET", "/api/v1/requests/PRQ-2026-00001/submit", {"POST"}),
        ("POST", "/api/v1/audit/head", {"GET"}),
    ],
)
def test_a_method_the_path_does_not_take_is_a_405_problem_naming_those_it_does(
    world, api_client_for, method, path, allowed
):
    response = api_client_for(world.officer).call(method, path, validate=False)
    assert_problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) - {"HEAD", "OPTIONS"} == allowed


@pytest.mark.asvs("13.2.5", "13.1.5")
@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data"],
)
def test_a_body_that_is_not_json_is_a_415_problem_and_nothing_is_read(
    world, api_client_for, content_type
):
    api = api_client_for(world.officer)
    response = api.post(
        "/api/v1/requests",
        data='{"platform": "TikTok", "kind": "new_account"}',
        headers={"Content-Type": content_type},
    )
    problem = assert_problem(response, 415, "unsupported-media-type")
    assert "application/json" in problem["detail"]
    assert response.headers["Accept-Post"] == "application/json"


def test_a_body_that_is_not_valid_json_is_a_400_problem(world, api_client_for):
    api = api_client_for(world.officer)
    response = api.post(
        "/api/v1/requests", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400, "invalid-body")


def test_a_body_too_large_is_a_413_problem(world, api_client_for):
    api = api_client_for(world.officer)
    response = api.post(
        "/api/v1/requests",
        json={"platform": "TikTok", "kind": "new_account", "purpose": "x" * 1_100_000},
        validate=False,
    )
    assert_problem(response, 413)


def test_a_server_error_is_a_500_problem_that_says_nothing_of_its_cause(
    world, app, api_client_for, monkeypatch
):
    def broken(_session):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(audit_views, "chain_head", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = api_client_for(world.auditor).get("/api/v1/audit/head", validate=False)
    problem = assert_problem(response, 500)
    assert "detail" not in problem
    assert b"secret internals" not in response.get_data()
    db.session.rollback()


def test_the_screens_keep_their_html_error_pages(client, world):
    response = client.get("/assets/no-such-file.css")
    assert response.status_code == 404
    assert response.content_type.startswith("text/html")


def test_the_openapi_document_is_served_to_anyone_as_json(client, app):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] == "Permit API"


@pytest.mark.asvs("13.2.5")
@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v2/requests"])
def test_a_json_post_to_an_unknown_api_path_is_a_404_problem_not_a_415(world, api_client_for, path):
    response = api_client_for(world.officer).post(path, json={"platform": "TikTok"})
    assert_problem(response, 404)
