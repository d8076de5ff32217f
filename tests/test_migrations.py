"""The migrations build exactly the models' schema, and undo themselves cleanly.

Each test gets its own empty database (a new SQLite file, or a throw-away PostgreSQL
database next to TEST_DATABASE_URL's), so nothing here touches the shared test schema.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import Connection, create_engine, inspect, make_url, text
from sqlalchemy.exc import DBAPIError

from app import create_app
from app.audit.chain import append_event
from app.audit.events import EventType
from app.extensions import db
from config import TestConfig as PermitConfig
from tests.conftest import MIGRATIONS
from tests.database import BACKENDS, TEST_DATABASE_URL

VERSIONS = Path(MIGRATIONS) / "versions"


@pytest.fixture(params=BACKENDS)
def empty_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """An app, inside an app context, on a brand-new database with no tables at all."""
    if request.param == "sqlite":
        yield from _app_on(f"sqlite:///{tmp_path / 'migrations.db'}")
        return
    server_url = make_url(PermitConfig(TEST_DATABASE_URL).SQLALCHEMY_DATABASE_URI)
    name = f"{server_url.database}_mig"
    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield from _app_on(server_url.set(database=name).render_as_string(hide_password=False))
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def _app_on(url: str) -> Iterator[Flask]:
    app = create_app(PermitConfig(url))
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def schema_differences(connection: Connection) -> list:
    """What autogenerate would write to make the database match the models."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, db.metadata)


def application_tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def append_only_triggers(connection: Connection) -> set[str]:
    if connection.dialect.name == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    return set(connection.execute(text(query)).scalars())


def trigger_functions(connection: Connection) -> set[str]:
    """PostgreSQL functions the migrations created (the trigger's body)."""
    if connection.dialect.name != "postgresql":
        return set()
    query = (
        "SELECT proname FROM pg_proc JOIN pg_namespace ON pg_namespace.oid = pronamespace "
        "WHERE nspname = 'public'"
    )
    return set(connection.execute(text(query)).scalars())


def assert_at_head() -> None:
    """Every model's table, exactly as the models say, and audit_events append-only."""
    with db.engine.connect() as connection:
        assert application_tables(connection) == set(db.metadata.tables)
        assert schema_differences(connection) == []
    append_event(db.session, EventType.DEMO_DATA_SEEDED, payload={})
    db.session.commit()
    for statement in ("UPDATE audit_events SET comment = 'changed'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.scalar(text("SELECT count(*) FROM audit_events")) == 1
    db.session.remove()  # end the transaction: it would block the next migration


def assert_empty() -> None:
    """No table but Alembic's, and no trigger or trigger function left behind."""
    with db.engine.connect() as connection:
        assert application_tables(connection) == set()
        assert append_only_triggers(connection) == set()
        assert trigger_functions(connection) == set()


def test_upgrade_from_empty_matches_the_models_and_downgrade_removes_everything(empty_app):
    assert_empty()

    flask_migrate.upgrade(directory=MIGRATIONS)
    assert_at_head()

    flask_migrate.downgrade(directory=MIGRATIONS, revision="base")
    assert_empty()

    flask_migrate.upgrade(directory=MIGRATIONS)
    assert_at_head()


def test_each_revision_downgrades_to_its_parent_and_upgrades_again(empty_app):
    """A stairway: every step up, down one and up again, from base to head."""
    script = ScriptDirectory(MIGRATIONS)
    revisions = list(reversed(list(script.walk_revisions("base", "heads"))))
    assert revisions, "no migrations found"
    for revision in revisions:
        flask_migrate.upgrade(directory=MIGRATIONS, revision=revision.revision)
        flask_migrate.downgrade(directory=MIGRATIONS, revision=revision.down_revision or "base")
        flask_migrate.upgrade(directory=MIGRATIONS, revision=revision.revision)
        with db.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
        assert current == (revision.revision,)
    assert_at_head()


def _is_filler(statement: ast.stmt) -> bool:
    """`pass`, `...` or a bare string: a statement that does nothing."""
    return isinstance(statement, ast.Pass) or (
        isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
    )


@pytest.mark.parametrize("path", sorted(VERSIONS.glob("*.py")), ids=lambda path: path.name)
def test_every_migration_has_a_downgrade_that_does_something(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert "upgrade" in functions, f"{path.name} has no upgrade()"
    assert "downgrade" in functions, f"{path.name} has no downgrade()"
    body = functions["downgrade"].body
    assert not all(_is_filler(statement) for statement in body), (
        f"{path.name}: downgrade() does nothing"
    )


def test_an_installation_with_tiktok_gets_its_handle_rule(empty_app):
    """Seeded before 0004, TikTok would otherwise take any handle: seeding adds, never changes."""
    flask_migrate.upgrade(directory=MIGRATIONS, revision="0003")
    for name in ("TikTok", "Mastodon"):
        db.session.execute(
            text(
                "INSERT INTO platforms (name, restricted, risk_notes, active) "
                "VALUES (:name, true, '', true)"
            ),
            {"name": name},
        )
    db.session.commit()
    db.session.remove()

    flask_migrate.upgrade(directory=MIGRATIONS, revision="0004")
    rules = db.session.execute(
        text("SELECT name, handle_max_length, handle_punctuation FROM platforms ORDER BY name")
    ).all()
    assert [tuple(row) for row in rules] == [("Mastodon", None, ""), ("TikTok", 24, "_.")]
    db.session.remove()

    flask_migrate.downgrade(directory=MIGRATIONS, revision="0003")
    names = db.session.scalars(text("SELECT name FROM platforms ORDER BY name")).all()
    assert names == ["Mastodon", "TikTok"]
    db.session.remove()
