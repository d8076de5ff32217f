"""Setting up a second factor: at first sign-in for approvers, auditors and admins, and
from their account for officers who choose to. The QR code is drawn by the service as
inline SVG, the secret is also shown as text, and the ten recovery codes are shown once."""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import select

from app.audit.events import EventType
from app.extensions import db
from app.models import RecoveryCode, UserSession
from app.rules.roles import Role
from app.security.two_factor import grouped
from app.web.second_factor_forms import WRONG_CODE_MESSAGE
from tests import factories
from tests.audit_trail import events
from tests.web.client import csrf_token, current_code, page_title, post_form

SET_UP = "/sign-in/set-up-two-factor"
CODES = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")


def signed_in(client) -> bool:
    return not client.get("/").headers.get("Location", "").startswith("/sign-in")


def main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def secret_on_page(html: str) -> str:
    match = re.search(r'id="two-factor-key"><code>([A-Z2-7 ]+)</code>', html)
    assert match, "the secret is not shown as text"
    return match.group(1).replace(" ", "")


@pytest.fixture
def newcomer(world):
    """An approver who has never signed in: no second factor yet."""
    user = factories.make_user(Role.APPROVER, stages=("security",), second_factor=False)
    db.session.commit()
    return user


def begin(client, user):
    return post_form(client, "/sign-in", {"email": user.email, "password": factories.PASSWORD})


@pytest.mark.asvs("2.8.1")
def test_set_up_page_shows_the_qr_code_as_inline_svg_and_the_secret_as_text(client, newcomer):
    assert begin(client, newcomer).headers["Location"] == "/sign-in/two-factor"
    assert client.get("/sign-in/two-factor").headers["Location"] == SET_UP

    response = client.get(SET_UP)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<title>{page_title('Set up an authenticator app')}</title>" in html
    db.session.refresh(newcomer)
    secret = newcomer.totp_secret
    assert secret and not newcomer.has_second_factor
    # The secret, grouped in fours for typing, and as the QR code: an <svg> in the page.
    assert f"<code>{grouped(secret)}</code>" in html
    assert secret_on_page(html) == secret
    svg = re.search(r"<svg\b[^>]*>.*?</svg>", html, re.S)
    assert svg, "no inline SVG QR code"
    assert 'role="img"' in svg.group(0) and 'aria-label="QR code' in svg.group(0)
    assert "<path" in svg.group(0)
    # Nothing the Content-Security-Policy would block, and nothing fetched from elsewhere.
    assert "style=" not in main(html)
    assert "<img" not in main(html) and "http" not in svg.group(0).replace("http://www.w3.org", "")
    assert newcomer.email in html
    # The same secret on every visit until it is confirmed (the app may have it already).
    assert secret_on_page(client.get(SET_UP).get_data(as_text=True)) == secret


def test_the_qr_code_holds_the_otpauth_uri(client, newcomer):
    # Its content is the provisioning URI, made here: the secret never leaves the service.
    begin(client, newcomer)
    client.get(SET_UP)
    db.session.refresh(newcomer)
    uri = pyotp.TOTP(newcomer.totp_secret).provisioning_uri(
        name=newcomer.email, issuer_name="Permit"
    )
    assert "issuer=Permit" in uri and newcomer.totp_secret in uri


@pytest.mark.asvs("2.6.1", "2.6.2")
def test_a_first_code_shows_ten_recovery_codes_once_then_continue_signs_in(client, newcomer):
    begin(client, newcomer)
    html = client.get(SET_UP).get_data(as_text=True)
    code = pyotp.TOTP(secret_on_page(html)).now()  # what the person's new app shows

    response = post_form(client, SET_UP, {"code": code})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<title>{page_title('Save your recovery codes')}</title>" in html
    assert "You will not see these codes again" in html
    codes = CODES.findall(html)
    assert len(codes) == len(set(codes)) == 10
    assert response.headers["Cache-Control"] == "no-store"
    # Stored only as hashes; not signed in until they leave this page.
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not any(code.replace("-", "") in h or code in h for code in codes for h in stored)
    assert not signed_in(client)
    [enrolled] = events(EventType.TWO_FACTOR_ENROLLED)
    assert enrolled.actor_id == newcomer.id

    # Shown once: the set-up page now sends them to the code page instead.
    assert client.get(SET_UP).headers["Location"] == "/sign-in/two-factor"

    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    # The browser's "resubmit the form?": nothing is shown again.
    response = client.post(SET_UP, data={"code": code, "csrf_token": token})
    assert response.status_code == 302
    assert not CODES.findall(response.get_data(as_text=True))

    response = client.post("/sign-in/set-up-two-factor/continue", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert signed_in(client)
    [event] = events(EventType.SIGN_IN_SUCCEEDED)
    assert event.payload == {"second_factor": "totp"}
    assert len(db.session.scalars(select(UserSession)).all()) == 1


def test_a_wrong_first_code_is_refused_and_the_secret_kept(client, newcomer):
    begin(client, newcomer)
    html = client.get(SET_UP).get_data(as_text=True)
    secret = secret_on_page(html)
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    response = post_form(client, SET_UP, {"code": wrong})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<a href="#code">{WRONG_CODE_MESSAGE}</a>' in html
    assert secret_on_page(html) == secret
    assert not signed_in(client)
    db.session.refresh(newcomer)
    assert not newcomer.has_second_factor


def test_an_officer_is_not_made_to_set_one_up(client, world):
    response = post_form(
        client, "/sign-in", {"email": world.officer.email, "password": factories.PASSWORD}
    )
    assert response.headers["Location"] == "/"
    client.get("/sign-in")
    assert client.get(SET_UP).headers["Location"] == "/"  # signed in already: sent home


# From the account pages ---------------------------------------------------------------


def test_the_account_page_says_whether_two_factor_is_on(client_for, world):
    officer = client_for(world.officer).get("/account/").get_data(as_text=True)
    assert "Two-factor authentication" in officer and "Set up two-factor authentication" in officer
    approver = client_for(world.security).get("/account/").get_data(as_text=True)
    assert "Manage two-factor authentication" in approver


def test_an_officer_sets_it_up_from_their_account(client_for, world):
    client = client_for(world.officer)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Off" in page and 'href="/account/two-factor/set-up"' in page

    html = client.get("/account/two-factor/set-up").get_data(as_text=True)
    assert re.search(r"<svg\b[^>]*role=\"img\"", html)
    assert "style=" not in main(html)
    response = post_form(
        client, "/account/two-factor/set-up", {"code": pyotp.TOTP(secret_on_page(html)).now()}
    )
    codes = CODES.findall(response.get_data(as_text=True))
    assert len(codes) == 10

    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "On" in page and "10 of 10" in page
    assert not CODES.findall(page)
    assert client.get("/account/two-factor/set-up").headers["Location"] == "/account/two-factor"

    # From now on, signing in asks for a code.
    db.session.refresh(world.officer)
    fresh = client_for(world.officer)  # sign_in enters the code when asked
    assert fresh.get("/requests/").status_code == 200
    assert len(events(EventType.SIGN_IN_SUCCEEDED)) == 2
    assert events(EventType.SIGN_IN_SUCCEEDED)[-1].payload == {"second_factor": "totp"}


def test_an_officer_turns_it_off_with_a_current_code(client_for, world):
    client = client_for(world.officer)
    html = client.get("/account/two-factor/set-up").get_data(as_text=True)
    secret = secret_on_page(html)
    post_form(client, "/account/two-factor/set-up", {"code": pyotp.TOTP(secret).now()})
    db.session.refresh(world.officer)
    world.officer.totp_last_counter = None  # a minute later, a new code (see client.py)
    db.session.commit()

    page = client.get("/account/two-factor/turn-off").get_data(as_text=True)
    assert "Turn off two-factor authentication" in page
    response = post_form(client, "/account/two-factor/turn-off", {"code": "abcdef"})
    assert response.status_code == 200
    response = post_form(
        client, "/account/two-factor/turn-off", {"code": current_code(world.officer)}
    )
    assert response.headers["Location"] == "/account/two-factor"
    assert "Two-factor authentication is off" in client.get("/account/two-factor").get_data(
        as_text=True
    )
    db.session.refresh(world.officer)
    assert world.officer.totp_secret is None
    [event] = events(EventType.TWO_FACTOR_TURNED_OFF)
    assert event.actor_id == world.officer.id


@pytest.mark.asvs("4.1.3")
@pytest.mark.parametrize("who", ["security", "auditor", "admin"])
def test_people_whose_roles_need_it_cannot_turn_it_off(client_for, world, who):
    user = getattr(world, who)
    client = client_for(user)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "you cannot turn it off" in page
    assert "/account/two-factor/turn-off" not in page
    assert client.get("/account/two-factor/turn-off").status_code == 403
    token = csrf_token(client.get("/account/two-factor"))
    response = client.post(
        "/account/two-factor/turn-off", data={"code": current_code(user), "csrf_token": token}
    )
    assert response.status_code == 403
    db.session.refresh(user)
    assert user.has_second_factor
    assert events(EventType.TWO_FACTOR_TURNED_OFF) == []
