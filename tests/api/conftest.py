"""Fixtures for the JSON API: `api_client_for(user, scopes=...)` makes a real token through
the operation (as the tokens page does) and sends it as a Bearer header, and every answer
it gets is checked against the generated OpenAPI document (schemathesis's response
validation: status, content type, headers, body schema).

The web fixtures (`client`, `client_for`) come along for the tests that mix the two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from werkzeug.test import TestResponse

from app.extensions import db
from app.models.api import ApiToken
from app.models.requests import AccessRequest
from app.models.users import User
from app.operations.create_api_token import create_api_token
from app.security.api_tokens import Scope, allowed_scopes
from app.web.openapi import openapi_document
from tests.web.client import PermitClient
from tests.web.conftest import client, client_for  # noqa: F401  (fixtures for these tests)

#: Operations (METHOD /path/template) answered somewhere in the session: test_contract
#: checks its own journey covers the document; this shows what the whole suite covered.
EXERCISED: set[str] = set()


class ApiClient:
    """A tool calling the API with one token, as curl would: no cookies, JSON bodies."""

    def __init__(self, app: Flask, token: ApiToken | None, text: str | None) -> None:
        self.app = app
        self.token = token
        self.text = text
        # No cookies: the API never sees a browser session. PermitClient clears flask.g
        # before each call, as a real server starts each request afresh.
        self.http = PermitClient(app, app.response_class, use_cookies=False)
        self.seen: set[str] = set()

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.text}"} if self.text else {}
        return {**headers, **(extra or {})}

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
        validate: bool = True,
        **kwargs: Any,
    ) -> TestResponse:
        response = self.http.open(
            path, method=method, json=json, headers=self.headers(headers), **kwargs
        )
        if validate:
            check_against_document(self.app, method, path, response, seen=self.seen)
        return response

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("PATCH", path, **kwargs)

    def read(self, reference: str) -> TestResponse:
        response = self.get(f"/api/v1/requests/{reference}")
        assert response.status_code == 200, response.get_json()
        return response

    def etag(self, reference: str) -> str:
        return str(self.read(reference).headers["ETag"])

    def act(self, reference: str, action: str, json: Any = None, **headers: str) -> TestResponse:
        """POST an action on a request (submit, withdraw, decisions ...) with If-Match
        from a fresh read, as a careful client would."""
        return self.post(
            f"/api/v1/requests/{reference}/{action}",
            json=json,
            headers={"If-Match": self.etag(reference), **headers},
        )


_SCHEMAS: dict[int, Any] = {}


def api_schema(app: Flask) -> Any:
    """The app's document, loaded once per app for schemathesis."""
    if id(app) not in _SCHEMAS:
        _SCHEMAS[id(app)] = schemathesis.openapi.from_dict(openapi_document(app))
    return _SCHEMAS[id(app)]


def check_against_document(
    app: Flask, method: str, path: str, response: TestResponse, *, seen: set[str] | None = None
) -> None:
    """The answer is one the document describes (paths it does not describe are skipped:
    an unknown path's 404 is documented nowhere)."""
    operation = api_schema(app).find_operation_by_path(method, path.split("?", 1)[0])
    if operation is None:
        return
    EXERCISED.add(operation.label)
    if seen is not None:
        seen.add(operation.label)
    check_content_type(app, operation, response)
    operation.validate_response(response)


def check_content_type(app: Flask, operation: Any, response: TestResponse) -> None:
    """The answer's media type is one the document gives for its status (schemathesis
    checks the body's schema, but leaves a body of another type alone)."""
    document = openapi_document(app)
    responses = document["paths"][operation.path][operation.method.lower()]["responses"]
    described = responses.get(str(response.status_code), responses.get("default"))
    assert described is not None, f"{operation.label}: {response.status_code} is not documented"
    while "$ref" in described:
        described = document["components"]["responses"][described["$ref"].rsplit("/", 1)[1]]
    allowed = set(described.get("content", {}))
    assert response.mimetype in allowed, (
        f"{operation.label} answered {response.status_code} {response.mimetype}, "
        f"documented: {sorted(allowed)}"
    )


def make_token(
    user: User, scopes: Iterable[Scope | str] | None = None, *, days: int = 30
) -> tuple[ApiToken, str]:
    """A token for `user` made by the operation (all their roles allow, by default)."""
    chosen = [str(s) for s in (allowed_scopes(user) if scopes is None else scopes)]
    token, text = create_api_token(user, name="Test tool", scopes=chosen, expires_in_days=days)
    db.session.commit()
    return token, text


@pytest.fixture
def api_client_for(app: Flask) -> Callable[..., ApiClient]:
    """`api_client_for(world.officer)`, or with `scopes=[Scope.REQUESTS_READ]`."""

    def make(user: User, scopes: Iterable[Scope | str] | None = None) -> ApiClient:
        token, text = make_token(user, scopes)
        return ApiClient(app, token, text)

    return make


@pytest.fixture
def anonymous_api(app: Flask) -> ApiClient:
    """A tool with no token at all."""
    return ApiClient(app, None, None)


def fresh(access_request: AccessRequest) -> AccessRequest:
    """The request as committed now (another session may have changed it)."""
    db.session.rollback()
    db.session.refresh(access_request)
    return access_request
