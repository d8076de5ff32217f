"""`notify work --once` in-process, against the test's database and a given SMTP server."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result
from flask import Flask

from app.extensions import db
from tests.notifications.support import DOMAIN

Notify = Callable[[], Result]


@pytest.fixture
def smtp_at(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Point the worker at an SMTP URL for this test."""
    monkeypatch.setitem(app.config, "MAIL_MESSAGE_ID_DOMAIN", DOMAIN)

    def point(url: str) -> None:
        monkeypatch.setitem(app.config, "SMTP_URL", url)

    return point


@pytest.fixture
def notify_once(app: Flask) -> Notify:
    """`flask notify work --once`: its result; a crash is re-raised."""
    runner = app.test_cli_runner()

    def invoke() -> Result:
        db.session.remove()
        result = runner.invoke(args=["notify", "work", "--once"])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        db.session.remove()
        return result

    return invoke
