"""Approved-account fixtures: a frozen clock (tests/deadlines) and `lifecycle tick`
in-process."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result
from flask import Flask

from app.extensions import db
from tests.deadlines.conftest import clock  # noqa: F401  (a fixture)


@pytest.fixture
def lifecycle_tick(app: Flask) -> Callable[..., Result]:
    """`flask lifecycle tick` in-process at the clock's time, in an app context (and so
    a session) of its own, as a separate process would; the test's session is committed
    first and sees what it wrote after."""
    runner = app.test_cli_runner()

    def invoke(*args: str) -> Result:
        db.session.commit()
        with app.app_context():
            result = runner.invoke(args=["lifecycle", "tick", *args])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        db.session.expire_all()
        return result

    return invoke
