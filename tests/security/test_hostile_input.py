"""Hostile input: whatever arrives in a form or a query string, the answer is a GOV.UK
error summary, a 400 or a 413, never a 500, and nothing refused is stored; markup that
is accepted is shown escaped on every page.

The forms are found, not listed: every POST route of the route table, its form read from
the page that shows it (every section of a request, each of its own), filled in as a
browser would with one field made hostile at a time. Refused sign-in steps may record
their failure (ASVS 7.2.1 asks for that); nothing else may change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote_from_bytes, urlencode

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from app.audit.events import EventType
from app.extensions import db
from app.models import AuditEvent
from app.screens.requests.sections import SECTIONS
from tests.security.route_table import (
    ROUTES_BY_KEY,
    Route,
    Subject,
    Use,
    Who,
    by_principal,
    principal,
    rows,
)
from tests.security.support import (
    Form,
    People,
    Stored,
    changes,
    error_summary,
    form_on_page,
    prepared,
    stored,
)
from tests.web.client import PermitClient

pytestmark = pytest.mark.asvs("5.1.3", "5.1.4")

#: Both payloads in one value: a script element, and breaking out of an attribute.
MARKUP = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
#: What must never reach a page as it is (escaped, it is harmless text).
LIVE_MARKUP = ("<script>alert(1)", "<img src=x onerror=alert(1)>")
ESCAPED_MARKUP = "&lt;script&gt;alert(1)&lt;/script&gt;"

#: Values for a field a person types into.
TYPED: dict[str, str] = {
    "markup": MARKUP,
    "NUL": "a\x00b",
    "escape and delete": "a\x1b[31m\x7fb",
    # Over any sensible limit (the longest answer is 5,000 characters): every field must
    # have one. A whole megabyte goes in one field of each form (MEGABYTE).
    "20,000 characters": "x" * 20_000,
}
MEGABYTE = "x" * 1_000_000
#: Values for hidden fields, radios and selects (which a browser sends as the page set them).
CHOSEN: dict[str, str] = {"markup": MARKUP, "huge number": "9" * 40}
#: Percent-encoded bytes that are not UTF-8, spliced into the body as they are.
NOT_UTF8: dict[str, bytes] = {"ff fe": b"%ff%fe", "lone surrogate": b"%ed%a0%80"}
#: Day, month and year boxes.
BAD_DATES: dict[str, tuple[str, str, str]] = {
    "30 February": ("30", "2", "2026"),
    "99/99/9999": ("99", "99", "9999"),
    "letters": ("a", "b", "c"),
    "huge year": ("1", "1", "99999"),
    "a page of digits": ("1", "1", "9" * 5000),
    "negative day": ("-1", "1", "2026"),
    "Arabic-Indic digit": ("\u0661", "1", "2026"),
}
#: Audit events a refused sign-in step records, whatever was typed.
FAILURE_EVENTS = frozenset(
    {
        EventType.SIGN_IN_FAILED,
        EventType.TWO_FACTOR_FAILED,
        EventType.PASSWORD_CHANGE_FAILED,
        EventType.ACCOUNT_LOCKED,
    }
)
#: For a field of the decision form, the outcome that reads it.
OUTCOME_FOR = {
    "conditions": "approve_with_conditions",
    "changes_reason": "request_changes",
    "rejection_reason": "reject",
}

POSTS_BY_PRINCIPAL = by_principal(rows("POST"))
EDIT = "POST /requests/<reference>/edit/<section>"


@pytest.fixture(autouse=True)
def no_rate_limits_or_lockouts(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hundreds of refused posts from one address: rate limits and lockouts have tests of
    their own (tests/web/security); here every post must reach the form's checks."""
    monkeypatch.setitem(app.config, "RATELIMIT_SIGN_IN_PER_ADDRESS", "100000 per minute")
    monkeypatch.setitem(app.config, "RATELIMIT_SIGN_IN_PER_ACCOUNT", "100000 per minute")
    monkeypatch.setitem(app.config, "LOCKOUT_THRESHOLD", 100000)


# Sending a form ------------------------------------------------------------------------


@dataclass
class Target:
    """A form to attack: the route, its subject, the browser, and the form as the page
    drew it with the route's own good answers filled in."""

    row: Route
    subject: Subject
    client: PermitClient
    pairs: list[tuple[str, str]]
    fields: dict[str, str]

    @property
    def url(self) -> str:
        return self.row.url(self.subject)

    def with_value(self, name: str, values: list[str]) -> list[tuple[str, str]]:
        """The form with every box called `name` holding the next of `values`."""
        given = iter(values)
        return [(key, next(given, values[-1]) if key == name else v) for key, v in self.pairs]

    def post(self, pairs: list[tuple[str, str]], raw: bytes = b"") -> TestResponse:
        body = urlencode(pairs).encode("ascii") + raw
        return self.client.post(
            self.url, data=body, content_type="application/x-www-form-urlencoded"
        )


def variants(row: Route) -> list[dict[str, str]]:
    """Each form a route takes: a request's every section, one form each."""
    if row.key == EDIT:
        return [{"section": slug} for slug in SECTIONS]
    return [{}]


def target(
    people: People, who: Who, row: Route, values: dict[str, str], subject: Subject | None = None
) -> Target:
    """`who`'s browser ready for `subject` (a fresh one if None), and the form read from
    its page, with the route's own good answers filled in."""
    if subject is None:
        subject = row.subject(people.world)
        subject.values.update(values)
    client = prepared(people, who, row, subject)
    form: Form | None = form_on_page(client, row, subject) if row.form_page else None
    good = {k: str(v) for k, v in row.form(Use(people.world, who, client), subject).items()}
    if form is None:
        pairs = [*good.items(), ("csrf_token", people.token(client))]
        return Target(row, subject, client, pairs, {})
    pairs = [(name, good.get(name, value)) for name, value in form.data()]
    pairs += [(name, value) for name, value in good.items() if name not in dict(pairs)]
    kinds = {field.name: field.kind for field in form.fields if field.name != "csrf_token"}
    return Target(row, subject, client, pairs, kinds)


def again(people: People, who: Who, current: Target, values: dict[str, str]) -> Target:
    """The form once more after a change was accepted: for the same subject while its page
    still offers the form (a section saved), else for a fresh one (a request withdrawn)."""
    if current.row.form_page is not None and current.fields:
        try:
            following = target(people, who, current.row, values, current.subject)
        except AssertionError:  # the page no longer offers the form
            following = None
        if following is not None and following.fields.keys() == current.fields.keys():
            return following
    return target(people, who, current.row, values)


def date_fields(target: Target) -> list[str]:
    """Fields drawn as three boxes (day, month, year) sharing one name."""
    names = [name for name, _ in target.pairs]
    return [name for name in dict.fromkeys(names) if names.count(name) == 3]


# Judging an answer ---------------------------------------------------------------------


def refused(response: TestResponse) -> bool:
    """A refusal a person can act on: an error summary on the page, or a 4xx page."""
    if 400 <= response.status_code < 500:
        return True
    return (
        response.status_code == 200 and error_summary(response.get_data(as_text=True)) is not None
    )


def explained(response: TestResponse) -> bool:
    """An error summary on the page, or 413 for a body too large to read."""
    page = response.get_data(as_text=True)
    return response.status_code == 413 or error_summary(page) is not None


def assert_safe(response: TestResponse, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"
    page = response.get_data(as_text=True)
    for live in LIVE_MARKUP:
        assert live not in page, f"{what}: markup shown unescaped"


def assert_nothing_stored(before: Stored, what: str) -> Stored:
    """Nothing changed but, at most, the record of a refused sign-in step; the database
    as it now is (the next attack's "before")."""
    after = stored()
    found = [change for change in changes(before, after) if not change.startswith("audit_")]
    assert not found, f"{what}: refused, yet {found}"
    if after.audit_head != before.audit_head:
        added = db.session.scalars(
            select(AuditEvent.event_type).where(AuditEvent.seq > before.audit_head[0])
        ).all()
        assert set(added) <= FAILURE_EVENTS, f"{what}: refused, yet audited {added}"
    return after


#: Builds one attack's form from the form as it now stands: (fields, raw bytes to add).
Attack = Callable[[Target], tuple[list[tuple[str, str]], bytes]]


def attacks(target: Target) -> Iterator[tuple[str, str, Attack]]:
    """(description, the field attacked, how to build it) for every attack on the form."""
    dates = date_fields(target)

    def boxes(name: str, values: list[str]) -> Attack:
        return lambda current: (current.with_value(name, values), b"")

    for name, kind in target.fields.items():
        if kind == "button":
            continue
        if name in dates:
            for label, parts in BAD_DATES.items():
                yield f"{name} {label}", name, boxes(name, list(parts))
        values = TYPED if kind == "text" or name in dates else CHOSEN
        if kind in ("radio", "checkbox", "select"):  # a choice: anything not offered
            values = {"markup": MARKUP}
        for label, value in values.items():
            yield f"{name} {label}", name, boxes(name, [value])
    typed = next((n for n, k in target.fields.items() if k == "text"), "comment")

    def not_utf8(raw: bytes) -> Attack:
        field = b"&" + quote_from_bytes(typed.encode()).encode() + b"="
        return lambda current: ([(k, v) for k, v in current.pairs if k != typed], field + raw)

    for label, raw in NOT_UTF8.items():
        yield f"the body, {label}", typed, not_utf8(raw)
    if typed != "comment":  # once per route: a request's sections share their fields' checks
        yield "a 1 MB field", typed, boxes(typed, [MEGABYTE])
    yield (
        "a 2 MB body",
        "padding",
        lambda current: ([*current.pairs, ("padding", "x" * 2_000_000)], b""),
    )


def with_outcome(pairs: list[tuple[str, str]], field: str) -> list[tuple[str, str]]:
    """On the decision form, the outcome that reads the field under attack (so that the
    field is read, not ignored)."""
    outcome = OUTCOME_FOR.get(field)
    if outcome is None:
        return pairs
    return [(key, outcome if key == "outcome" else value) for key, value in pairs]


# The tests -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", sorted(POSTS_BY_PRINCIPAL), ids=str)
def test_every_form_refuses_hostile_input_or_shows_it_escaped(people, world, who, subtests):
    people.ready(who)
    for row in POSTS_BY_PRINCIPAL[who]:
        seen: set[str] = set()  # a request's sections share hidden fields and the body
        stored_markup: list[tuple[Target, str]] = []
        for values in variants(row):
            current = target(people, who, row, values)
            before = stored()
            for description, field, attack in list(attacks(current)):
                if description in seen:
                    continue
                seen.add(description)
                what = f"{row.url(current.subject)} {description}"
                with subtests.test(form=row.key, **values, attack=description):
                    pairs, raw = attack(current)
                    pairs = with_outcome(pairs, field)
                    response = current.post(pairs, raw)
                    assert_safe(response, what)
                    if refused(response):
                        if current.fields.get(field) == "text" and "body" not in description:
                            # What a person typed is explained on the page (or, a whole
                            # megabyte, refused as too large before it is read).
                            assert explained(response), f"{what}: {response.status_code}"
                        before = assert_nothing_stored(before, what)
                        continue
                    # Only markup may be stored (and is then shown escaped); a checkbox
                    # is ticked whatever value it sends, and stores only that it was.
                    if current.fields.get(field) != "checkbox":
                        assert description.endswith("markup"), f"{what}: accepted"
                        stored_markup.append((current, what))
                current = again(people, who, current, values)
                before = stored()
        for accepted, what in unique_subjects(stored_markup):
            with subtests.test(form=row.key, shown=what):
                shown_escaped(people, accepted, what)
    # Refusals are recorded too (a failed sign-in names the address typed): as shown.
    audit_log = people.client(Who.AUDITOR).get("/audit-log/?event_type=sign_in_failed")
    assert_safe(audit_log, "the audit log after every attack")


def unique_subjects(accepted: list[tuple[Target, str]]) -> list[tuple[Target, str]]:
    """One (target, what) per subject: its pages show all the markup stored on it."""
    by_subject = {id(target.subject): (target, what) for target, what in accepted}
    return list(by_subject.values())


def shown_escaped(people: People, target: Target, what: str) -> None:
    """Every page that could show what the form stored shows it escaped, and, for a
    request, at least one shows it."""
    pages = pages_about(target)
    shown = False
    for who, url in pages:
        response = people.client(who).get(url)
        assert_safe(response, f"{what}, then {who} opened {url}")
        shown = shown or ESCAPED_MARKUP in response.get_data(as_text=True)
    if target.subject.request is not None:
        assert shown, f"{what}: accepted, but shown on none of {pages}"


def pages_about(target: Target) -> list[tuple[Who, str]]:
    """The pages that show what the form stores, and who opens them: the audit log, and
    for a request its page, record, answers and the form's own page, as each role sees
    them."""
    pages: list[tuple[Who, str]] = [(Who.AUDITOR, "/audit-log/")]
    if target.subject.request is None:
        return [*pages, (Who.ADMIN, "/admin/")]
    reference = target.subject.request.reference
    pages += [
        (Who.OFFICER, f"/requests/{reference}"),
        (Who.OFFICER, f"/requests/{reference}/record"),
        (Who.OFFICER, f"/requests/{reference}/check"),
        (Who.OFFICER, "/requests/"),
        (Who.AUDITOR, f"/requests/{reference}"),
        (Who.SECURITY, f"/review/{reference}/decide"),
        (Who.SECURITY, "/review/"),
    ]
    if target.row.form_page is not None:
        form_page = Route("GET", target.row.form_page, frozenset()).url(target.subject)
        pages.append((principal(target.row), form_page))
    return pages


#: The pages that read a query string, who reads each, and the parameters it reads.
QUERY_PAGES: dict[str, tuple[Who, tuple[str, ...]]] = {
    "/audit-log/": (
        Who.AUDITOR,
        (
            "date_from",
            "date_to",
            "department",
            "platform",
            "event_type",
            "actor",
            "reference",
            "before",
            "after",
        ),
    ),
    "/review/": (Who.SECURITY, ("department", "platform", "sort", "order", "page")),
    "/requests/": (Who.OFFICER, ("page",)),
    "/admin/outbox": (Who.ADMIN, ("status", "page")),
    "/sign-in": (Who.ANONYMOUS, ("next",)),
}
QUERY_VALUES: dict[str, str] = {
    "markup": quote_from_bytes(MARKUP.encode()),
    "NUL": "a%00b",
    "not UTF-8": "%ff%fe",
    "huge number": "9" * 400,
    "letters": "abc",
    "long": "x" * 20_000,
}


@pytest.mark.parametrize("path", sorted(QUERY_PAGES))
def test_hostile_query_strings_get_a_page_never_a_500(people, world, path, subtests):
    who, names = QUERY_PAGES[path]
    client = people.client(who)
    for name in names:
        for label, value in QUERY_VALUES.items():
            with subtests.test(name=name, value=label):
                query = f"{name}={value}"
                if name.startswith("date_"):  # three boxes, one name
                    query = "&".join([query] * 3)
                response = client.get(f"{path}?{query}")
                assert_safe(response, f"{path}?{name}={label}")
                assert response.status_code in (200, 302, 404), response.status_code


@pytest.mark.parametrize("who", [Who.OFFICER], ids=str)
def test_every_page_survives_a_hostile_query_string(people, world, who, subtests):
    names = {name for _, names in QUERY_PAGES.values() for name in names}
    query = "&".join(f"{name}={QUERY_VALUES['markup']}&{name}=%ff" for name in sorted(names))
    people.ready(who)
    for row in rows("GET"):
        with subtests.test(route=row.key):
            subject = row.subject(world)
            client = prepared(people, who, row, subject)
            response = client.get(f"{row.url(subject)}?{query}")
            assert_safe(response, row.key)


def test_markup_in_a_request_is_shown_escaped_everywhere(people, world):
    """A request whose every answer is markup: no page shows it live."""
    # On a platform whose handles are not checked, so the handle can be markup too
    # (TikTok's rule refuses it: tests/web/requests/test_account_handle.py).
    world.platform.handle_rule = None
    db.session.commit()
    row = ROUTES_BY_KEY[EDIT]
    assert principal(row) is Who.OFFICER
    subject = row.subject(world)
    client = people.client(Who.OFFICER)
    for slug in ("account", "purpose", "people", "device", "data-protection", "risks"):
        subject.values["section"] = slug
        form = form_on_page(client, row, subject)
        assert form is not None
        pairs = [(n, MARKUP if n in form.typed() else v) for n, v in form.data()]
        response = client.post(
            row.url(subject),
            data=urlencode(pairs),
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 302, error_summary(response.get_data(as_text=True))
    shown_escaped(people, Target(row, subject, client, [], {}), "every answer markup")


@pytest.mark.parametrize(
    "email", ["olive\x00@example.gov.uk", "olive@example.gov.uk\x1b", "x" * 255]
)
def test_a_sign_in_email_that_cannot_be_an_address_is_explained(people, world, email):
    """Regression: a NUL in the email address was a 500 on PostgreSQL (the query failed)."""
    client = people.client(Who.ANONYMOUS)
    token = people.token(client)
    before = stored()
    response = client.post(
        "/sign-in", data={"email": email, "password": "anything", "csrf_token": token}
    )
    assert response.status_code == 200
    summary = error_summary(response.get_data(as_text=True))
    assert summary is not None and "Enter an email address in the correct format" in summary
    assert not changes(before, stored())


def test_a_form_that_is_not_utf8_is_refused_not_stored_as_text(people, world):
    """Regression: Werkzeug read `purpose=%ff%fe` as the text "%FF%FE", and it was saved."""
    row = ROUTES_BY_KEY[EDIT]
    subject = row.subject(world)
    client = people.ready(Who.OFFICER)
    form = form_on_page(client, row, subject)
    assert form is not None
    pairs = [(name, value) for name, value in form.data() if name != "purpose"]
    before = stored()
    response = client.post(
        row.url(subject),
        data=urlencode(pairs).encode() + b"&purpose=%ff%fe",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "There is a problem with your request" in response.get_data(as_text=True)
    assert not changes(before, stored())
