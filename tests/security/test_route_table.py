"""Deny by default, checked against the app: every route has a row in the route table
(tests/security/route_table.py), and every row answers every person as it says.

Allowed people succeed; everyone else signed in gets 403, or 404 where the row says the
object's existence must not leak; a signed-out person is sent to sign in. A refusal
changes nothing. POSTs carry a valid CSRF token, so a 403 is the access check's own.
"""

from __future__ import annotations

import pytest
from flask import Flask

import config
from app import create_app
from tests.security.route_table import ROUTES, Maker, Route, Subject, Who, rows, stale, unlisted
from tests.security.support import TO_SIGN_IN, attempt, changes, stored

pytestmark = pytest.mark.asvs("4.1.1", "4.1.3", "4.1.5", "4.2.1", "4.3.1")


def test_every_route_the_app_serves_has_a_row(app: Flask) -> None:
    missing = unlisted(app)
    assert not missing, (
        "routes with no row in tests/security/route_table.py (say who may use them): "
        + ", ".join(missing)
    )


def test_every_row_names_a_route_the_app_serves(app: Flask) -> None:
    gone = stale(app)
    assert not gone, "rows in tests/security/route_table.py for routes that are gone: " + (
        ", ".join(gone)
    )


def test_the_check_names_a_route_added_without_a_row() -> None:
    app = create_app(config.TestConfig())
    app.add_url_rule("/reports/<int:report_id>", "reports", lambda report_id: "", methods=["POST"])
    app.add_url_rule("/dummy", "dummy", lambda: "")

    assert unlisted(app) == ["GET /dummy", "POST /reports/<int:report_id>"]
    assert stale(app) == []
    with pytest.raises(AssertionError) as failure:
        test_every_route_the_app_serves_has_a_row(app)
    assert "GET /dummy, POST /reports/<int:report_id>" in str(failure.value)


def test_a_row_for_a_route_that_is_gone_is_named() -> None:
    app = create_app(config.TestConfig())
    extra = Route("GET", "/reports", frozenset({Who.ADMIN}))
    assert stale(app, [*ROUTES, extra]) == ["GET /reports"]


@pytest.mark.parametrize("who", list(Who))
def test_every_route_answers_each_person_as_the_table_says(people, world, who, subtests):
    people.ready(who)  # signed in before the first "nothing changed" picture
    read_only: dict[Maker, Subject] = {}  # what GETs may share: they change nothing
    for row in ROUTES:
        with subtests.test(route=row.key):
            if row.method != "GET":
                subject = row.subject(world)
            elif row.subject not in read_only:
                subject = read_only[row.subject] = row.subject(world)
            else:
                subject = read_only[row.subject]
            refused = who not in row.allowed and row.method != "GET"
            before = stored() if refused else None
            response = attempt(people, who, row, subject)
            expected = row.expected(who)
            location = response.headers.get("Location", "")
            assert response.status_code == expected, (
                f"{who} {row.key}: expected {expected}, got {response.status_code} {location}"
            )
            if before is not None:
                assert not changes(before, stored()), f"{who} was refused {row.key}"
            if row.api:
                if expected >= 400:  # the API answers with a problem, never a page
                    assert response.mimetype == "application/problem+json"
            elif who is Who.ANONYMOUS and who not in row.allowed:
                assert location.startswith(TO_SIGN_IN), location
            elif expected == 302:
                assert not location.startswith(TO_SIGN_IN), f"{who} {row.key} -> {location}"
            if expected == 403 and not row.api:  # a page of the service, saying why
                assert "govuk-template" in response.get_data(as_text=True)
            if expected == 404 and not row.api:
                assert "Page not found" in response.get_data(as_text=True)


@pytest.mark.parametrize("who", [Who.OFFICER, Who.SECURITY, Who.AUDITOR], ids=str)
def test_the_api_refuses_a_signed_in_browser_without_a_token(people, world, who, subtests):
    """The API reads only its Bearer token: a session cookie alone is a 401 (and so a
    page on another site cannot make a browser act through it)."""
    client = people.ready(who)
    for row in rows(api=True):
        if Who.ANONYMOUS in row.allowed:  # the public OpenAPI document
            continue
        with subtests.test(route=row.key):
            subject = row.subject(world)
            before = stored()
            body = {} if row.method == "GET" else {"outcome": "approve", "kind": "new_account"}
            json = None if row.method == "GET" else body
            response = client.open(row.url(subject), method=row.method, json=json)
            assert response.status_code == 401
            assert not changes(before, stored())
