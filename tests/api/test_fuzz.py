"""Fuzz every operation of the JSON API from its own OpenAPI document (schemathesis 4 over
WSGI, no server): whatever a caller with a valid token sends, the API never answers 5xx and
never gives an answer the document does not describe (status, content type, headers, body).

The caller is one person who is officer, approver of every stage and auditor at once, with
a token holding every scope, so the fuzzer gets past authentication and scope checks (no
answer may be 401). Two cases in three are aimed at things that exist (a draft or a request
in review, its first revision, a real export, the TikTok platform) and, for changes, send
the request's current ETag in If-Match, so they reach the workflow rather than stopping at
404 or 428; the others keep what the fuzzer drew, and any documented refusal is valid.

Bounded: PERMIT_FUZZ_EXAMPLES examples per operation (default 10, so `make test` stays
quick); `make fuzz` runs 500. schemathesis 4's pytest fixture loader does not work under
pytest 9, so hypothesis drives each operation's strategy directly. No hypothesis database
is kept (nothing written into the repo); a failure prints the case as a curl command.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.extensions import db
from app.rules.roles import Role
from app.security.api_tokens import allowed_scopes
from app.web.openapi import openapi_document
from tests import factories
from tests.api.conftest import make_token

EXAMPLES = int(os.environ.get("PERMIT_FUZZ_EXAMPLES", "10"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
HTTP_METHODS = ("get", "post", "put", "patch", "delete")

pytestmark = pytest.mark.asvs("13.2.2", "13.1.4", "7.4.1")


def labels() -> list[str]:
    """Every documented operation, from a throw-away app's document (the same code)."""
    from app import create_app
    from config import TestConfig

    document = openapi_document(create_app(TestConfig("sqlite://")))
    return sorted(
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    )


@pytest.mark.parametrize("label", labels())
def test_no_operation_answers_5xx_or_outside_its_document(app: Flask, label: str) -> None:
    world = factories.make_world()
    everyone = factories.make_user(
        Role.OFFICER,
        Role.APPROVER,
        Role.AUDITOR,
        department=world.department,
        stages=("security", "no10", "cabinet_office"),
        name="Fuzz Everyone",
    )
    # Requests in several states for the fuzzer to reach: a draft, one in review.
    references = [world.draft(everyone).reference, world.submitted().reference]
    db.session.commit()
    assert {str(s) for s in allowed_scopes(everyone)} == {
        "requests:read",
        "requests:write",
        "decisions:write",
        "audit:read",
    }
    _token, text = make_token(everyone)
    # The fuzzer's calls are many and fast: the per-token limit is tested elsewhere.
    limit = app.config["API_RATELIMIT"]
    app.config["API_RATELIMIT"] = "1000000 per minute"
    try:
        run(app, label, text, references)
    finally:
        app.config["API_RATELIMIT"] = limit


def aim_at_real_things(case: Any, reference: str, exported: int) -> None:
    """Point `case` at things that exist (a request, its first revision, an export, the
    platform), so it reaches the workflow; the rest of it stays as the fuzzer drew it."""
    parameters = case.path_parameters or {}
    if "reference" in parameters:
        parameters["reference"] = reference
    if "number" in parameters:
        parameters["number"] = 1
    if "seq" in parameters:
        parameters["seq"] = exported
    if isinstance(case.body, dict) and "platform" in case.body:
        case.body["platform"] = "TikTok"


def run(app: Flask, label: str, token: str, references: list[str]) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    method, path = label.split(" ", 1)
    operation = schema[path][method]
    http = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    statuses: Counter[int] = Counter()
    export = http.get("/api/v1/audit/export?format=csv", headers=auth)
    exported = int(export.headers["Permit-Export-Seq"])
    # Read to the end and close: the streamed file holds its request context till then.
    export.get_data()
    export.close()

    @settings(
        max_examples=EXAMPLES,
        database=None,
        deadline=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), real=st.sampled_from([None, *references]))
    def fuzz(case: Any, real: str | None) -> None:
        headers = dict(auth)
        if real is not None:
            aim_at_real_things(case, real, exported)
            read = http.get(f"/api/v1/requests/{real}", headers=auth)
            if read.status_code == 200 and case.method in ("POST", "PATCH"):
                headers["If-Match"] = read.headers["ETag"]
        try:
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            statuses[response.status_code] += 1
        except BaseException as failure:
            failure.add_note(f"Reproduce with: {case.as_curl_command(headers=headers)}")
            raise
        finally:
            db.session.remove()

    fuzz()
    # The token always worked: the fuzzer got past authentication every time.
    assert 401 not in statuses, f"{label}: {dict(statuses)}"
    print(f"{label}: {dict(sorted(statuses.items()))}")
