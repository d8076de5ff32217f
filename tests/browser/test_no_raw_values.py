"""Every page each person can reach, walked in a real browser: none shows a raw value.

Each demo person (both officers, the approver of each stage, the auditor and the admin)
signs in, with the second factor set up at first sign-in where their role needs one, and
opens every page reachable from the service navigation by following links: the lists,
every request page, decision record and question page the lists lead to, the decide
pages, the audit log's pages, the account and admin pages. The auditor also asks for a
check of the audit chain (a POST) and reads the check's page. On each page the text a person reads
(`inner_text("body")`: visually hidden text counts, screen readers read it) must hold
none of tests/raw_values.py's RAW_VALUES: no `None`, `null`, `undefined`, `True` or
`False`, raw ISO timestamp or template placeholder. Every page must answer 200.

Links that only sort or filter a list show its rows again, so the walk leaves them; it
follows those that page through a list, or open a question from check answers
(`FOLLOWED_KEYS`). A link that redirects to a page already walked (the header's link
home) is not read again. The API reference documents JSON, whose empty value is `null`:
there that word is what the page means (`MEANT`). The first page of each kind each role
opens also goes through `check_screen` (axe-core, no browser error, a screenshot named
walk-<role>-<kind>.png); the others are only read, to keep the walk to about a minute.
Every page opened is written to test-artifacts/pages-walked.txt, one "<person> <path>" a
line, in the order opened.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from playwright.sync_api import Page, expect

from tests.browser.actions import REFERENCE, sign_in
from tests.browser.harness import ROOT, CheckScreen, NewPage
from tests.raw_values import raw_values

#: Each person the walk signs in as (tests/browser/actions.py's EMAILS), and the role
#: whose screens they see.
PEOPLE: dict[str, str] = {
    "officer": "officer",
    "officer_ho": "officer",
    "security": "approver",
    "no10": "approver",
    "cabinet_office": "approver",
    "auditor": "auditor",
    "admin": "admin",
}
PAGES_WALKED = ROOT / "test-artifacts" / "pages-walked.txt"
#: Query parameters of the links the walk follows: paging through a list, and "from"
#: (a question opened from check answers). A link with any other is left.
FOLLOWED_KEYS = frozenset({"page", "before", "after", "from"})
#: Paths that are not pages: the JSON API, static files.
#: The register's CSV is a download, not a page (tests/web/test_register.py reads it).
NOT_PAGES = ("/api/", "/assets/", "/register/export.csv")
#: (path, kind of raw value) a page shows on purpose: the API reference gives JSON's
#: types, "string or null".
MEANT = frozenset({("/account/api-reference", "null")})
#: The most pages one person's walk opens, should links ever lead round without end.
MAX_PAGES = 250


@dataclass
class Walk:
    check_screen: CheckScreen
    #: "<person> <path>" for each page opened, in order.
    opened: list[str] = field(default_factory=list)
    #: "<person> <path>: <what was found>" for each raw value or bad response.
    problems: list[str] = field(default_factory=list)
    #: (role, kind of page) already checked with axe-core.
    checked: set[tuple[str, str]] = field(default_factory=set)

    def read(self, page: Page, who: str) -> None:
        """Record the page `who` has open, look for raw values, and check its screen if
        it is the first of its kind for their role."""
        path = path_of(page.url)
        self.opened.append(f"{who} {path}")
        meant = {kind for meant_path, kind in MEANT if meant_path == path}
        found = raw_values(body_text(page), ignore=meant)
        self.problems += [f"{who} {path}: {problem}" for problem in found]
        kind = kind_of(path)
        role = PEOPLE[who]
        if (role, kind) not in self.checked:
            self.checked.add((role, kind))
            self.check_screen(page, f"walk-{role}-{kind}")

    def open(self, page: Page, who: str, path: str, *, unless_at: set[str]) -> None:
        """Go to `path` and read it, unless it redirects to one of `unless_at`."""
        response = page.goto(path)
        if response is None or response.status != 200:
            status = response.status if response is not None else "no response"
            self.problems.append(f"{who} {path}: answered {status}")
        if path_of(page.url) != path and path_of(page.url) in unless_at:
            return
        self.read(page, who)


def body_text(page: Page) -> str:
    page.wait_for_load_state("load")
    return page.inner_text("body")


def path_of(url: str) -> str:
    """The path and query of `url`, as the walk writes it."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def kind_of(path: str) -> str:
    """The kind of page a path is, for naming its screenshot: references and numbers
    become placeholders ("requests-ref-edit-purpose", "audit-log-before")."""
    parts = urlsplit(path)
    words = REFERENCE.sub("ref", parts.path)
    words = re.sub(r"\d+", "n", words).strip("/").replace("/", "-") or "home"
    keys = sorted({key for key, _ in parse_qsl(parts.query)})
    return "-".join([words, *keys])


def links(page: Page, origin: str) -> list[str]:
    """The pages the links on `page` lead to, as paths, in the order they appear."""
    hrefs: list[str] = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin or parts.path.startswith(NOT_PAGES):
            continue
        if not {key for key, _ in parse_qsl(parts.query)} <= FOLLOWED_KEYS:
            continue
        found.append(path_of(href.split("#")[0]))
    return found


def walk_from(walk: Walk, page: Page, who: str, origin: str, start: Iterable[str]) -> None:
    """Open every page reachable by links from `start`, breadth first, each once."""
    queue = deque(dict.fromkeys(start))
    seen = set(queue)
    opened: set[str] = set()
    while queue:
        path = queue.popleft()
        walk.open(page, who, path, unless_at=opened)
        opened |= {path, path_of(page.url)}  # and where a redirect ended
        assert len(opened) <= MAX_PAGES, f"{who}'s walk opened more than {MAX_PAGES} pages"
        seen.add(path_of(page.url))
        for found in links(page, origin):
            if found not in seen:
                seen.add(found)
                queue.append(found)


def test_no_page_anyone_can_reach_shows_a_raw_value(
    browser_page: NewPage, check_screen: CheckScreen
):
    walk = Walk(check_screen)
    for who in PEOPLE:
        page = browser_page()
        sign_in(page, who, screen=lambda page, who=who: walk.read(page, who))
        origin = f"{urlsplit(page.url).scheme}://{urlsplit(page.url).netloc}"
        navigation = page.locator(".govuk-service-navigation a[href]")
        start = [path_of(href) for href in navigation.evaluate_all("a => a.map(l => l.href)")]
        walk_from(walk, page, who, origin, start)
        if who == "auditor":
            page.goto("/audit-log/verify")
            page.get_by_role("button", name="Check the whole log from the start").click()
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            walk.read(page, who)

    PAGES_WALKED.parent.mkdir(parents=True, exist_ok=True)
    PAGES_WALKED.write_text("\n".join(walk.opened) + "\n")
    print(f"\n{len(walk.opened)} pages walked, listed in {PAGES_WALKED}:")
    print("\n".join(walk.opened))
    # Each person sees their own lists and pages, not just the sign-in screens.
    for who in PEOPLE:
        assert sum(line.startswith(f"{who} ") for line in walk.opened) > 5, who
    problems = walk.problems
    assert not problems, "pages show raw values:\n" + "\n".join(problems)
