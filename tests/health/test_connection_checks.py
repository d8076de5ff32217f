"""Pooled PostgreSQL connections are checked with a ping only after they have been idle
(app.database.ping_idle_connections): a connection in steady use costs no round trip
more, one the server dropped while the service was quiet is replaced before a call sees
it, and one dropped while in use fails a single call with a 503, not a 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from app.database import _LAST_USED
from app.extensions import db
from tests.factories import World
from tests.web.client import make_client, sign_in

pytestmark = pytest.mark.postgresql_only


@contextmanager
def counted_pings() -> Iterator[list[int]]:
    """The pings sent while the block runs."""
    dialect = db.engine.dialect
    original = dialect.do_ping
    pings: list[int] = []

    def ping(dbapi_connection: Any) -> bool:
        pings.append(1)
        return original(dbapi_connection)

    dialect.do_ping = ping  # type: ignore[method-assign]
    try:
        yield pings
    finally:
        dialect.do_ping = original  # type: ignore[method-assign]


def pooled_backends() -> set[int]:
    """The server process of each live connection now in the pool (checked in)."""
    records = db.engine.pool._pool.queue  # type: ignore[attr-defined]
    return {r.dbapi_connection.info.backend_pid for r in records if r.dbapi_connection}


def make_pool_idle(seconds: float) -> None:
    """As if every pooled connection had last been used `seconds` ago."""
    for record in db.engine.pool._pool.queue:  # type: ignore[attr-defined]
        record.info[_LAST_USED] -= seconds


def drop_on_the_server(backends: set[int]) -> None:
    """End those connections from the server's side, as a restart would."""
    other = create_engine(db.engine.url)
    with other.connect() as connection:
        for pid in backends:
            # With a timeout (PostgreSQL 14+), it returns once the process has gone.
            ended = connection.execute(
                text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}
            ).scalar()
            assert ended, f"server process {pid} did not end"
    other.dispose()


@pytest.fixture
def browser(world: World, app):
    """A signed-in browser, and a pool holding one connection, which its last call used.
    (Earlier tests leave the pool as they like: it is started afresh.)"""
    browser = make_client(app)
    assert sign_in(browser, world.officer).status_code == 302
    db.session.remove()  # the test's own session gives its connection back to the pool
    db.engine.dispose()
    assert browser.get("/requests/").status_code == 200
    db.session.remove()
    assert len(pooled_backends()) == 1
    return browser


def test_a_connection_in_steady_use_is_not_pinged(browser):
    with counted_pings() as pings:
        for _ in range(3):
            assert browser.get("/requests/").status_code == 200
            db.session.remove()
    assert pings == []


def test_an_idle_connection_is_pinged_once_before_use(app, browser):
    make_pool_idle(app.config["DATABASE_PING_AFTER_IDLE_SECONDS"] + 1)
    with counted_pings() as pings:
        assert browser.get("/requests/").status_code == 200
        db.session.remove()
        assert browser.get("/requests/").status_code == 200
        db.session.remove()
    assert pings == [1]


def test_an_idle_connection_the_server_dropped_is_replaced_unseen(app, browser):
    dropped = pooled_backends()
    assert dropped
    drop_on_the_server(dropped)
    make_pool_idle(app.config["DATABASE_PING_AFTER_IDLE_SECONDS"] + 1)
    assert browser.get("/requests/").status_code == 200  # not the 503 a busy one gives
    db.session.remove()
    assert pooled_backends().isdisjoint(dropped)


def test_a_busy_connection_the_server_dropped_fails_one_call_with_a_503(browser):
    dropped = pooled_backends()
    drop_on_the_server(dropped)
    answer = browser.get("/requests/")
    assert answer.status_code == 503  # the sorry page (app.web.errors), never a 500
    db.session.remove()
    assert browser.get("/requests/").status_code == 200
    db.session.remove()
    assert pooled_backends().isdisjoint(dropped)
