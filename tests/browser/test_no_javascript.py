"""Progressive enhancement: with JavaScript off, an officer files and submits a request
and an approver decides it, as GOV.UK services must allow.

Without JavaScript GOV.UK Frontend's enhancements do not start: the boxes that radios
reveal are all on the page, character counts are plain textareas, and every button is
an ordinary form submission. Screenshots: test-artifacts/screenshots/no-javascript-*.png.
(axe-core cannot run with JavaScript off; the journey checks the same screens with it on.)
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.actions import (
    fill_in_every_section,
    open_for_decision,
    send_decision,
    sign_in,
    start_request,
)
from tests.browser.harness import CheckScreen, NewPage, numbered

CONDITIONS = "Review the account's first month of posts with the security team."


@pytest.fixture
def screen(check_screen: CheckScreen) -> CheckScreen:
    return numbered(check_screen, "no-javascript")


def test_a_request_is_filed_submitted_and_decided_with_javascript_off(
    browser_page: NewPage, screen: CheckScreen
):
    officer = browser_page(java_script_enabled=False)
    sign_in(officer, "officer")
    assert officer.evaluate("document.body.classList.contains('govuk-frontend-supported')") is False
    reference = start_request(officer, screen)
    fill_in_every_section(officer, screen, handle="@dsit_no_script")
    expect(officer.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before submitting your request"
    )
    screen(officer, "officer-check-answers")
    officer.get_by_role("button", name="Submit request").click()
    expect(officer.locator(".govuk-panel")).to_contain_text(reference)
    screen(officer, "officer-submitted")

    security = browser_page(java_script_enabled=False)
    sign_in(security, "security")
    open_for_decision(security, reference)
    # No script to reveal it: the conditions box is on the page from the start.
    expect(security.get_by_label("Conditions", exact=True)).to_be_visible()
    screen(security, "security-decide")
    send_decision(security, "Approve with conditions", CONDITIONS)
    expect(
        security.get_by_text(f"You approved {reference} with conditions at the Security stage")
    ).to_be_visible()
    screen(security, "security-approved")

    officer.get_by_role("link", name="the request's page").click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("In review")
    stages = officer.locator("#approval-stages ~ .govuk-task-list")
    expect(stages).to_contain_text("Approved with conditions")
    expect(officer.locator("#approval-conditions")).to_contain_text(CONDITIONS)
    screen(officer, "officer-request-approved-with-conditions")
