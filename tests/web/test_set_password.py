"""Setting a password through a one-time link in the browser: public, works once, dies
after its hours, ends every session, and keeps its token out of logs and off other sites."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine

from app.audit.events import EventType
from app.extensions import db
from app.models import User
from app.models.types import utcnow
from app.rules.roles import Role
from app.screens.auth.set_password import SET_MESSAGE
from app.security.password_links import make_link_token
from app.security.password_policy import MISMATCH, TOO_SHORT
from tests import factories
from tests.audit_trail import events
from tests.web.client import csrf_token, make_client, page_title, sign_in

NEW = "violet harbour quietly"
EXPIRED = "This link has expired or has already been used"


@pytest.fixture
def newcomer(world) -> User:
    """An officer created with --invite: no password yet."""
    user = factories.make_user(Role.OFFICER, department=world.department, name="Nia Newcomer")
    user.password_hash = None
    db.session.commit()
    return user


def url_for_link(user: User) -> str:
    return f"/set-password/{make_link_token(user)}"


def choose(client, url: str, new: str = NEW, confirmation: str | None = None, **kwargs):
    """POST the form at `url` (the CSRF token from the sign-in page if the link is dead)."""
    page = client.get(url)
    token = csrf_token(page if page.status_code == 200 else client.get("/sign-in"))
    data = {
        "new_password": new,
        "confirm_password": new if confirmation is None else confirmation,
        "csrf_token": token,
    }
    return client.post(url, data=data, **kwargs)


def test_the_link_opens_the_form_without_signing_in(client, newcomer):
    response = client.get(url_for_link(newcomer))
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert f"<title>{page_title('Set your password')}</title>" in html
    assert newcomer.email in html
    assert re.search(r'<input[^>]*name="new_password"[^>]*autocomplete="new-password"', html)
    assert re.search(r'<input[^>]*name="confirm_password"[^>]*autocomplete="new-password"', html)


@pytest.mark.asvs("2.3.1")
def test_setting_a_password_lets_them_sign_in_with_it(app, client, newcomer):
    response = choose(client, url_for_link(newcomer))

    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert SET_MESSAGE in client.get("/sign-in").get_data(as_text=True)
    assert sign_in(make_client(app), newcomer, NEW).status_code == 302
    [event] = events(EventType.PASSWORD_SET)
    assert event.actor_id == newcomer.id
    assert event.payload == {"user_id": newcomer.id, "first_password": True, "sessions_ended": 0}


@pytest.mark.asvs("2.3.1")
def test_a_used_link_gets_the_expired_page(client, newcomer):
    url = url_for_link(newcomer)
    choose(client, url)

    for response in (client.get(url), choose(client, url, new="another fine password")):
        html = response.get_data(as_text=True)
        assert response.status_code == 410
        assert f"<title>{page_title(EXPIRED)}</title>" in html
        assert "Ask an administrator for a new link" in html
    assert len(events(EventType.PASSWORD_SET)) == 1


@pytest.mark.asvs("2.3.1")
def test_a_link_older_than_72_hours_gets_the_expired_page(client, newcomer):
    with time_machine.travel(utcnow(), tick=False) as clock:
        url = url_for_link(newcomer)
        clock.shift(timedelta(hours=72, seconds=1))
        response = client.get(url)
    assert response.status_code == 410
    assert EXPIRED in response.get_data(as_text=True)


@pytest.mark.parametrize("token", ["nonsense", "eyJ1c2VyIjoxfQ.AAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBB"])
def test_a_made_up_link_gets_the_expired_page(client, world, token):
    response = client.get(f"/set-password/{token}")
    assert response.status_code == 410
    assert EXPIRED in response.get_data(as_text=True)


def test_a_deactivated_persons_link_gets_the_expired_page(client, newcomer):
    url = url_for_link(newcomer)
    newcomer.active = False
    db.session.commit()
    assert client.get(url).status_code == 410


@pytest.mark.asvs("2.1.1")
@pytest.mark.parametrize(
    ("new", "confirmation", "message"),
    [("eleven-char", None, TOO_SHORT), (NEW, NEW.upper(), MISMATCH)],
    ids=["short", "mismatch"],
)
def test_a_refused_password_shows_an_error_and_the_link_still_works(
    client, newcomer, new, confirmation, message
):
    url = url_for_link(newcomer)
    response = choose(client, url, new=new, confirmation=confirmation)
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert f"<title>Error: {page_title('Set your password')}</title>" in html
    assert 'class="govuk-error-summary' in html and message in html
    assert new not in html  # never echoed back
    db.session.refresh(newcomer)
    assert newcomer.password_hash is None
    assert client.get(url).status_code == 200


@pytest.mark.asvs("3.3.3")
def test_a_reset_signs_the_person_out_everywhere_and_unlocks_them(app, client, world):
    officer = world.officer
    laptop = make_client(app)
    assert sign_in(laptop, officer).status_code == 302
    officer.locked_until = utcnow() + timedelta(hours=1)
    officer.lockouts = 3
    db.session.commit()

    choose(client, url_for_link(officer))

    assert laptop.get("/").headers["Location"].startswith("/sign-in")
    assert sign_in(make_client(app), officer, NEW).status_code == 302
    assert [e.payload["reason"] for e in events(EventType.ACCOUNT_UNLOCKED)] == ["password_set"]


def test_the_page_sends_same_origin_referrers_and_links_nowhere_else(client, newcomer):
    url = url_for_link(newcomer)
    pages = [client.get(url), client.get("/set-password/nonsense")]
    for response in pages:
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["Cache-Control"] == "no-store"
        html = response.get_data(as_text=True)
        addresses = re.findall(r'(?:href|src|action)="([^"]*)"', html)
        assert addresses
        for address in addresses:
            # On this site: a path or a fragment, never a scheme or another host.
            parts = urlsplit(address)
            assert not parts.scheme and not parts.netloc, address
            assert address.startswith(("/", "#")) and not address.startswith("//"), address


@pytest.mark.asvs("7.1.1")
def test_the_token_is_never_logged(client, newcomer, caplog):
    token = make_link_token(newcomer)
    with caplog.at_level(logging.DEBUG, logger="permit"):
        client.get(f"/set-password/{token}")
        choose(client, f"/set-password/{token}", new="eleven-char")
        choose(client, f"/set-password/{token}")
        client.get(f"/set-password/{token}")
    assert caplog.records
    logged = "\n".join(repr(record.__dict__) for record in caplog.records)
    assert token not in logged
    assert token.split(".")[-1] not in logged  # not even the signature
    assert NEW not in logged
    assert "/set-password/<token>" in logged  # the route's pattern, not the path


@pytest.mark.asvs("2.2.1")
def test_setting_is_rate_limited_per_account_across_links(app, client, newcomer):
    app.config["RATELIMIT_SIGN_IN_PER_ACCOUNT"] = "2 per minute"
    try:
        codes = [
            choose(make_client(app), url_for_link(newcomer), new="short").status_code
            for _ in range(3)
        ]
    finally:
        app.config["RATELIMIT_SIGN_IN_PER_ACCOUNT"] = "10 per minute;100 per hour"
    assert codes == [200, 200, 429]
