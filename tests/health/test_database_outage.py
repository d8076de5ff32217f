"""The database goes away under a running app: pages answer 503 with the service's
"Sorry, there is a problem with the service" page, /readyz 503, the API a 503 problem,
never a 500 or a traceback; and the same app answers again once the database is back.

The outage is made in the engine: every new connection is refused with the driver's own
OperationalError (what psycopg raises for a refused or lost connection, sqlite3 for a
file it cannot open), and the pool is emptied so that no connection survives it.
tests/faults/test_database_outage.py does the same to a real gunicorn through a cut TCP
proxy in front of PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError, OperationalError

from app.extensions import db
from app.web.errors import database_unreachable
from tests.api.conftest import make_token
from tests.factories import World
from tests.web.client import csrf_token, make_client, sign_in

SORRY = "Sorry, there is a problem with the service"


@contextmanager
def database_away() -> Iterator[None]:
    """Until the block ends, the database refuses every connection."""
    engine = db.engine

    def refuse(dialect: Any, _record: Any, _args: Any, _params: Any) -> None:
        raise dialect.loaded_dbapi.OperationalError("connection refused (the test's outage)")

    db.session.remove()
    engine.dispose()
    event.listen(engine, "do_connect", refuse)
    try:
        yield
    finally:
        event.remove(engine, "do_connect", refuse)


def assert_sorry_page(response: Any) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert SORRY in page and "Try again later." in page
    assert "Traceback" not in page and "OperationalError" not in page
    assert response.headers["Retry-After"].isdigit()


def test_a_signed_in_page_is_the_sorry_page_and_comes_back_by_itself(world: World, app):
    """The first query is Flask-Login's look-up of the session: its failure is a 503 too."""
    browser = make_client(app)
    assert sign_in(browser, world.officer).status_code == 302
    assert browser.get("/requests/").status_code == 200
    with database_away():
        answer = browser.get("/requests/")
        assert_sorry_page(answer)
        assert "Sign out" not in answer.get_data(as_text=True)  # drawn as for nobody
    assert browser.get("/requests/").status_code == 200


def test_signing_in_is_the_sorry_page(world: World, app):
    browser = make_client(app)
    token = csrf_token(browser.get("/sign-in"))
    form = {"email": world.officer.email, "password": "whatever", "csrf_token": token}
    with database_away():
        assert_sorry_page(browser.post("/sign-in", data=form))


def test_readyz_is_503_while_the_database_is_away(app):
    with database_away():
        answer = app.test_client().get("/readyz")
        assert answer.status_code == 503
        assert answer.get_json()["database"] == "unreachable"
    assert app.test_client().get("/readyz").status_code == 200


def test_the_api_answers_a_503_problem(world: World, app):
    _, token = make_token(world.officer)
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    with database_away():
        answer = client.get("/api/v1/requests", headers=headers)
        assert answer.status_code == 503
        assert answer.mimetype == "application/problem+json"
        problem = answer.get_json()
        assert problem["status"] == 503
        assert problem["type"] == "https://permit.service.gov.uk/problems/service-unavailable"
        assert "Traceback" not in answer.get_data(as_text=True)
        assert answer.headers["Retry-After"].isdigit()
    assert client.get("/api/v1/requests", headers=headers).status_code == 200


def test_the_outage_is_logged_without_the_statement(world: World, app, caplog):
    browser = make_client(app)
    form = {"email": "a@b.c", "password": "p", "csrf_token": csrf_token(browser.get("/sign-in"))}
    with database_away(), caplog.at_level(logging.ERROR, logger="permit.database"):
        assert_sorry_page(browser.post("/sign-in", data=form))
    lines = [r.getMessage() for r in caplog.records if r.name == "permit.database"]
    assert lines and all("the test's outage" in line for line in lines), lines
    assert not any("SELECT" in line for line in lines)


@pytest.mark.parametrize(
    ("error", "unreachable"),
    [
        (OperationalError("SELECT 1", {}, Exception("server closed the connection")), True),
        (IntegrityError("INSERT", {}, Exception("duplicate key")), False),
        (
            IntegrityError("INSERT", {}, Exception("gone"), connection_invalidated=True),
            True,
        ),
    ],
)
def test_only_errors_of_reaching_the_database_are_503(error, unreachable):
    """Any other database error is a bug, and stays a 500 that Flask logs in full."""
    assert database_unreachable(error) is unreachable


@pytest.mark.postgresql_only
def test_a_connection_lost_after_the_answer_was_made_does_not_turn_it_into_a_500(app):
    """Regression (make test-faults, 2026-12-07): a read's answer was ready when the
    database went away; the ROLLBACK that ends the call's session at teardown failed, and
    gunicorn sent a 500 instead of the answer. Now the dead connection is dropped. (A
    connection lost under a live server: PostgreSQL's case; SQLite has no server.)"""
    db.session.execute(text("SELECT 1"))  # a read leaves its transaction open, as pages do
    engine = db.engine
    original = engine.dialect.do_rollback
    rollbacks = []

    def lost(_connection: Any) -> None:
        rollbacks.append(1)
        raise engine.dialect.loaded_dbapi.OperationalError("server closed the connection")

    engine.dialect.do_rollback = lost
    try:
        app.do_teardown_appcontext(None)  # what Flask runs once the answer is made
    finally:
        engine.dialect.do_rollback = original
    assert rollbacks, "the teardown never tried the ROLLBACK"
    assert db.session.execute(text("SELECT 1")).scalar() == 1  # the next call is served
