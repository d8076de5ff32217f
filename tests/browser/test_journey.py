"""The whole journey of one request, in a real browser, the way people do it.

An officer files and submits it; Security approves; No10 asks for changes; the officer
changes it and resubmits; Security, No10 and Cabinet Office approve in turn; the officer
sees it approved; the auditor finds every step in the audit log. Each person uses their
own browser. Every screen on the way is checked with axe-core (no WCAG 2.2 A/AA
violation), must show no console or page error, and is saved as a screenshot
(test-artifacts/screenshots/journey-NN-*.png).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.screens.audit_log.labels import EVENT_LABELS
from tests.browser.actions import (
    EMAILS,
    fill_in_every_section,
    open_for_decision,
    save_and_continue,
    send_decision,
    sign_in,
    start_request,
)
from tests.browser.harness import CheckScreen, NewPage, numbered
from tests.journey import JOURNEY, journey_of

CHANGES_REASON = "Say who will moderate comments out of hours."
HANDLE = "@dsit_journey"
NEW_MITIGATIONS = (
    "Two-person rule for every post. The press office moderates comments out of hours, "
    "seven days a week."
)


@pytest.fixture
def screen(check_screen: CheckScreen) -> CheckScreen:
    return numbered(check_screen, "journey")


def approve(page: Page, reference: str, stage: str, screen: CheckScreen, name: str) -> None:
    """The approver at `page` approves `reference` at `stage` from their queue."""
    open_for_decision(page, reference)
    screen(page, f"{name}-decide")
    send_decision(page, "Approve")
    expect(page.get_by_text(f"You approved {reference} at the {stage} stage")).to_be_visible()
    screen(page, f"{name}-approved")


def test_a_request_goes_from_officer_through_three_approvers_to_the_auditor(
    browser_page: NewPage, screen: CheckScreen
):
    # The officer files the request and submits it.
    officer = browser_page()
    sign_in(officer, "officer")
    expect(officer.get_by_role("heading", level=1)).to_have_text("Your department's requests")
    screen(officer, "officer-requests")
    reference = start_request(officer, screen)
    fill_in_every_section(officer, screen, handle=HANDLE)

    expect(officer.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before submitting your request"
    )
    expect(officer.get_by_text(HANDLE)).to_be_visible()
    expect(officer.get_by_text("£2,500")).to_be_visible()
    screen(officer, "officer-check-answers")
    officer.get_by_role("button", name="Submit request").click()

    panel = officer.locator(".govuk-panel")
    expect(panel.get_by_role("heading", level=1)).to_have_text("Request submitted")
    expect(panel).to_contain_text(reference)
    screen(officer, "officer-submitted")
    officer.get_by_role("link", name="the request's page").click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("In review")
    screen(officer, "officer-request-in-review")

    # Security approves; No10 asks for changes.
    security = browser_page()
    sign_in(security, "security")
    screen(security, "security-queue")
    approve(security, reference, "Security", screen, "security")

    no10 = browser_page()
    sign_in(no10, "no10")
    open_for_decision(no10, reference)
    no10.get_by_label("Request changes", exact=True).check()
    expect(no10.get_by_label("What needs to change")).to_be_visible()
    screen(no10, "no10-decide-request-changes")
    send_decision(no10, "Request changes", CHANGES_REASON)
    expect(
        no10.get_by_text(f"You asked for changes to {reference} at the No10 stage")
    ).to_be_visible()
    screen(no10, "no10-changes-requested")

    # The officer sees why, changes the request and resubmits it.
    officer.get_by_role("link", name="Your department's requests").click()
    row = officer.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Changes requested")
    screen(officer, "officer-requests-changes-requested")
    row.get_by_role("link", name=reference).click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("Changes requested")
    banner = officer.get_by_role("region", name="Changes requested")
    expect(banner).to_contain_text("No10 asked for changes")
    expect(banner.get_by_text(CHANGES_REASON)).to_be_visible()
    expect(banner.get_by_role("link", name="Answer the changes requested")).to_be_visible()
    screen(officer, "officer-request-changes-requested")

    officer.get_by_role("button", name="Check and resubmit").click()
    expect(officer.get_by_text(CHANGES_REASON)).to_be_visible()
    screen(officer, "officer-check-answers-changes-requested")
    officer.get_by_role("link", name=re.compile("^Change.*risk mitigations", re.IGNORECASE)).click()
    officer.get_by_label("Risk mitigations").fill(NEW_MITIGATIONS)
    save_and_continue(officer)
    expect(officer.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before resubmitting your request"
    )
    expect(officer.get_by_text("The press office moderates comments")).to_be_visible()
    officer.get_by_role("button", name="Resubmit request").click()
    expect(officer.locator(".govuk-panel")).to_contain_text("Request resubmitted")
    screen(officer, "officer-resubmitted")

    # Security, No10 and Cabinet Office approve the new revision in turn.
    approve(security, reference, "Security", screen, "security-again")
    approve(no10, reference, "No10", screen, "no10")
    cabinet_office = browser_page()
    sign_in(cabinet_office, "cabinet_office")
    approve(cabinet_office, reference, "Cabinet Office", screen, "cabinet-office")

    # The officer sees it approved.
    officer.get_by_role("link", name="the request's page").click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("Approved")
    screen(officer, "officer-request-approved")

    # The auditor finds every step of it in the audit log, in order.
    auditor = browser_page()
    sign_in(auditor, "auditor")
    screen(auditor, "auditor-log")
    auditor.get_by_label("Request reference").fill(reference)
    auditor.get_by_role("button", name="Apply filters").click()
    expect(auditor.get_by_role("table")).to_contain_text(reference)
    screen(auditor, "auditor-log-filtered")
    # The same sequence the API's parity test expects (tests/journey.py).
    shown = audit_events_shown(auditor, reference)
    keys = {email: key for key, email in EMAILS.items()}
    types = {label: event for event, label in EVENT_LABELS.items()}
    stages = {"Security": "security", "No10": "no10", "Cabinet Office": "cabinet_office"}
    steps = journey_of(
        (types[event], stages.get(stage), keys[email]) for event, stage, email in shown
    )
    assert steps == list(JOURNEY), f"expected {JOURNEY}; the log shows {shown}"


def audit_events_shown(page: Page, reference: str) -> list[tuple[str, str, str]]:
    """The audit log table's (event, stage, actor's email) rows for `reference`, oldest
    first (the log lists the newest first)."""
    rows = page.locator("table tbody tr").evaluate_all(
        "rows => rows.map(row => Array.from(row.cells, cell => cell.innerText.trim()))"
    )
    # Number, Time, Event, Request, Status, Stage, Actor (email, then roles), Comment
    shown = [
        (cells[2], cells[5], cells[6].splitlines()[0] if cells[6] else "")
        for cells in rows
        if cells[3] == reference
    ]
    assert len(shown) == len(rows), "the filter by reference let other requests' events in"
    return shown[::-1]
