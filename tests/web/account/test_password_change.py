"""Changing one's own password in the browser: the form, each refusal, what ends and what
stays signed in, the audit trail, and what is never echoed or logged."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest

from app.audit.events import EventType
from app.extensions import db
from app.models import User
from app.operations.change_password import WRONG_CURRENT
from app.rules.roles import Role
from app.screens.account.password import CHANGED_MESSAGE
from app.security.password_policy import BREACHED, MISMATCH, TOO_LONG, TOO_SHORT
from app.security.passwords import verify_password
from tests import factories
from tests.audit_trail import events
from tests.passwords.conftest import RangeServer
from tests.web.client import make_client, page_title, post_form, sign_in

URL = "/account/password"
NEW = "violet harbour quietly"
COOKIE = "__Host-permit_session"


@pytest.fixture
def officer(world) -> User:
    return world.officer


@pytest.fixture
def browser(client_for, officer):
    return client_for(officer)


@pytest.fixture
def range_server() -> Iterator[RangeServer]:
    server = RangeServer()
    server.start()
    yield server
    server.stop()


def change(client, current=factories.PASSWORD, new=NEW, confirmation=None, **kwargs):
    return post_form(
        client,
        URL,
        {
            "current_password": current,
            "new_password": new,
            "confirm_password": new if confirmation is None else confirmation,
        },
        **kwargs,
    )


def signed_in(client) -> bool:
    return not client.get("/").headers.get("Location", "").startswith("/sign-in")


def error_summary(html: str) -> list[str]:
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert summary, "no error summary"
    return [
        " ".join(re.sub(r"<[^>]+>", "", item).split())
        for item in re.findall(r"<li>(.*?)</li>", summary.group(0), re.S)
    ]


def password_unchanged(user: User) -> bool:
    db.session.refresh(user)
    return verify_password(user.password_hash, factories.PASSWORD)


@pytest.mark.asvs("2.1.5", "2.1.6", "2.1.12")
def test_the_form_asks_for_the_current_password_and_the_new_one_twice(browser):
    response = browser.get(URL)
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert f"<title>{page_title('Change your password')}</title>" in html
    for name, autocomplete in [
        ("current_password", "current-password"),
        ("new_password", "new-password"),
        ("confirm_password", "new-password"),
    ]:
        field = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
        assert field, name
        assert 'type="password"' in field.group(0)
        assert f'autocomplete="{autocomplete}"' in field.group(0)
    # GOV.UK's password input: a "Show" button, so a person can check what they typed.
    assert html.count('data-module="govuk-password-input"') == 3
    assert "Use 12 to 128 characters" in html


@pytest.mark.asvs("2.1.5", "2.1.6", "3.3.3")
def test_a_change_keeps_this_browser_and_signs_out_every_other(app, browser, officer):
    phone = make_client(app)
    assert sign_in(phone, officer).status_code == 302
    phone_cookie = phone.get_cookie(COOKIE).value

    response = change(browser)

    assert response.status_code == 302 and response.headers["Location"] == "/account/"
    landed = browser.get("/account/").get_data(as_text=True)
    assert CHANGED_MESSAGE in landed
    assert signed_in(browser)
    assert not signed_in(phone)
    thief = make_client(app)
    thief.set_cookie(COOKIE, phone_cookie)
    assert not signed_in(thief)
    # The new password signs in; the old one no longer does.
    assert sign_in(make_client(app), officer, NEW).status_code == 302
    assert sign_in(make_client(app), officer).status_code == 200


@pytest.mark.asvs("2.1.5")
def test_a_change_is_in_the_audit_trail_without_either_password(browser, officer):
    change(browser)

    [event] = events(EventType.PASSWORD_CHANGED)
    assert event.actor_id == officer.id
    assert event.payload == {"user_id": officer.id, "sessions_ended": 0}
    assert event.correlation_id and event.client_address
    assert NEW not in repr(event.payload) and factories.PASSWORD not in repr(event.payload)


@pytest.mark.asvs("2.1.6")
def test_a_wrong_current_password_is_refused_and_counted(browser, officer):
    response = change(browser, current="not-my-password-at-all")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert f"<title>Error: {page_title('Change your password')}</title>" in html
    assert error_summary(html) == [WRONG_CURRENT]
    assert password_unchanged(officer)
    assert officer.failed_sign_ins == 1
    assert events(EventType.PASSWORD_CHANGED) == []
    [failed] = events(EventType.PASSWORD_CHANGE_FAILED)
    assert failed.actor_id == officer.id
    assert failed.payload == {"user_id": officer.id, "reason": "wrong_current_password"}


@pytest.mark.asvs("2.1.1", "2.1.2", "2.1.7")
@pytest.mark.parametrize(
    ("new", "confirmation", "message"),
    [
        ("eleven-char", None, TOO_SHORT),
        ("violet harbour quietly " * 6, None, TOO_LONG),
        ("Password1234", None, "Password is too easy to guess."),
        ("olive officer rocks", None, "Password must not include your name or email address"),
        (NEW, NEW + "!", MISMATCH),
        ("", NEW, "Enter a new password"),
        (NEW, "", "Confirm your new password"),
    ],
    ids=["short", "long", "weak", "own-name", "mismatch", "no-new", "no-confirmation"],
)
def test_a_refused_new_password_shows_an_error_summary_and_changes_nothing(
    browser, officer, new, confirmation, message
):
    response = change(browser, new=new, confirmation=confirmation)
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Error: " in html.split("</title>")[0]
    [shown] = error_summary(html)
    assert shown.startswith(message)
    assert password_unchanged(officer)
    assert events(EventType.PASSWORD_CHANGED) == []


def test_the_new_password_must_differ_from_the_current_one(browser, officer):
    html = change(browser, new=factories.PASSWORD).get_data(as_text=True)
    assert error_summary(html) == ["New password must be different from your current password"]


@pytest.mark.asvs("2.1.7")
def test_a_breached_password_is_refused_when_the_service_is_configured(
    app, browser, officer, range_server
):
    range_server.add(NEW)
    app.config["PWNED_PASSWORDS_URL"] = range_server.url
    try:
        html = change(browser).get_data(as_text=True)
    finally:
        app.config["PWNED_PASSWORDS_URL"] = None
    assert error_summary(html) == [BREACHED]
    assert password_unchanged(officer)
    assert len(range_server.paths) == 1


@pytest.mark.asvs("7.1.1")
def test_no_password_is_echoed_into_the_page_or_logged(app, browser, caplog):
    secrets = ["my-current-secret-typo", "Password1234", "eleven-char", NEW]
    with caplog.at_level(logging.DEBUG, logger="permit"):
        pages = [
            change(browser, current=secrets[0]),
            change(browser, new=secrets[1]),
            change(browser, new=secrets[2], confirmation=secrets[2]),
            change(browser, confirmation="another-" + NEW),
            change(browser, follow_redirects=True),
        ]
    for page in pages:
        html = page.get_data(as_text=True)
        for secret in [*secrets, factories.PASSWORD]:
            assert secret not in html
    logged = "\n".join(repr(record.__dict__) for record in caplog.records)
    assert caplog.records, "the requests were logged"
    for secret in [*secrets, factories.PASSWORD]:
        assert secret not in logged


def test_a_signed_out_person_is_sent_to_sign_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


@pytest.mark.asvs("2.2.1")
def test_changing_is_rate_limited_per_account(app, browser, officer):
    app.config["RATELIMIT_SIGN_IN_PER_ACCOUNT"] = "2 per minute"
    try:
        codes = [change(browser, current="wrong-guess-number-1").status_code for _ in range(3)]
    finally:
        app.config["RATELIMIT_SIGN_IN_PER_ACCOUNT"] = "10 per minute;100 per hour"
    assert codes == [200, 200, 429]
    # Another person's changes are counted apart.
    other = factories.make_user(Role.OFFICER, department=officer.department)
    db.session.commit()
    assert change(make_client_for(app, other), current="wrong-guess").status_code == 200


def make_client_for(app, user):
    client = make_client(app)
    assert sign_in(client, user).status_code == 302
    return client
