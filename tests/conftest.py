"""Fixtures: an app per backend, a clean database per test, and a standard cast."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import create_engine

from app import create_app
from app.extensions import db, limiter
from config import TestConfig
from tests import factories, optional
from tests.database import BACKENDS, TEST_DATABASE_URL, reset_schema, wipe_database, worker_database

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


@pytest.fixture(scope="session", autouse=True)
def _worker_database() -> Iterator[None]:
    with worker_database():
        yield


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of a database migrated to head, once per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'permit.db'}"
    else:
        url = TestConfig(TEST_DATABASE_URL).SQLALCHEMY_DATABASE_URI
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            reset_schema(connection)
        engine.dispose()
    app = create_app(TestConfig(url))
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS)
        db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def session_app(database_url: str) -> Flask:
    return create_app(TestConfig(database_url))


@pytest.fixture
def app(session_app: Flask) -> Iterator[Flask]:
    """The app, inside an app context, on an empty migrated database."""
    with session_app.app_context():
        wipe_database()
        limiter.reset()  # rate-limit counters are per test, like the database
        yield session_app
        db.session.remove()


@pytest.fixture
def backend(app: Flask) -> str:
    """ "sqlite" or "postgresql": the database this test runs on."""
    return db.engine.dialect.name


@pytest.fixture
def world(app: Flask) -> factories.World:
    """Reference data and one person in each role (see tests/factories.py)."""
    world = factories.make_world()
    db.session.commit()
    return world


BROWSER_TESTS = Path(__file__).resolve().parent / "browser"


class _BrowserTestsWithoutChromium(pytest.Directory):
    """tests/browser/ when Chromium is missing: one skip for the folder, its modules never
    imported. `--collect-only` still collects them, so their markers count everywhere."""

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        pytest.skip(optional.CHROMIUM_PART.summary())


def pytest_collect_directory(path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if path != BROWSER_TESTS or optional.CHROMIUM_PART.available():
        return None
    if parent.config.option.collectonly or os.environ.get(optional.REQUIRE_ALL):
        return None  # collected as usual: the browser fixture then fails
    return _BrowserTestsWithoutChromium.from_parent(parent, path=path)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from tests.asvs import write_report

    write_report(items)
    # A postgresql_only test runs once, on PostgreSQL; on a machine without it, its
    # SQLite case stands in to say so.
    deselected = []
    for item in items:
        if item.get_closest_marker("postgresql_only") is None:
            continue
        callspec = getattr(item, "callspec", None)
        if callspec is None or callspec.params.get("database_url") != "sqlite":
            continue
        if optional.POSTGRESQL.available():
            deselected.append(item)
        else:
            item.add_marker(pytest.mark.skip(reason=optional.POSTGRESQL.skip_reason()))
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    missing = optional.missing_parts()
    if not missing or terminalreporter.config.option.collectonly:
        return
    terminalreporter.section("optional parts missing on this machine")
    for part in missing:
        terminalreporter.line(part.summary())
