"""Signing in and out: the journeys, the one message for every failure, and the audit trail."""

from __future__ import annotations

import json
import re

import pytest

from app.audit.chain import hashed_fields
from app.audit.events import EventType
from app.audit.verify import verify_database
from app.extensions import db
from app.rules.roles import Role
from app.screens.auth.forms import SIGN_IN_FAILED_MESSAGE
from tests import factories
from tests.audit_trail import events
from tests.web.client import csrf_token, make_client, page_title, sign_in, sign_out

START_PAGES = {
    "officer": "/requests/",
    "security": "/review/",
    "auditor": "/audit-log/",
    "admin": "/admin/",
}


def is_signed_in(client) -> bool:
    return client.get("/").headers.get("Location", "").startswith("/sign-in") is False


def test_the_sign_in_page_asks_for_email_and_password(client, world):
    response = client.get("/sign-in")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<title>{page_title('Sign in')}</title>" in html
    assert 'name="email"' in html and 'type="email"' in html and 'autocomplete="email"' in html
    assert 'name="password"' in html and 'type="password"' in html
    assert 'name="csrf_token"' in html


@pytest.mark.parametrize("who", sorted(START_PAGES))
def test_signing_in_lands_on_the_roles_start_page(client, world, who):
    response = sign_in(client, getattr(world, who))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    landed = client.get("/", follow_redirects=True)
    assert landed.status_code == 200
    assert landed.request.path == START_PAGES[who]


def test_the_email_address_is_not_case_sensitive(client, world):
    response = sign_in(client, world.officer.email.upper())
    assert response.status_code == 302


@pytest.fixture
def deactivated(world):
    user = factories.make_user(Role.OFFICER, department=world.department, active=False)
    db.session.commit()
    return user


@pytest.mark.parametrize("case", ["wrong password", "unknown email", "deactivated user"])
def test_every_failed_sign_in_gets_the_same_message(client, world, deactivated, case):
    email, password = {
        "wrong password": (world.officer.email, "not-the-password"),
        "unknown email": ("nobody@example.gov.uk", factories.PASSWORD),
        "deactivated user": (deactivated.email, factories.PASSWORD),
    }[case]
    response = sign_in(client, email, password)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<title>Error: {page_title('Sign in')}</title>" in html
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert summary, "no GOV.UK error summary"
    assert f'<a href="#email">{SIGN_IN_FAILED_MESSAGE}</a>' in summary.group(0)
    assert html.count(SIGN_IN_FAILED_MESSAGE) == 2  # the summary and the field's message
    assert f'value="{email}"' in html  # what they typed is kept...
    assert password not in html  # ...but never the password
    assert not is_signed_in(client)


def test_a_missing_email_or_password_is_asked_for_and_not_audited(client, world):
    response = sign_in(client, "", "")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<a href="#email">Enter your email address</a>' in html
    assert '<a href="#password">Enter your password</a>' in html
    assert events(EventType.SIGN_IN_FAILED) == []


def test_a_successful_sign_in_is_audited_with_the_client(client, world):
    sign_in(client, world.auditor)
    [event] = events(EventType.SIGN_IN_SUCCEEDED)
    assert event.actor_id == world.auditor.id
    assert event.actor_email == world.auditor.email
    assert event.actor_roles == ["auditor"]
    assert event.client_address == "127.0.0.1"
    assert re.fullmatch(r"[0-9a-f]{32}", event.correlation_id or "")
    assert verify_database(db.session).ok


def test_a_failed_sign_in_is_audited_with_the_address_but_never_the_password(client, world):
    sign_in(client, "Someone@Example.gov.uk", "hunter2-secret-guess")
    sign_in(client, world.officer.email, "another-wrong-guess")
    unknown, wrong = events(EventType.SIGN_IN_FAILED)
    assert unknown.actor_id is None
    assert unknown.payload == {
        "email": "someone@example.gov.uk",
        "reason": "unknown_email",
        "user_id": None,
    }
    assert wrong.payload["reason"] == "wrong_password"
    assert wrong.payload["user_id"] == world.officer.id
    for event in (unknown, wrong):
        recorded = json.dumps(hashed_fields(event))
        assert "hunter2" not in recorded and "another-wrong-guess" not in recorded
    assert unknown.correlation_id != wrong.correlation_id


def test_a_deactivated_user_failure_says_why_in_the_audit_trail_only(client, deactivated):
    sign_in(client, deactivated)
    [event] = events(EventType.SIGN_IN_FAILED)
    assert event.payload["reason"] == "deactivated"


def test_signing_out_ends_the_session_and_is_audited(client, world):
    sign_in(client, world.officer)
    response = sign_out(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"
    page = client.get("/sign-in").get_data(as_text=True)
    assert "You have signed out" in page
    assert "govuk-notification-banner--success" in page
    assert client.get("/requests/").status_code == 302
    [event] = events(EventType.SIGNED_OUT)
    assert event.actor_id == world.officer.id


def test_signing_out_needs_a_post(client, world):
    sign_in(client, world.officer)
    response = client.get("/sign-out")
    assert response.status_code == 405
    assert "Request a restricted platform account" in response.get_data(as_text=True)
    assert client.get("/requests/").status_code == 200
    assert events(EventType.SIGNED_OUT) == []


def test_signing_out_needs_the_csrf_token(client, world):
    sign_in(client, world.officer)
    response = client.post("/sign-out")
    assert response.status_code == 400
    assert "Your form could not be sent" in response.get_data(as_text=True)
    assert client.get("/requests/").status_code == 200


def test_signing_in_needs_the_csrf_token(client, world):
    client.get("/sign-in")
    response = client.post(
        "/sign-in", data={"email": world.officer.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 400
    assert events(EventType.SIGN_IN_SUCCEEDED) == []


def test_a_signed_in_person_visiting_sign_in_goes_to_their_start_page(client, world):
    sign_in(client, world.officer)
    response = client.get("/sign-in")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_person_deactivated_while_signed_in_is_signed_out(client, world):
    sign_in(client, world.officer)
    world.officer.active = False
    db.session.commit()
    response = client.get("/requests/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_the_session_starts_afresh_on_sign_in(client, world):
    before = csrf_token(client.get("/sign-in"))
    sign_in(client, world.officer)
    after = csrf_token(client.get("/requests/"))
    assert before != after


def test_two_people_in_one_test_keep_their_own_sessions(client_for, world):
    officer, auditor = client_for(world.officer), client_for(world.auditor)
    assert officer.get("/requests/").status_code == 200
    assert auditor.get("/requests/").status_code == 403
    assert auditor.get("/audit-log/").status_code == 200
    assert officer.get("/audit-log/").status_code == 403


def test_make_client_starts_signed_out(app, world):
    assert make_client(app).get("/requests/").status_code == 302
