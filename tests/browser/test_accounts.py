"""An approved account's life in a real browser, the register, the public page, and single
sign-on against a real OpenID Connect provider.

Two requests of the demo officer are approved (through the operations, on the live
server's database), Security's approval with a condition. On the first: the officer
records the account opened and confirms the condition; Security reviews it and suspends
it; Cabinet Office reinstates it; Security revokes it; the officer confirms it was
closed. Each step is on the request page's timeline and in the audit log. The second
expires when `flask lifecycle tick` runs, in its own process, under a clock frozen after
its end date. The register shows both with the right status and exports them; with
PERMIT_PUBLIC_REGISTER=1 the public page lists only the account open now (a third). An
officer signs in through the provider's own page; a stranger is refused.

Screens on the way go through `check_screen` (axe-core, no console or server error, a
screenshot test-artifacts/screenshots/accounts-NN-*.png).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.deadlines.clock import london_today
from app.extensions import db
from app.models import AccessRequest, Platform, User
from app.operations.account_lifecycle import record_opening
from app.operations.create_request import create_request
from app.operations.decide_stage import decide_stage
from app.operations.submit_request import submit_request
from app.rules.workflow import Outcome
from app.seed.demo import DEMO_USERS
from tests.browser.actions import fill_date, sign_in
from tests.browser.harness import Browsing, CheckScreen, LiveServer, NewPage, numbered
from tests.deadlines.support import TickProcess, london
from tests.factories import complete_content
from tests.sso.provider import running_provider

# The provider (oidc-provider-mock) calls Authlib's server side in ways Authlib now warns of.
pytestmark = [
    pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The httpx module is deprecated"),
]

CONDITION = "Keep the phone in the locked cabinet in room 4"
#: The second request's permission ends on this day; the tick runs the day after next.
ENDS_ON = date(2027, 7, 2)


@dataclass(frozen=True)
class Approved:
    lifecycle: str  # opened, reviewed, suspended, reinstated, revoked
    expiring: str  # expires through the tick
    live: str  # open: the only one the public page lists


@pytest.fixture
def screen(check_screen: CheckScreen) -> CheckScreen:
    return numbered(check_screen, "accounts")


@pytest.fixture
def approved(live_server: LiveServer) -> Approved:
    emails = {user.key: user.email for user in DEMO_USERS}
    with live_server.app.app_context():
        people = {
            key: db.session.scalars(select(User).where(User.email == emails[key])).one()
            for key in ("officer", "security", "no10", "cabinet_office")
        }
        platform = db.session.scalars(select(Platform).where(Platform.name == "TikTok")).one()

        def approve(handle: str, **content: object) -> AccessRequest:
            request = create_request(
                people["officer"],
                platform=platform,
                content=complete_content(account_handle=handle, **content),
            )
            submit_request(request, people["officer"])
            for stage in ("security", "no10", "cabinet_office"):
                conditions = CONDITION if stage == "security" else ""
                decide_stage(
                    request,
                    people[stage],
                    stage=stage,
                    version=request.version,
                    outcome=Outcome.APPROVE_WITH_CONDITIONS if conditions else Outcome.APPROVE,
                    conditions=conditions,
                )
            return request

        lifecycle = approve("@dsit_lifecycle", end_date=date(2030, 1, 31))
        expiring = approve("@dsit_expiring", end_date=ENDS_ON)
        live = approve("@dsit_live_now", end_date=date(2030, 1, 31))
        db.session.flush()
        record_opening(
            live.account,
            people["officer"],
            handle="@dsit_live_now",
            url="",
            opened_on=london_today(),
            owner="Priya Shah",
            version=live.account.version,
        )
        db.session.commit()
        made = Approved(lifecycle.reference, expiring.reference, live.reference)
        db.session.remove()
    return made


def open_request(page: Page, reference: str) -> None:
    page.goto(f"/requests/{reference}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)


def take_step(page: Page, button: str, heading: str, fields: dict[str, str]) -> None:
    """On the request page, press `button`, fill in the step's page and send it."""
    page.locator("#account-actions").get_by_role("button", name=button).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.locator("main form").get_by_role("button").click()


def status_of(page: Page) -> str:
    return page.locator("#account-status").inner_text()


def test_an_approved_account_from_opening_to_revocation_and_expiry(
    browser_page: NewPage,
    screen: CheckScreen,
    approved: Approved,
    live_server: LiveServer,
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,
):
    reference = approved.lifecycle
    # The officer is asked to record the opening, and records it.
    officer = browser_page()
    sign_in(officer, "officer")
    open_request(officer, reference)
    expect(officer.locator("#record-opening")).to_contain_text("Once the account is live")
    expect(officer.locator("#account-status")).to_have_text("Not opened yet")
    expect(officer.locator("#account-conditions")).to_contain_text(CONDITION)
    screen(officer, "officer-approved-not-opened")
    officer.locator("#record-opening").get_by_role("link").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Record the account as opened")
    officer.get_by_label("Handle", exact=True).fill("")
    officer.get_by_role("button", name="Record the opening").click()
    expect(officer.locator(".govuk-error-summary")).to_contain_text("Enter the handle")
    screen(officer, "officer-opening-errors")
    officer.get_by_label("Handle", exact=True).fill("@dsit_lifecycle")
    officer.get_by_label("Web address (optional)").fill("https://www.tiktok.com/@dsit_lifecycle")
    fill_date(officer, "Date opened", london_today())
    officer.get_by_label("Owner", exact=True).fill("Priya Shah")
    officer.get_by_role("button", name="Record the opening").click()
    expect(officer.get_by_text("The account has been recorded as opened")).to_be_visible()
    expect(officer.locator("#account-status")).to_have_text("Open")

    # ... and confirms the condition, with evidence.
    officer.get_by_role("link", name="Confirm condition 1").click()
    expect(officer.locator("#condition-text")).to_contain_text(CONDITION)
    screen(officer, "officer-confirm-condition")
    officer.get_by_label("How is this condition kept?").fill(
        "Cabinet 4B, key with the head of digital"
    )
    officer.get_by_role("button", name="Confirm the condition").click()
    expect(officer.locator("#account-conditions")).to_contain_text("Confirmed by Priya Shah")
    screen(officer, "officer-account-open")

    # Security reviews it, then suspends it.
    security = browser_page()
    sign_in(security, "security")
    open_request(security, reference)
    expect(security.locator("#approved-account")).to_contain_text("Conditions (0 open)")
    take_step(
        security, "Review the account", "Review the account", {"Review note": "Posts checked"}
    )
    expect(security.get_by_text("The review has been recorded")).to_be_visible()
    security.locator("#account-actions").get_by_role("button", name="Suspend the account").click()
    screen(security, "security-suspend")
    security.get_by_label("Reason", exact=True).fill("A post used a government phone")
    security.get_by_role("button", name="Suspend the account").click()
    expect(security.locator("#account-status")).to_have_text("Suspended")

    # Cabinet Office reinstates it.
    cabinet = browser_page()
    sign_in(cabinet, "cabinet_office")
    open_request(cabinet, reference)
    take_step(
        cabinet, "Reinstate the account", "Reinstate the account", {"Reason": "Device replaced"}
    )
    expect(cabinet.locator("#account-status")).to_have_text("Open")

    # Security revokes it; the officer confirms it was closed.
    open_request(security, reference)
    take_step(
        security, "Revoke permission", "Revoke the permission", {"Reason": "No longer needed"}
    )
    expect(security.locator("#account-status")).to_have_text("Revoked")
    open_request(officer, reference)
    officer.locator("#account-actions").get_by_role(
        "button", name="Confirm it was closed or handed over"
    ).click()
    officer.get_by_label("Closed", exact=True).check()
    officer.get_by_label("Statement", exact=True).fill("Deleted on the platform")
    officer.get_by_role("button", name="Confirm").click()
    expect(officer.locator("#account-summary")).to_contain_text("Closed: Deleted on the platform")

    # Every step on the request's timeline, newest first.
    timeline = officer.locator(".moj-timeline__title").all_inner_texts()
    steps = [
        "Closure after revocation confirmed",
        "Permission revoked",
        "Account reinstated",
        "Account suspended",
        "Account reviewed",
        "Condition confirmed",
        "Account recorded as opened",
    ]
    assert timeline[: len(steps)] == steps, timeline
    screen(officer, "officer-account-revoked")

    # The second expires when the tick runs, in its own process, two days after its end.
    url = live_server.app.config["SQLALCHEMY_DATABASE_URI"]
    tick = TickProcess(url, london(2027, 7, 4, 9, 0), tmp_path / "tick.log", group="lifecycle")
    assert tick.wait() == 0, tick.output()
    assert f"Expired {approved.expiring}" in tick.output()
    open_request(officer, approved.expiring)
    expect(officer.locator("#account-status")).to_have_text("Expired")
    expect(officer.locator(".moj-timeline__title").first).to_have_text("Permission expired")

    # The auditor finds the steps in the audit log, and both in the register.
    auditor = browser_page()
    sign_in(auditor, "auditor")
    auditor.goto("/audit-log/")
    log = auditor.get_by_role("table")
    for label in (
        "Approved account opened",
        "Condition confirmed",
        "Approved account reviewed",
        "Approved account suspended",
        "Approved account reinstated",
        "Approved account revoked",
        "Approved account expired",
    ):
        expect(log).to_contain_text(label)
    auditor.locator(".govuk-service-navigation").get_by_role("link", name="Register").click()
    expect(auditor.get_by_role("heading", level=1)).to_have_text("Register of approved accounts")
    register = auditor.locator("#register")
    expect(register.get_by_role("row").filter(has_text="@dsit_lifecycle")).to_contain_text(
        "Revoked"
    )
    expect(register.get_by_role("row").filter(has_text="@dsit_expiring")).to_contain_text("Expired")
    screen(auditor, "auditor-register")
    auditor.get_by_label("Status").select_option(label="Expired")
    auditor.get_by_role("button", name="Apply filters").click()
    expect(register).to_contain_text("@dsit_expiring")
    expect(register).not_to_contain_text("@dsit_lifecycle")
    auditor.get_by_role("link", name="Clear filters").click()
    with auditor.expect_download() as download:
        auditor.locator("#register-export").click()
    with open(download.value.path(), encoding="utf-8") as exported:
        rows = list(csv.DictReader(io.StringIO(exported.read())))
    status = {row["reference"]: row["status"] for row in rows}
    assert status[approved.lifecycle] == "Revoked"
    assert status[approved.expiring] == "Expired"
    assert status[approved.live] == "Open"

    # The public page, once switched on, lists only what is open now.
    monkeypatch.setitem(live_server.app.config, "PERMIT_PUBLIC_REGISTER", True)
    visitor = browser_page()
    visitor.goto("/register/public")
    public = visitor.locator("#public-register")
    expect(public).to_contain_text("@dsit_live_now")
    expect(public).not_to_contain_text("@dsit_lifecycle")
    expect(public).not_to_contain_text("@dsit_expiring")
    expect(public).not_to_contain_text("Priya Shah")
    screen(visitor, "public-register")


def forget_provider_problems(browsing: Browsing, page: Page, provider_url: str) -> None:
    """Drop what the browser reported on the provider's own pages (its page asks a CDN
    for its stylesheet, which this closed network refuses): they are not ours."""
    found = browsing.problems[page]
    found[:] = [problem for problem in found if f"on {provider_url}/" not in problem]


def test_signing_in_through_a_real_openid_connect_provider(
    browser_page: NewPage,
    browsing: Browsing,
    screen: CheckScreen,
    live_server: LiveServer,
    monkeypatch: pytest.MonkeyPatch,
):
    officer = next(user for user in DEMO_USERS if user.key == "officer_ho")
    with running_provider() as provider:
        for key, value in {
            "OIDC_ISSUER": provider.url,
            "OIDC_CLIENT_ID": "permit-browser-tests",
            "OIDC_CLIENT_SECRET": "permit-browser-tests-secret",
        }.items():
            monkeypatch.setitem(live_server.app.config, key, value)
        provider.set_user(officer.email, email=officer.email, email_verified=True)
        provider.set_user(
            "stranger@example.gov.uk", email="stranger@example.gov.uk", email_verified=True
        )
        page = browser_page()
        page.goto("/sign-in")
        screen(page, "sign-in-with-sso")
        page.get_by_role("link", name="Sign in with your organisation").click()
        # The provider's own page (not ours: not checked): the person picks who they are.
        page.locator("input[name=sub]").fill(officer.email)
        page.get_by_role("button", name="Authorize").click()
        expect(page.get_by_role("button", name="Sign out", include_hidden=True)).to_be_attached()
        forget_provider_problems(browsing, page, provider.url)
        expect(page.get_by_role("heading", level=1)).to_have_text("Your department's requests")

        stranger = browser_page()
        stranger.goto("/sign-in")
        stranger.get_by_role("link", name="Sign in with your organisation").click()
        stranger.locator("input[name=sub]").fill("stranger@example.gov.uk")
        stranger.get_by_role("button", name="Authorize").click()
        expect(stranger.get_by_role("heading", level=1)).to_have_text("You have not been signed in")
        expect(stranger.locator("#sso-refusal")).to_contain_text("There is no Permit account")
        forget_provider_problems(browsing, stranger, provider.url)
        # The refusal is a 403, which the browser reports as a resource that failed.
        found = browsing.problems[stranger]
        assert [p for p in found if "status of 403" in p and "/sign-in/sso/callback" in p]
        found[:] = [p for p in found if "status of 403" not in p]
        screen(stranger, "sso-refused")
