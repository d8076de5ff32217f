"""Browser tests: the real app on a live server, driven by Debian's Chromium with Playwright.

Without Chromium (at /usr/bin/chromium, or where PERMIT_CHROMIUM says) this whole folder
skips with one line: tests/conftest.py and tests/optional.py. (Playwright's own browser
download cannot work on our machines; we never use it.)

The server runs `create_app(TestConfig(...))` in a background thread on a database of its
own: a file SQLite database, or, when TEST_DATABASE_URL is set (as .ci/run does), a
PostgreSQL database made beside that one and dropped afterwards. It is migrated and
filled with the demo seed, so the people signing in are the demo logins `make run`
prints.

Every person gets their own browser context: `browser_page()`. Every screen a journey
visits goes through `check_screen(page, name)`: no console error, page error or server
exception so far; no WCAG 2.2 A/AA violation found by axe-core; a screenshot saved as
test-artifacts/screenshots/<name>.png. When a test fails, every page it had open is saved
as FAILED-<test>-<n>.png beside them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests import optional
from tests.browser.harness import (
    CHROMIUM_ARGS,
    SCREENSHOTS,
    TIMEOUT_MS,
    Browsing,
    CheckScreen,
    LiveServer,
    NewPage,
    format_violations,
    live_server_on,
    postgresql_database,
    run_axe,
)
from tests.database import TEST_DATABASE_URL
from tests.optional import CHROMIUM

# Assertions wait as long as actions do (set per context in Browsing.new_page).
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app served over HTTP on 127.0.0.1 at a free port, migrated and demo-seeded."""
    if TEST_DATABASE_URL:
        with postgresql_database(TEST_DATABASE_URL) as url, live_server_on(url) as server:
            yield server
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'permit.db'}"
        with live_server_on(url) as server:
            yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    optional.CHROMIUM_PART.skip_unless_available()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


_CALL_REPORT = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Iterator[pytest.TestReport]:
    """Keep each test's report, so its fixtures can tell whether it failed."""
    report = yield
    if report.when == "call":
        item.stash[_CALL_REPORT] = report
    return report


@pytest.fixture
def browsing(
    request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer
) -> Iterator[Browsing]:
    """The pages this test opens; the test fails if any showed an error, even late."""
    live_server.errors.clear()
    browsing = Browsing(browser, live_server)
    yield browsing
    report = request.node.stash.get(_CALL_REPORT, None)
    if report is not None and report.failed:
        browsing.screenshot_all(f"FAILED-{request.node.name}")
    browsing.close()
    browsing.assert_no_problems()


@pytest.fixture
def browser_page(browsing: Browsing) -> NewPage:
    """Make a page in a browser context of its own, as for a person at their own
    computer: `browser_page()`, or `browser_page(java_script_enabled=False)`."""
    return browsing.new_page


@pytest.fixture
def axe_check() -> Callable[[Page], None]:
    """`axe_check(page)`: fail unless axe-core finds no WCAG 2.2 A/AA violation."""
    optional.ASSETS.skip_unless_available()

    def check(page: Page) -> None:
        violations = run_axe(page)
        assert not violations, (
            f"accessibility violations on {page.url} ({page.title()!r}):\n"
            + format_violations(violations)
        )

    return check


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """`screenshot(page, name)`: the whole page to test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def check_screen(
    browsing: Browsing, axe_check: Callable[[Page], None], screenshot: Callable[[Page, str], Path]
) -> CheckScreen:
    """`check_screen(page, name)` for each screen a journey visits: a screenshot named
    `name`, no browser or server errors so far, no accessibility violations."""

    def check(page: Page, name: str) -> None:
        page.wait_for_load_state("load")
        screenshot(page, name)
        browsing.assert_no_problems()
        # axe-core runs in the page: with JavaScript off its promises never settle. The
        # journey checks the same screens with JavaScript on.
        if page not in browsing.scripts_off:
            axe_check(page)

    return check
