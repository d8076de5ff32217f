"""Running `flask <command>` in-process, against the test's database."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent
from app.seed.reference import ensure_reference_data

Run = Callable[..., Result]


@pytest.fixture
def run(app: Flask) -> Run:
    """`run("users", "create", ..., input="...")`: the result; a crash is re-raised."""
    runner = app.test_cli_runner()

    def invoke(*args: str, input: str | None = None) -> Result:
        result = runner.invoke(args=list(args), input=input)
        # A crash is never the behaviour under test: show it instead of a vague failure.
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        # The command shares this app context's session: drop it, so what the test reads
        # next is what the command committed, not what it merely flushed.
        db.session.remove()
        return result

    return invoke


@pytest.fixture
def reference(app: Flask) -> None:
    """The departments, stages and TikTok pipeline every installation starts with."""
    ensure_reference_data()
    db.session.commit()


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def events_of(event_type: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.event_type == event_type).order_by(AuditEvent.seq)
    return list(db.session.scalars(query))
