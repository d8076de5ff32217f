"""The pieces the browser fixtures are made of: a live server, the pages a test opens
and what went wrong in them, and axe-core.

The fixtures themselves are in conftest.py; tests import from here only for types.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import flask_migrate
from flask import Flask, got_request_exception, request
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page
from sqlalchemy import create_engine, make_url, text
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app
from app.extensions import db
from app.seed.demo import seed_demo_data
from config import TestConfig, normalise_database_url

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = str(ROOT / "migrations")
#: Root needs --no-sandbox; the others stop Chromium calling out to hosts this closed
#: network refuses (and waiting on them).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
#: How long a Playwright action or assertion waits before failing, in milliseconds.
TIMEOUT_MS = 10_000

CheckScreen = Callable[[Page, str], None]
NewPage = Callable[..., Page]


def numbered(check: CheckScreen, prefix: str) -> CheckScreen:
    """`check`, naming screenshots <prefix>-01-<name>, -02-, ... in the order taken."""
    numbers = itertools.count(1)

    def check_numbered(page: Page, name: str) -> None:
        check(page, f"{prefix}-{next(numbers):02d}-{name}")

    return check_numbered


# The live server ---------------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    app: Flask
    #: Exceptions the app raised while serving, as "METHOD /path: repr(exception)".
    errors: list[str] = field(default_factory=list)


@contextmanager
def postgresql_database(test_database_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database beside `test_database_url`'s, dropped afterwards.

    Its own database, not the one the other tests wipe between tests: the server's
    threads hold connections to it for the whole session.
    """
    base = make_url(normalise_database_url(test_database_url))
    name = f"{base.database}_browser"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def execute(sql: str) -> None:
        with admin.connect() as connection:
            connection.execute(text(sql))

    execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


class _RequestHandler(WSGIRequestHandler):
    """werkzeug's handler, logging only the requests that went wrong (4xx and 5xx), so a
    failing test's output is not buried under every stylesheet and font."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if str(code).isdigit() and int(code) >= 400:
            super().log_request(code, size)


#: The live server this process is serving, for helpers that reach its database as a
#: test would (tests/browser/actions.py's `sign_in`); None while there is none.
_serving: LiveServer | None = None


def serving() -> LiveServer:
    """The live server this process is serving (there is one per test session)."""
    assert _serving is not None, "no live server is running"
    return _serving


@contextmanager
def live_server_on(database_url: str) -> Iterator[LiveServer]:
    """The real app on `database_url`, migrated and demo-seeded, served over HTTP by
    werkzeug in a background thread on 127.0.0.1 at a free port."""
    global _serving
    app = create_app(TestConfig(database_url))
    # Let each browser keep the stylesheets, scripts and fonts instead of asking for every
    # one again on every page: it only makes the journey faster.
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS)
        seed_demo_data()  # the demo logins and password `make run` prints
        db.session.commit()
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_RequestHandler)
    live = LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    _serving = live

    def record(sender: Flask, exception: BaseException, **_: Any) -> None:
        live.errors.append(f"{request.method} {request.full_path}: {exception!r}")

    got_request_exception.connect(record, app)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield live
    finally:
        _serving = None
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        got_request_exception.disconnect(record, app)
        with app.app_context():
            db.engine.dispose()


# Pages and what went wrong in them ----------------------------------------------------


class Browsing:
    """The pages one test opens, each in a browser context of its own, and what went
    wrong in them: console errors, uncaught exceptions, and the server's exceptions."""

    def __init__(self, browser: Browser, live_server: LiveServer) -> None:
        self.browser = browser
        self.live_server = live_server
        self.contexts: list[BrowserContext] = []
        self.problems: dict[Page, list[str]] = {}
        #: Pages whose context has JavaScript turned off.
        self.scripts_off: set[Page] = set()

    def new_page(self, **context_options: Any) -> Page:
        """A page in a new context (its own cookies), like a person at their own computer."""
        context = self.browser.new_context(base_url=self.live_server.url, **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        found: list[str] = []
        self.problems[page] = found
        if context_options.get("java_script_enabled") is False:
            self.scripts_off.add(page)

        def console(message: ConsoleMessage) -> None:
            if message.type == "error":
                where = message.location.get("url", "")
                found.append(f"console error on {page.url}: {message.text} ({where})")

        def page_error(error: Error) -> None:
            found.append(f"page error on {page.url}: {error.message}")

        page.on("console", console)
        page.on("pageerror", page_error)
        return page

    def reported(self) -> list[str]:
        """Every problem any page or the server has shown so far."""
        pages = [message for found in self.problems.values() for message in found]
        server = [f"server exception: {error}" for error in self.live_server.errors]
        return pages + server

    def assert_no_problems(self) -> None:
        """Fail on any problem not yet reported (each is reported once)."""
        reported = self.reported()
        for found in self.problems.values():
            found.clear()
        self.live_server.errors.clear()
        assert not reported, "the browser or the server reported errors:\n" + "\n".join(reported)

    def screenshot_all(self, name: str) -> None:
        """Save every open page as test-artifacts/screenshots/<name>-<n>.png."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for number, page in enumerate(self.problems, start=1):
            if not page.is_closed():
                page.screenshot(path=str(SCREENSHOTS / f"{name}-{number}.png"), full_page=True)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


# axe-core ----------------------------------------------------------------------------


def run_axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.2 A and AA violations on the page as it stands, less the one
    GOV.UK Frontend makes on purpose (see `accepted`)."""
    if page.evaluate("typeof window.axe === 'undefined'"):
        _load_axe(page)
    # Only the violations come back: the passes would be most of the time spent.
    found = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                       resultTypes: ['violations']})
                     .then(result => result.violations)""",
        AXE_TAGS,
    )
    violations = []
    for violation in found:
        nodes = [node for node in violation["nodes"] if not accepted(violation["id"], node)]
        if nodes:
            violations.append({**violation, "nodes": nodes})
    return violations


def _load_axe(page: Page) -> None:
    """Put axe-core in the page. The service's Content-Security-Policy refuses inline
    scripts, which is what add_script_tag(path=...) writes; so axe comes as a script from
    the page's own origin, a request Playwright answers from node_modules."""
    origin = page.evaluate("location.origin")
    if origin == "null":  # a page made with set_content: no policy to satisfy
        page.add_script_tag(path=str(AXE))
        return
    url = f"{origin}/__axe__/axe.min.js"
    page.route(
        url,
        lambda route: route.fulfill(path=str(AXE), content_type="application/javascript"),
        times=1,
    )
    page.add_script_tag(url=url)


_GOVUK_CHOICE = re.compile(r'^<input class="[^"]*\bgovuk-(radios|checkboxes)__input\b')


def accepted(rule: str, node: dict[str, Any]) -> bool:
    """Whether axe's finding is the one we accept: `aria-expanded` on a GOV.UK radio or
    checkbox that reveals a conditional question.

    GOV.UK Frontend's JavaScript sets it on purpose: invalid ARIA for those roles, but
    screen readers announce it and the Design System keeps it after research
    (alphagov/govuk-frontend#979, #1972). Anything else on the same element still fails.
    """
    if rule != "aria-allowed-attr":
        return False
    html = node.get("html", "")
    if not _GOVUK_CHOICE.match(html) or 'aria-controls="conditional-' not in html:
        return False
    attributes = []
    for kind in ("any", "all", "none"):
        for check in node.get(kind) or []:
            data = check.get("data")
            attributes += (data.get("values") or []) if isinstance(data, dict) else [data]
    return bool(attributes) and all(str(value).startswith("aria-expanded=") for value in attributes)


def format_violations(violations: list[dict[str, Any]]) -> str:
    """axe-core's violations, readably: id, impact, how many, and the first element
    (its selector, its HTML and what is wrong with it)."""
    lines = []
    for violation in violations:
        nodes = violation.get("nodes") or [{}]
        first = nodes[0]
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation.get('help', '')};"
            f" {len(violation.get('nodes') or [])} element(s), first {first.get('target', [])}"
        )
        lines.append(f"    {first.get('html', '')[:300]}")
        summary = " ".join(first.get("failureSummary", "").split())
        if summary:
            lines.append(f"    {summary[:300]}")
    return "\n".join(lines)
