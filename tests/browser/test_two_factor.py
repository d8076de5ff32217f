"""Two-factor authentication in the browser: an approver sets up an authenticator app at
their first sign-in (the QR code drawn in the page, the key as text), keeps the recovery
codes shown once, and later signs in with one. Every screen passes axe-core and breaks
no Content-Security-Policy rule (a refused inline style or script is a console error).
Screenshots: test-artifacts/screenshots/two-factor-*.png.
"""

from __future__ import annotations

import uuid

import pyotp
import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.operations.create_user import create_user
from app.rules.roles import Role
from app.seed.demo import DEFAULT_DEMO_PASSWORD
from tests.browser.actions import (
    CODE_PAGE,
    RECOVERY_CODES_PAGE,
    SET_UP_PAGE,
    enter_code,
    sign_out,
)
from tests.browser.harness import CheckScreen, LiveServer, NewPage, numbered


@pytest.fixture
def screen(check_screen: CheckScreen) -> CheckScreen:
    return numbered(check_screen, "two-factor")


@pytest.fixture
def newcomer(live_server: LiveServer) -> str:
    """A new approver's email address: nobody has signed in as them yet."""
    email = f"approver.{uuid.uuid4().hex[:8]}@example.gov.uk"
    with live_server.app.app_context():
        create_user(
            None,
            email=email,
            display_name="Nadia Newcomer",
            password=DEFAULT_DEMO_PASSWORD,
            roles=(Role.APPROVER,),
            stage_codes=("security",),
        )
        db.session.commit()
        db.session.remove()
    return email


def give_password(page: Page, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEFAULT_DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.asvs("2.8.1", "2.6.1")
def test_an_approver_sets_up_an_app_at_first_sign_in_and_later_uses_a_recovery_code(
    browser_page: NewPage, screen: CheckScreen, newcomer: str
):
    page = browser_page()
    give_password(page, newcomer)
    expect(page.get_by_role("heading", level=1)).to_have_text(SET_UP_PAGE)
    qr_code = page.get_by_role("img", name="QR code to scan with your authenticator app")
    expect(qr_code).to_be_visible()
    box = qr_code.bounding_box()
    assert box is not None and box["width"] >= 150
    screen(page, "set-up")

    enter_code(page, "12345")
    expect(page.get_by_role("alert")).to_contain_text("Enter the code as 6 numbers")
    screen(page, "set-up-error")

    secret = page.locator("#two-factor-key").inner_text().replace(" ", "")
    enter_code(page, pyotp.TOTP(secret).now())
    expect(page.get_by_role("heading", level=1)).to_have_text(RECOVERY_CODES_PAGE)
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    screen(page, "recovery-codes")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Awaiting your decision")
    sign_out(page)

    give_password(page, newcomer)
    expect(page.get_by_role("heading", level=1)).to_have_text(CODE_PAGE)
    screen(page, "code")
    page.get_by_role("link", name="use a recovery code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter a recovery code")
    screen(page, "recovery-code")
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("You signed in with a recovery code. You have 9 left.")).to_be_visible()
    screen(page, "signed-in-with-recovery-code")
