"""Test databases: which backends to run on, and how to empty one between tests.

Every test runs on SQLite; with TEST_DATABASE_URL set (as .ci/run does) it runs on that
PostgreSQL database too. The schema is built by the real migrations, once per backend.
Under pytest-xdist (`-n 2`) each worker has a PostgreSQL database of its own beside that
one, made when the worker starts and dropped when it ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, create_engine, make_url, text

from app.extensions import db
from config import normalise_database_url

#: The database given, or under pytest-xdist this worker's own database beside it.
GIVEN_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _for_this_worker(url: str) -> str:
    if not url or not _WORKER:
        return url
    given = make_url(normalise_database_url(url))
    return given.set(database=f"{given.database}_{_WORKER}").render_as_string(hide_password=False)


TEST_DATABASE_URL = _for_this_worker(GIVEN_DATABASE_URL)
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


def reset_schema(connection: Connection) -> None:
    """Drop everything in a PostgreSQL database so migrations start from empty."""
    connection.execute(text("DROP SCHEMA public CASCADE"))
    connection.execute(text("CREATE SCHEMA public"))


def wipe_database() -> None:
    """Delete every row of every table except Alembic's, past the append-only triggers.

    Only tests may do this: it lifts the triggers that protect audit_events, inside one
    transaction, and puts them back before it commits.
    """
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # DELETE, not TRUNCATE: on tables this small it is many times faster.
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            for table in tables:
                connection.execute(text(f'DELETE FROM "{table}"'))
        else:
            triggers = connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            ).all()
            for name, _sql in triggers:
                connection.execute(text(f'DROP TRIGGER "{name}"'))
            for table in tables:
                connection.execute(text(f'DELETE FROM "{table}"'))
            for _name, sql in triggers:
                connection.execute(text(sql))


@contextmanager
def worker_database() -> Iterator[None]:
    """Make this xdist worker's PostgreSQL database for the session, and drop it after."""
    if TEST_DATABASE_URL == GIVEN_DATABASE_URL:
        yield
        return
    url = make_url(TEST_DATABASE_URL)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    drop = f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'
    with admin.connect() as connection:
        connection.execute(text(drop))
        connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    try:
        yield
    finally:
        with admin.connect() as connection:
            connection.execute(text(drop))
        admin.dispose()
