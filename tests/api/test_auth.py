"""Who may call the API: a valid personal token on every call (401 with a Bearer challenge
otherwise), the scope each operation needs (403), never more than the owner's roles allow
now, and never the browser's session cookie."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from app.models.api import ApiToken
from app.models.types import utcnow
from app.operations.create_api_token import create_api_token
from app.operations.deactivate_user import deactivate_user
from app.operations.revoke_api_token import revoke_api_token
from app.rules.roles import Role
from app.rules.workflow import InvalidContent, Status
from app.security.api_tokens import Scope, allowed_scopes, parse_token
from app.web.openapi import openapi_document
from tests import factories
from tests.api.conftest import ApiClient, make_token
from tests.security.route_table import request_of
from tests.web.client import make_client, sign_in

PROBLEMS = "https://permit.service.gov.uk/problems/"


def operations(app):
    """Every (method, path, scope) the document lists, with its variables filled in by a
    request that exists, so that only the token decides the answer."""
    document = openapi_document(app)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            scope = operation["security"][0]["bearerAuth"][0]
            yield method.upper(), path, scope


def concrete(path: str, reference: str) -> str:
    path = path.replace("{reference}", reference).replace("{number}", "1").replace("{seq}", "1")
    # The administration's objects, by id.
    return re.sub(r"\{\w+_id\}", "1", path)


def assert_unauthorized(response, error: str | None = "invalid_token") -> None:
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.get_json()["type"] == PROBLEMS + "unauthorized"
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="permit"')
    if error:
        assert f'error="{error}"' in challenge


@pytest.mark.asvs("4.1.1", "13.1.4")
def test_every_operation_refuses_a_call_without_a_token(app, world, anonymous_api):
    """Deny by default, walked from the document: no operation answers without a token."""
    reference = request_of(world, Status.IN_REVIEW).reference
    found = list(operations(app))
    assert len(found) >= 14
    for method, path, _scope in found:
        response = anonymous_api.call(method, concrete(path, reference), json={})
        assert_unauthorized(response, error=None)


@pytest.mark.asvs("4.1.3", "13.1.4")
def test_every_operation_refuses_a_token_without_its_scope(app, world, api_client_for):
    reference = request_of(world, Status.IN_REVIEW).reference
    for method, path, scope in operations(app):
        others = [s for s in Scope if s != scope]
        # An auditor may hold requests:read and audit:read; an officer requests:write.
        holder = world.auditor if set(others) & {Scope.AUDIT_READ} else world.officer
        api = api_client_for(holder, scopes=[s for s in others if s in allowed_scopes(holder)])
        response = api.call(method, concrete(path, reference), json={})
        assert response.status_code == 403, f"{method} {path}"
        assert response.get_json()["type"] == PROBLEMS + "insufficient-scope"
        assert f'scope="{scope}"' in response.headers["WWW-Authenticate"]


def test_every_api_route_is_in_the_document(app):
    """So the walks above cover every route the API serves."""
    documented = {
        (method, re.sub(r"\{(\w+)\}", r"<\1>", path)) for method, path, _ in operations(app)
    }
    served = {
        (method, re.sub(r"<(?:[^:>]+:)?(\w+)>", r"<\1>", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served == documented


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Token permit_0123456789ab_" + "a" * 43,
        "Bearer permit_0123456789ab_" + "a" * 42,
        "Bearer permit_0123456789AB_" + "a" * 43,
        "Bearer permit_0123456789ab_" + "a" * 43 + "\x00",
        "Bearer " + "x" * 5000,
    ],
)
def test_a_malformed_authorization_header_is_a_401(world, app, header):
    api = ApiClient(app, None, None)
    response = api.get("/api/v1/requests", headers={"Authorization": header})
    assert_unauthorized(response)


def test_a_token_with_a_wrong_secret_or_unknown_prefix_is_a_401(world, app, api_client_for):
    real = api_client_for(world.officer)
    prefix = real.token.prefix
    wrong_secret = f"permit_{prefix}_" + "A" * 43
    unknown_prefix = "permit_ffffffffffff_" + parse_token(real.text)[1]
    for text in (wrong_secret, unknown_prefix):
        assert_unauthorized(ApiClient(app, None, text).get("/api/v1/requests"))
    assert real.get("/api/v1/requests").status_code == 200


@pytest.mark.asvs("3.5.1", "3.3.1")
def test_a_revoked_token_stops_working_at_once(world, api_client_for):
    api = api_client_for(world.officer)
    assert api.get("/api/v1/requests").status_code == 200
    revoke_api_token(api.token, world.officer)
    db.session.commit()
    response = api.get("/api/v1/requests")
    assert_unauthorized(response)
    assert response.get_json()["detail"] == "The token has been revoked"


@pytest.mark.asvs("3.3.1")
def test_an_expired_token_stops_working(world, api_client_for):
    api = api_client_for(world.officer)
    with time_machine.travel(utcnow() + timedelta(days=30, seconds=1)):
        response = api.get("/api/v1/requests")
    assert_unauthorized(response)
    assert response.get_json()["detail"] == "The token has expired"


@pytest.mark.asvs("4.1.3")
def test_a_deactivated_persons_tokens_stop_working_at_once(world, api_client_for):
    api = api_client_for(world.officer)
    deactivate_user(world.officer, world.admin)
    db.session.commit()
    assert_unauthorized(api.get("/api/v1/requests"))


@pytest.mark.asvs("4.1.3")
def test_a_role_taken_away_takes_the_tokens_scope_with_it(world, api_client_for):
    person = factories.make_user(Role.OFFICER, Role.AUDITOR, department=world.department)
    db.session.commit()
    api = api_client_for(person, scopes=[Scope.REQUESTS_READ, Scope.AUDIT_READ])
    assert api.get("/api/v1/audit/head").status_code == 200
    person.roles = {Role.OFFICER}
    db.session.commit()
    response = api.get("/api/v1/audit/head")
    assert response.status_code == 403
    assert response.get_json()["type"] == PROBLEMS + "insufficient-scope"
    # What the remaining role still allows keeps working.
    assert api.get("/api/v1/requests").status_code == 200


@pytest.mark.asvs("4.1.3")
@pytest.mark.parametrize(
    ("who", "scope"),
    [
        ("officer", Scope.DECISIONS_WRITE),
        ("officer", Scope.AUDIT_READ),
        ("security", Scope.REQUESTS_WRITE),
        ("auditor", Scope.REQUESTS_WRITE),
        ("auditor", Scope.DECISIONS_WRITE),
        ("admin", Scope.REQUESTS_READ),
    ],
)
def test_a_token_cannot_be_made_with_a_scope_beyond_its_owners_roles(world, who, scope):
    with pytest.raises(InvalidContent) as refused:
        create_api_token(getattr(world, who), name="Too much", scopes=[scope], expires_in_days=30)
    assert "scopes" in refused.value.errors
    db.session.rollback()
    assert db.session.scalar(select(ApiToken.id)) is None


def test_a_token_is_made_only_with_a_name_scopes_and_an_offered_expiry(world):
    with pytest.raises(InvalidContent) as refused:
        create_api_token(world.officer, name=" ", scopes=[], expires_in_days=7)
    assert set(refused.value.errors) == {"name", "scopes", "expires_in_days"}


@pytest.mark.asvs("13.2.3", "4.2.2")
def test_a_browser_session_alone_does_not_reach_the_api(world, app):
    browser = make_client(app)
    assert sign_in(browser, world.officer).status_code == 302
    assert browser.get("/requests/").status_code == 200  # signed in on the screens
    response = browser.get("/api/v1/requests")
    assert_unauthorized(response, error=None)
    response = browser.post("/api/v1/requests", json={"platform": "TikTok", "kind": "new_account"})
    assert_unauthorized(response, error=None)


def test_with_a_session_and_a_token_the_token_decides(world, app, api_client_for):
    browser = make_client(app)
    sign_in(browser, world.officer)
    auditor = api_client_for(world.auditor)
    response = browser.get(
        "/api/v1/audit/head", headers={"Authorization": f"Bearer {auditor.text}"}
    )
    assert response.status_code == 200  # the auditor's token, not the officer's session


@pytest.mark.asvs("8.3.1", "13.1.3")
def test_a_token_in_the_query_string_is_not_accepted(world, app, api_client_for):
    text = api_client_for(world.officer).text
    for query in (f"access_token={text}", f"token={text}"):
        assert_unauthorized(ApiClient(app, None, None).get(f"/api/v1/requests?{query}"), None)


def test_last_used_is_written_at_most_once_a_minute(world, app):
    token, text = make_token(world.officer)
    api = ApiClient(app, token, text)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        api.get("/api/v1/requests")
    db.session.refresh(token)
    assert token.last_used_at == start
    with time_machine.travel(start + timedelta(seconds=59), tick=False):
        api.get("/api/v1/requests")
    db.session.refresh(token)
    assert token.last_used_at == start
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        api.get("/api/v1/requests")
    db.session.refresh(token)
    assert token.last_used_at == start + timedelta(seconds=61)


@pytest.mark.asvs("7.1.1")
def test_the_token_is_never_written_to_the_logs_or_the_trail(world, app, api_client_for, caplog):
    caplog.set_level("INFO")
    api = api_client_for(world.officer)
    secret = parse_token(api.text)[1]
    api.post("/api/v1/requests", json={"platform": "TikTok", "kind": "new_account"})
    api.get("/api/v1/requests", headers={"Authorization": "Bearer " + api.text[:-1] + "x"})
    assert secret not in caplog.text
    stored = " ".join(
        f"{event.payload} {event.comment}" for event in db.session.scalars(select(AuditEvent))
    )
    assert secret not in stored and api.token.prefix in stored
