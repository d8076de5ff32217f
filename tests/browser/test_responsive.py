"""Small and wide screens on the two pages with MoJ's filter panel beside a table: the
approvers' queue and the audit log.

WCAG 2.2 1.4.10 Reflow: at 320px wide (a 1280px screen zoomed to 400%) the filter panel
waits behind a "Show filter" button, opens over the page and closes again, and nothing
makes the page wider than the screen: a wide table scrolls in its own box. Without
JavaScript, or should permit.js fail to load, the panel stays in the page. At 1280px the
queue's last column is in sight without scrolling the table. Screenshots:
test-artifacts/screenshots/responsive-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.actions import sign_in
from tests.browser.harness import Browsing, CheckScreen, NewPage

NARROW = {"width": 320, "height": 640}
WIDE = {"width": 1280, "height": 800}

#: (who, the page, its heading): each page with a filter panel, and someone who may see it.
FILTERED_PAGES = [
    pytest.param("security", "/review/", "Awaiting your decision", id="queue"),
    pytest.param("auditor", "/audit-log/", "Audit log", id="audit-log"),
]


def open_page(page: Page, who: str, path: str, heading: str) -> None:
    sign_in(page, who)
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def page_width(page: Page) -> int:
    """How wide the page is, scrolled sideways to its end."""
    return int(page.evaluate("document.documentElement.scrollWidth"))


def filter_panel(page: Page) -> Locator:
    return page.locator(".moj-filter-layout__filter")


def toggle_button(page: Page) -> Locator:
    """FilterToggleButton's button ("Show filter" or "Hide filter"), in the action bar."""
    return page.locator(".moj-action-bar").get_by_role("button")


@pytest.mark.parametrize(("who", "path", "heading"), FILTERED_PAGES)
def test_at_320px_the_filter_waits_behind_a_button_and_the_page_fits_the_screen(
    browser_page: NewPage, check_screen: CheckScreen, who: str, path: str, heading: str
):
    page = browser_page(viewport=NARROW)
    open_page(page, who, path, heading)
    name = f"responsive-{who}-320"
    panel, toggle = filter_panel(page), toggle_button(page)

    expect(toggle).to_have_text("Show filter")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(panel).to_be_hidden()
    expect(page.get_by_role("button", name="Apply filters")).to_be_hidden()
    assert page_width(page) <= NARROW["width"]
    # The table's scroll box has the column's whole width, not squeezed beside the button.
    column, pane = page.locator(".moj-filter-layout__content").evaluate(
        "column => [column.clientWidth, column.querySelector('.moj-scrollable-pane').offsetWidth]"
    )
    assert pane == column
    check_screen(page, f"{name}-filter-hidden")

    # Opening it moves focus into the panel, which lies over the page.
    toggle.click()
    expect(panel).to_be_visible()
    expect(panel).to_be_focused()
    expect(toggle).to_have_text("Hide filter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    # All of it on the screen: nothing cut off at either side, nor scrolled sideways.
    box = panel.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"]
    assert panel.evaluate("panel => panel.scrollWidth <= panel.clientWidth")
    expect(panel.get_by_role("heading", name="Filter")).to_be_in_viewport(ratio=1)
    expect(panel.get_by_role("button", name="Apply filters")).to_be_in_viewport(ratio=1)
    assert page_width(page) <= NARROW["width"]
    check_screen(page, f"{name}-filter-open")

    # Its Close button hides it and puts focus back on the button that opened it.
    panel.get_by_role("button", name="Close").click()
    expect(panel).to_be_hidden()
    expect(toggle).to_be_focused()
    expect(toggle).to_have_text("Show filter")
    expect(toggle).to_have_attribute("aria-expanded", "false")

    # From the keyboard, the same button opens and closes it.
    page.keyboard.press("Enter")
    expect(panel).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(panel).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    assert page_width(page) <= NARROW["width"]


@pytest.mark.parametrize(("who", "path", "heading"), FILTERED_PAGES)
def test_at_320px_without_javascript_the_filter_is_in_the_page_and_works(
    browser_page: NewPage, check_screen: CheckScreen, who: str, path: str, heading: str
):
    page = browser_page(viewport=NARROW, java_script_enabled=False)
    open_page(page, who, path, heading)

    panel = filter_panel(page)
    expect(panel).to_be_visible()
    expect(toggle_button(page)).to_have_count(0)
    assert page_width(page) <= NARROW["width"]
    check_screen(page, f"responsive-{who}-320-no-javascript")

    panel.get_by_label("Platform").select_option("TikTok")
    panel.get_by_role("button", name="Apply filters").click()
    expect(panel.locator(".moj-filter__selected")).to_contain_text("TikTok")
    expect(panel.get_by_role("link", name="Clear filters")).to_be_visible()
    assert page_width(page) <= NARROW["width"]


@pytest.fixture
def without_permit_js(browsing: Browsing) -> Iterator[NewPage]:
    """`browser_page()` for pages whose browser cannot load /assets/permit.js: the
    failed request is expected, and only it is forgiven."""
    pages: list[Page] = []

    def new_page(**options: object) -> Page:
        page = browsing.new_page(**options)
        page.route("**/assets/permit.js*", lambda route: route.abort())
        pages.append(page)
        return page

    yield new_page
    for page in pages:
        found = browsing.problems[page]
        unexpected = [p for p in found if "ERR_FAILED" not in p or "permit.js" not in p]
        assert not unexpected, "\n".join(unexpected)
        found.clear()


def test_at_320px_a_filter_whose_script_failed_to_load_stays_in_the_page(
    without_permit_js: NewPage,
):
    # The page's inline script still marks it .js-enabled, for which MoJ's CSS lays the
    # panel over the whole page below 769px; nothing would be left to close it.
    page = without_permit_js(viewport=NARROW)
    open_page(page, "auditor", "/audit-log/", "Audit log")
    assert page.evaluate("document.body.classList.contains('js-enabled')")
    panel = filter_panel(page)
    expect(panel).to_be_visible()
    expect(toggle_button(page)).to_have_count(0)
    assert panel.evaluate("element => getComputedStyle(element).position") == "static"
    expect(page.get_by_role("table")).to_be_visible()
    assert page_width(page) <= NARROW["width"]


def test_at_1280px_the_queue_shows_every_column_without_scrolling_the_table(
    browser_page: NewPage, check_screen: CheckScreen
):
    page = browser_page(viewport=WIDE)
    open_page(page, "security", "/review/", "Awaiting your decision")
    panel = filter_panel(page)
    expect(panel).to_be_visible()  # beside the table, not behind a button
    expect(toggle_button(page)).to_have_text("Hide filter")

    headers = page.locator("#queue thead th")
    expect(headers.last).to_contain_text("Decision due")
    # Wholly in sight: not past the screen's edge, nor cut off by the table's scroll box.
    expect(headers.last).to_be_in_viewport(ratio=1)
    pane = page.locator(".moj-scrollable-pane")
    assert pane.evaluate("pane => pane.scrollWidth <= pane.clientWidth"), "the table scrolls"
    assert page_width(page) <= WIDE["width"]
    check_screen(page, "responsive-security-1280")
