"""The Content-Security-Policy in a real browser: GOV.UK Frontend's inline script runs
(it carries the response's nonce), and anything else inline is refused and reported.

The journey tests fail on any console error, and Chromium reports every CSP violation
as one, so their passing means no page of the journey broke the policy. This test shows
that check bites.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.harness import Browsing

pytestmark = pytest.mark.asvs("14.4.3", "5.3.3")


def test_the_nonced_script_runs_and_an_injected_inline_script_is_refused(browsing: Browsing):
    page = browsing.new_page()
    response = page.goto("/sign-in")
    assert response is not None
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    expect(page.locator("body.govuk-frontend-supported")).to_have_count(1)

    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "document.body.dataset.injected = 'yes'";
            document.body.appendChild(script);
        }"""
    )

    assert page.evaluate("document.body.dataset.injected") is None
    problems = browsing.problems[page]
    assert any("Content Security Policy" in problem for problem in problems), problems
    problems.clear()  # expected here; any other problem still fails the test
