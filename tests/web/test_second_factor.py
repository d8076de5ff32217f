"""The second step of signing in: approvers, auditors and admins (and officers who chose
to) enter a code from their authenticator app, or a recovery code, before any session
starts; a code is good once; wrong codes count towards lockout."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from app.audit.events import EventType
from app.extensions import db
from app.models import UserSession
from app.models.types import utcnow
from app.operations.two_factor import confirm_enrolment, start_enrolment
from app.rules.roles import Role
from app.web.second_factor_forms import WRONG_CODE_MESSAGE, WRONG_RECOVERY_CODE_MESSAGE
from config import TestConfig as PermitConfig
from tests import factories
from tests.audit_trail import events
from tests.web.client import current_code, page_title, post_form, sign_out

TWO_FACTOR = "/sign-in/two-factor"
RECOVERY_CODE = "/sign-in/recovery-code"


def give_password(client, user, path: str = "/sign-in"):
    """The first step only: the right password."""
    return post_form(client, path, {"email": user.email, "password": factories.PASSWORD})


def enter(client, code: str, path: str = TWO_FACTOR):
    return post_form(client, path, {"code": code})


def signed_in(client) -> bool:
    return not client.get("/").headers.get("Location", "").startswith("/sign-in")


def wrong_code(user) -> str:
    return "000000" if current_code(user) != "000000" else "111111"


def error_summary(html: str) -> str:
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert match, "no GOV.UK error summary"
    return match.group(0)


@pytest.mark.asvs("2.8.1", "4.3.1")
@pytest.mark.parametrize("who", ["security", "auditor", "admin"])
def test_a_right_password_is_not_enough_for_approvers_auditors_and_admins(client, world, who):
    user = getattr(world, who)
    response = give_password(client, user)
    assert response.status_code == 302
    assert response.headers["Location"] == TWO_FACTOR
    assert not signed_in(client)
    assert db.session.scalars(select(UserSession)).all() == []
    assert events(EventType.SIGN_IN_SUCCEEDED) == []

    page = client.get(TWO_FACTOR)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"<title>{page_title('Enter the code from your authenticator app')}</title>" in html
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    assert 'href="/sign-in/recovery-code"' in html

    response = enter(client, current_code(user))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert signed_in(client)
    [event] = events(EventType.SIGN_IN_SUCCEEDED)
    assert event.actor_id == user.id
    assert event.payload == {"second_factor": "totp"}


def test_an_officer_without_a_second_factor_signs_in_with_a_password(client, world):
    response = give_password(client, world.officer)
    assert response.headers["Location"] == "/"
    [event] = events(EventType.SIGN_IN_SUCCEEDED)
    assert event.payload == {"second_factor": None}


def test_an_officer_who_set_one_up_is_asked_for_a_code(client, world):
    start_enrolment(world.officer)
    confirm_enrolment(world.officer, current_code(world.officer))
    world.officer.totp_last_counter = None
    db.session.commit()
    assert give_password(client, world.officer).headers["Location"] == TWO_FACTOR
    assert enter(client, current_code(world.officer)).headers["Location"] == "/"
    assert signed_in(client)


def test_the_page_asked_for_survives_the_second_step(client, world):
    give_password(client, world.auditor, "/sign-in?next=/audit-log/")
    assert enter(client, current_code(world.auditor)).headers["Location"] == "/audit-log/"


def test_the_session_starts_only_after_the_code_and_is_new(client, world):
    give_password(client, world.security)
    half_way = client.get_cookie("__Host-permit_session").value
    enter(client, current_code(world.security))
    assert client.get_cookie("__Host-permit_session").value != half_way
    [row] = db.session.scalars(select(UserSession)).all()
    assert row.user_id == world.security.id


@pytest.mark.parametrize("path", [TWO_FACTOR, RECOVERY_CODE, "/sign-in/set-up-two-factor"])
def test_the_second_step_needs_a_right_password_first(client, world, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"
    client.get("/sign-in")
    response = client.post(path, data={"code": "123456"})
    assert response.status_code in (302, 400)  # no password given, or no CSRF token
    assert not signed_in(client)


def test_the_continue_button_of_set_up_needs_a_right_password_first(client, world):
    token_page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', token_page).group(1)
    response = client.post("/sign-in/set-up-two-factor/continue", data={"csrf_token": token})
    assert response.headers["Location"] == "/sign-in"
    assert not signed_in(client)


def test_someone_signed_in_is_sent_home_from_the_second_step(client_for, world):
    client = client_for(world.security)
    assert client.get(TWO_FACTOR).headers["Location"] == "/"


def test_a_half_finished_sign_in_runs_out_after_five_minutes(client, world):
    with time_machine.travel(utcnow(), tick=False) as clock:
        give_password(client, world.security)
        clock.shift(timedelta(minutes=5, seconds=1))
        response = client.get(TWO_FACTOR)
        assert response.headers["Location"] == "/sign-in"
        page = client.get("/sign-in").get_data(as_text=True)
    assert "You took too long to finish signing in. Sign in again." in page
    assert not signed_in(client)


@pytest.mark.asvs("2.8.1")
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the code from your authenticator app"),
        ("12345", "Enter the code as 6 numbers, like 123456"),
        ("abcdef", "Enter the code as 6 numbers, like 123456"),
    ],
)
def test_a_missing_or_malformed_code_is_asked_for_again(client, world, typed, message):
    give_password(client, world.security)
    response = enter(client, typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<a href="#code">{message}</a>' in error_summary(html)
    assert events(EventType.TWO_FACTOR_FAILED) == []  # nothing was tried against the secret


def test_a_wrong_code_is_refused_with_one_message_and_audited(client, world):
    give_password(client, world.security)
    response = enter(client, wrong_code(world.security))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<title>Error: {page_title('Enter the code from your authenticator app')}" in html
    assert f'<a href="#code">{WRONG_CODE_MESSAGE}</a>' in error_summary(html)
    assert not signed_in(client)
    [event] = events(EventType.TWO_FACTOR_FAILED)
    assert event.payload["reason"] == "wrong_code"
    assert event.client_address == "127.0.0.1"


@pytest.mark.asvs("2.8.4")
def test_a_code_that_signed_someone_in_cannot_sign_in_again(app, client, world):
    with time_machine.travel(utcnow(), tick=False):
        code = pyotp.TOTP(world.security.totp_secret).now()
        give_password(client, world.security)
        assert enter(client, code).headers["Location"] == "/"
        sign_out(client)

        # The same code, seen over a shoulder or replayed, a moment later.
        give_password(client, world.security)
        response = enter(client, code)
    assert response.status_code == 200
    assert WRONG_CODE_MESSAGE in response.get_data(as_text=True)
    assert not signed_in(client)
    assert len(events(EventType.SIGN_IN_SUCCEEDED)) == 1


@pytest.mark.asvs("2.2.1")
def test_wrong_codes_lock_the_account_and_the_lock_says_nothing(client, world):
    user = world.security
    with time_machine.travel(utcnow(), tick=False):
        give_password(client, user)
        for _ in range(5):
            enter(client, wrong_code(user))
        response = enter(client, current_code(user))
    html = response.get_data(as_text=True)
    assert f'<a href="#code">{WRONG_CODE_MESSAGE}</a>' in error_summary(html)
    assert "locked" not in html.lower()
    assert not signed_in(client)
    db.session.refresh(user)
    assert user.locked_until is not None
    assert len(events(EventType.ACCOUNT_LOCKED)) == 1
    assert [e.payload["reason"] for e in events(EventType.TWO_FACTOR_FAILED)] == [
        *["wrong_code"] * 5,
        "locked",
    ]


@pytest.mark.asvs("2.2.1")
def test_the_code_page_is_rate_limited_per_account(app, client, world):
    app.config["RATELIMIT_SIGN_IN_PER_ACCOUNT"] = "3 per minute"
    try:
        give_password(client, world.security)
        codes = [enter(client, "12345").status_code for _ in range(4)]
    finally:
        app.config["RATELIMIT_SIGN_IN_PER_ACCOUNT"] = PermitConfig.RATELIMIT_SIGN_IN_PER_ACCOUNT
    assert codes == [200, 200, 200, 429]


@pytest.fixture
def recovery_codes(world):
    """An approver with a second factor, and the recovery codes they were shown."""
    user = factories.make_user(Role.APPROVER, stages=("security",), second_factor=False)
    start_enrolment(user)
    codes = confirm_enrolment(user, current_code(user))
    user.totp_last_counter = None
    db.session.commit()
    return user, codes


@pytest.mark.asvs("2.6.1")
def test_a_recovery_code_signs_in_once(client, world, recovery_codes):
    user, codes = recovery_codes
    give_password(client, user)
    page = client.get(RECOVERY_CODE)
    assert f"<title>{page_title('Enter a recovery code')}</title>" in page.get_data(as_text=True)
    response = enter(client, codes[0], RECOVERY_CODE)
    assert response.headers["Location"] == "/"
    landed = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "You signed in with a recovery code. You have 9 left." in landed
    [event] = events(EventType.SIGN_IN_SUCCEEDED)
    assert event.payload == {"second_factor": "recovery_code"}
    [used] = events(EventType.RECOVERY_CODE_USED)
    assert used.payload["remaining"] == 9
    sign_out(client)

    give_password(client, user)
    response = enter(client, codes[0], RECOVERY_CODE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<a href="#code">{WRONG_RECOVERY_CODE_MESSAGE}</a>' in error_summary(html)
    assert not signed_in(client)
    [refused] = events(EventType.TWO_FACTOR_FAILED)
    assert refused.payload["method"] == "recovery_code"
