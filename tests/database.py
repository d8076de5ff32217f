"""Test databases: which backends to run on, and how to empty one between tests.

Every test runs on SQLite; with TEST_DATABASE_URL set (as .ci/run does) it runs on that
PostgreSQL database too. The schema is built by the real migrations, once per backend.
"""

from __future__ import annotations

import os

from sqlalchemy import Connection, text

from app.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
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
