"""Sessions live on the server: cookie flags, rotation at sign-in, timeouts, and ending a
session for good (sign-out, deactivation), proved by replaying the old cookie."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.audit.events import EventType
from app.extensions import db
from app.models import UserSession
from app.models.types import utcnow
from app.operations.deactivate_user import deactivate_user
from tests.audit_trail import events
from tests.web.client import make_client, sign_in, sign_out

COOKIE = "__Host-permit_session"


def session_cookie(client) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None, "no session cookie"
    return cookie.value


def replay(app, cookie_value: str):
    """A different browser presenting a copied cookie; returns the response to GET /."""
    thief = make_client(app)
    thief.set_cookie(COOKIE, cookie_value)
    return thief.get("/")


def signed_in(response) -> bool:
    return not response.headers.get("Location", "").startswith("/sign-in")


def set_cookie_header(response) -> str:
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE)]
    return header


@pytest.mark.asvs("3.4.1", "3.4.2", "3.4.3", "3.4.4", "3.4.5")
def test_the_session_cookie_is_secure_host_only_httponly_and_lax(client, world):
    response = sign_in(client, world.officer)
    header = set_cookie_header(response)
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
    assert header.startswith("__Host-")  # the browser insists on Secure, Path=/, no Domain
    assert {"secure", "httponly", "path"} <= attributes
    assert "samesite=lax" in header.lower()
    assert (
        "domain" not in attributes and "expires" not in attributes
    )  # host-only, ends with browser
    assert not [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember")]


@pytest.mark.asvs("3.2.1")
def test_signing_in_starts_a_new_session_whatever_the_browser_held(app, client, world):
    client.get("/sign-in")
    before = client.get_cookie(COOKIE)
    sign_in(client, world.officer)
    first = session_cookie(client)
    assert before is None or before.value != first

    other = make_client(app)
    sign_in(other, world.officer)
    assert session_cookie(other) != first
    tokens = db.session.scalar(select(func.count()).select_from(UserSession))
    assert tokens == 2  # one server-side session per sign-in, each its own token


@pytest.mark.asvs("3.3.1")
def test_a_cookie_replayed_after_sign_out_signs_in_no_one(app, client, world):
    sign_in(client, world.officer)
    stolen = session_cookie(client)
    assert signed_in(replay(app, stolen))

    sign_out(client)

    assert not signed_in(replay(app, stolen))
    [row] = db.session.scalars(select(UserSession)).all()
    assert row.end_reason == "signed_out" and row.ended_at is not None


@pytest.mark.asvs("3.3.1")
def test_signing_out_ends_only_that_session(app, world):
    laptop, phone = make_client(app), make_client(app)
    sign_in(laptop, world.officer)
    sign_in(phone, world.officer)
    sign_out(laptop)
    assert signed_in(phone.get("/"))
    assert not signed_in(laptop.get("/"))


@pytest.mark.asvs("3.3.1")
def test_deactivating_a_person_ends_every_session_they_have_at_once(app, world):
    laptop, phone = make_client(app), make_client(app)
    sign_in(laptop, world.officer)
    sign_in(phone, world.officer)
    cookie = session_cookie(laptop)

    deactivate_user(world.officer, world.admin)
    db.session.commit()

    assert not signed_in(laptop.get("/"))
    assert not signed_in(phone.get("/"))
    assert not signed_in(replay(app, cookie))
    reasons = set(db.session.scalars(select(UserSession.end_reason)))
    assert reasons == {"deactivated"}
    [event] = events(EventType.USER_DEACTIVATED)
    assert event.payload["sessions_ended"] == 2


def test_a_forged_cookie_without_a_server_session_is_refused(app, client, world):
    sign_in(client, world.officer)
    with client.session_transaction() as session:
        session["session_token"] = "made-up-token"
    assert not signed_in(client.get("/"))


@pytest.mark.asvs("3.3.2")
def test_a_session_ends_after_thirty_idle_minutes(app, client, world):
    with time_machine.travel(utcnow(), tick=False) as clock:
        sign_in(client, world.officer)
        clock.shift(timedelta(minutes=29))
        assert signed_in(client.get("/requests/"))  # use within the window keeps it alive
        clock.shift(timedelta(minutes=29))
        assert signed_in(client.get("/requests/"))
        clock.shift(timedelta(minutes=30))
        response = client.get("/requests/")

    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    [event] = events(EventType.SESSION_EXPIRED)
    assert event.payload == {"reason": "idle_timeout"}
    assert event.actor_id == world.officer.id


@pytest.mark.asvs("3.3.2")
def test_a_session_ends_twelve_hours_after_sign_in_however_busy(app, client, world):
    with time_machine.travel(utcnow(), tick=False) as clock:
        sign_in(client, world.officer)
        for _ in range(12 * 60 // 20 - 1):
            clock.shift(timedelta(minutes=20))
            assert signed_in(client.get("/requests/"))
        clock.shift(timedelta(minutes=20))  # 12 hours since sign-in
        response = client.get("/requests/")

    assert not signed_in(response)
    [event] = events(EventType.SESSION_EXPIRED)
    assert event.payload == {"reason": "absolute_timeout"}


def test_the_timeouts_are_configurable(app, client, world):
    app.config["SESSION_IDLE_MINUTES"] = 5
    try:
        with time_machine.travel(utcnow(), tick=False) as clock:
            sign_in(client, world.officer)
            clock.shift(timedelta(minutes=6))
            assert not signed_in(client.get("/requests/"))
    finally:
        app.config["SESSION_IDLE_MINUTES"] = 30


@pytest.mark.asvs("3.3.3")
def test_a_half_finished_sign_in_dies_when_the_password_changes(app, world):
    from app.operations.set_password import set_password
    from tests.web.client import post_form

    halfway = make_client(app)
    response = post_form(
        halfway, "/sign-in", {"email": world.security.email, "password": "a-long-test-password"}
    )
    assert response.headers["Location"] == "/sign-in/two-factor"
    assert halfway.get("/sign-in/two-factor").status_code == 200

    with time_machine.travel(utcnow() + timedelta(seconds=2), tick=False):
        new = "a completely new passphrase here"
        set_password(world.security, new_password=new, confirmation=new)
        db.session.commit()
        response = halfway.get("/sign-in/two-factor")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
