"""What a person does in the browser, written once: sign in, fill in a request, decide.

Everything here works the way a person does it, by labels and button names, so the same
steps drive a page with JavaScript on or off.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pyotp
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models.users import User
from app.seed.demo import DEFAULT_DEMO_PASSWORD, DEMO_USERS
from tests.browser.harness import serving

#: The demo logins the live server is seeded with, by key: EMAILS["no10"].
EMAILS = {user.key: user.email for user in DEMO_USERS}
#: A request reference as the service writes it: PRQ-2026-00042.
REFERENCE = re.compile(r"PRQ-\d{4}-\d{5}")


#: The headings of the second step of signing in, and of setting up a second factor.
CODE_PAGE = "Enter the code from your authenticator app"
SET_UP_PAGE = "Set up an authenticator app"
RECOVERY_CODES_PAGE = "Save your recovery codes"


def sign_in(
    page: Page,
    who: str,
    password: str = DEFAULT_DEMO_PASSWORD,
    *,
    screen: Callable[[Page], None] | None = None,
) -> None:
    """Sign in as the demo person `who` ("officer", "security", ...) from the sign-in page.

    Approvers, auditors and the admin then give a code from their authenticator app; the
    demo seed gives them none, so the first time each signs in (in a test session) they set
    one up, reading the key from the page as a person would type it into their app.
    `screen(page)`, if given, is called on each screen on the way, before it is filled in.
    """
    email = EMAILS[who]
    page.goto("/sign-in")
    if screen is not None:
        screen(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    # Signed in: the header's Sign out button is in the page (on a narrow screen it waits
    # behind the navigation's Menu button, so "in the page", not "visible").
    signed_in = page.get_by_role("button", name="Sign out", include_hidden=True)
    second_step = page.get_by_role("heading", level=1).filter(
        has_text=re.compile("authenticator app")
    )
    expect(signed_in.or_(second_step)).to_be_attached()
    if signed_in.count():
        return
    if screen is not None:
        screen(page)
    if second_step.inner_text() == SET_UP_PAGE:
        set_up_authenticator(page, screen=screen)
    else:
        enter_code(page, current_code(email))
    expect(signed_in).to_be_attached()


def set_up_authenticator(page: Page, *, screen: Callable[[Page], None] | None = None) -> str:
    """On "Set up an authenticator app", add the key shown to an "app" (pyotp), confirm
    with its first code and leave the recovery codes page; returns the secret.
    `screen(page)`, if given, is called on the recovery codes page."""
    secret = page.locator("#two-factor-key").inner_text().replace(" ", "")
    enter_code(page, pyotp.TOTP(secret).now())
    expect(page.get_by_role("heading", level=1)).to_have_text(RECOVERY_CODES_PAGE)
    if screen is not None:
        screen(page)
    page.get_by_role("button", name="Continue").click()
    return secret


def enter_code(page: Page, code: str) -> None:
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Continue").click()


def current_code(email: str) -> str:
    """The code the person's app shows now, from the secret the live server holds.

    A code is good once (ASVS 2.8.4), and the same person signs in several times within
    30 seconds in a test session: a real person would wait for the app's next code. Rather
    than wait, forget the last step the server accepted, as tests/web/client.py does.
    """
    with serving().app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        assert user.totp_secret, f"{email} has no second factor"
        user.totp_last_counter = None
        db.session.commit()
        secret = user.totp_secret
        db.session.remove()
    return pyotp.TOTP(secret).now()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()


def heading(page: Page) -> str:
    """The page's <h1>, as a person reads it."""
    return page.get_by_role("heading", level=1).inner_text()


def save_and_continue(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def fill_date(page: Page, legend: str, value: date) -> None:
    """Type `value` into the GOV.UK date input whose legend is `legend`."""
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(value.day))
    group.get_by_label("Month").fill(str(value.month))
    group.get_by_label("Year").fill(str(value.year))


def start_request(
    page: Page,
    check: Callable[[Page, str], None] | None = None,
    *,
    platform: str = "TikTok",
    kind: str = "Open a new account",
) -> str:
    """From the officer's list of requests, start a request; returns its reference.
    `check(page, "officer-new-request")` is called on the first page, if given."""
    page.get_by_role("button", name="Start a new request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a new request")
    if check is not None:
        check(page, "officer-new-request")
    page.get_by_role("group", name="Which platform is the request for?").get_by_label(
        platform, exact=True
    ).check()
    page.get_by_label(kind, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The account")
    match = REFERENCE.search(page.locator(".govuk-caption-l").first.inner_text())
    assert match, "the question page does not show the new request's reference"
    return match.group(0)


def fill_in_every_section(
    page: Page, check: Callable[[Page, str], None] | None = None, *, handle: str
) -> None:
    """From the first question page to "Check your answers", answering everything.
    `check(page, name)` is called on each page, if given, before it is filled in."""
    start = date.today() + timedelta(days=30)

    def screen(page: Page, name: str) -> None:
        if check is not None:
            check(page, name)

    screen(page, "officer-section-account")
    page.get_by_label("Account name or handle").fill(handle)
    save_and_continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Purpose and audience")
    screen(page, "officer-section-purpose")
    page.get_by_label("Purpose", exact=True).fill("Explain the department's science funding")
    page.get_by_label("Target audience").fill("People aged 16 to 24 in the UK")
    page.get_by_label("Justification").fill("Research shows this group is not reached elsewhere")
    save_and_continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("When the platform will be used")
    screen(page, "officer-section-dates")
    fill_date(page, "Start date", start)
    fill_date(page, "End date", start + timedelta(days=180))
    save_and_continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Who is responsible")
    screen(page, "officer-section-people")
    page.get_by_label("Senior responsible owner").fill("Director of Communications")
    page.get_by_label("Day-to-day account managers").fill("Two members of the digital team")
    save_and_continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("The standalone device")
    screen(page, "officer-section-device")
    page.get_by_label("Standalone device arrangement").fill(
        "A dedicated phone kept in a locked cabinet"
    )
    page.get_by_label("I confirm the app will not be installed on any government device").check()
    save_and_continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Data protection")
    screen(page, "officer-section-data-protection")
    page.get_by_label("Data protection impact assessment reference").fill("DPIA-2026-117")
    save_and_continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Paid advertising")
    screen(page, "officer-section-advertising")
    page.get_by_label("Advertising budget").fill("2500")
    save_and_continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Risks")
    screen(page, "officer-section-risks")
    page.get_by_label("Risk mitigations").fill("Two-person rule for every post")
    save_and_continue(page)


def open_for_decision(page: Page, reference: str) -> None:
    """From anywhere, go to "Awaiting your decision" and open `reference` from the queue."""
    page.get_by_role("link", name=re.compile("^Awaiting your decision")).click()
    page.get_by_role("link", name=reference, exact=True).click()
    expect(page.get_by_role("button", name="Send decision")).to_be_visible()


#: The box each outcome reveals, for its conditions or reason.
DECISION_TEXT = {
    "Approve with conditions": "Conditions",
    "Request changes": "What needs to change",
    "Reject": "Reason for rejecting",
}


def send_decision(page: Page, outcome: str, text: str = "") -> None:
    """On the decision page, choose `outcome` ("Approve", "Request changes", ...), type
    `text` into the conditions or reason it reveals, and send it."""
    page.get_by_label(outcome, exact=True).check()
    if outcome in DECISION_TEXT:
        page.get_by_label(DECISION_TEXT[outcome], exact=True).fill(text)
    page.get_by_role("button", name="Send decision").click()
