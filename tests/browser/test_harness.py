"""The browser harness itself: the live server answers, and the checks every screen goes
through (axe-core, console and page errors) catch what they are there for."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.harness import Browsing, CheckScreen, NewPage

AxeCheck = Callable[[Page], None]


def test_the_sign_in_page_is_accessible_and_a_failed_sign_in_says_so(
    browser_page: NewPage, check_screen: CheckScreen
):
    page = browser_page()
    page.goto("/")
    expect(page).to_have_title("Sign in \N{EN DASH} Request a restricted platform account")
    check_screen(page, "sign-in")

    page.get_by_label("Email address").fill("officer@example.gov.uk")
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a correct email address and password")
    expect(page).to_have_title("Error: Sign in \N{EN DASH} Request a restricted platform account")
    expect(page.get_by_label("Email address")).to_have_value("officer@example.gov.uk")
    check_screen(page, "sign-in-failed")


def test_axe_check_reports_each_violation_readably(browser_page: NewPage, axe_check: AxeCheck):
    page = browser_page()
    page.set_content(
        '<html lang="en"><title>Bad</title><main><input id="nameless"><img src="x.png"></main>'
    )
    with pytest.raises(AssertionError) as failure:
        axe_check(page)
    message = str(failure.value)
    assert "- image-alt (critical): Images must have alternative text;" in message
    assert "1 element(s), first ['img']" in message
    assert "- label (critical): Form elements must have labels;" in message
    assert "1 element(s), first ['#nameless']" in message
    assert '<input id="nameless">' in message


@pytest.mark.parametrize(
    ("input_class", "input_type", "more", "accepted"),
    [
        # GOV.UK Frontend's own conditional reveal (alphagov/govuk-frontend#979): let through.
        ("govuk-radios__input", "radio", "", True),
        ("govuk-checkboxes__input", "checkbox", "", True),
        # The same attribute anywhere else, or anything more wrong with it, still fails.
        ("app-radio", "radio", "", False),
        ("govuk-radios__input", "radio", 'aria-selected="true"', False),
    ],
)
def test_only_gov_uk_frontends_own_aria_expanded_on_reveals_is_let_through(
    browser_page: NewPage,
    axe_check: AxeCheck,
    input_class: str,
    input_type: str,
    more: str,
    accepted: bool,
):
    page = browser_page()
    page.set_content(
        '<html lang="en"><title>Reveal</title><main><fieldset><legend>Choose</legend>'
        f'<input class="{input_class}" id="choice" name="choice" type="{input_type}" '
        f'aria-controls="conditional-choice" aria-expanded="false" {more}>'
        '<label for="choice">Yes</label><div id="conditional-choice">More</div>'
        "</fieldset></main></html>"
    )
    if accepted:
        axe_check(page)
    else:
        with pytest.raises(AssertionError, match="aria-allowed-attr"):
            axe_check(page)


def test_console_errors_page_errors_and_server_exceptions_are_caught(
    browser_page: NewPage, browsing: Browsing
):
    page = browser_page()
    page.goto("/sign-in")
    page.evaluate("console.error('something broke')")
    page.evaluate("setTimeout(() => { throw new Error('uncaught in the page') })")
    browsing.live_server.errors.append("GET /boom: RuntimeError('boom')")
    page.wait_for_timeout(100)
    with pytest.raises(AssertionError) as failure:
        browsing.assert_no_problems()
    message = str(failure.value)
    assert "console error on http://127.0.0.1:" in message
    assert "something broke" in message
    assert "page error on http://127.0.0.1:" in message
    assert "uncaught in the page" in message
    assert "server exception: GET /boom: RuntimeError('boom')" in message
    # Each problem is reported once, so the test itself passes.
    assert browsing.reported() == []
