"""Deadline fixtures: a frozen clock to move, `sla tick` in-process, signed-in browsers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from click.testing import Result
from flask import Flask

from app.extensions import db
from app.models.users import User
from tests.web.client import PermitClient, make_client, sign_in

Tick = Callable[..., Result]


@pytest.fixture
def clock(time_machine) -> Callable[[datetime], None]:
    """Stop the clock at a moment (zone-aware): `clock(london(2026, 12, 23, 10, 0))`.

    It stays there until moved again: a frozen clock, so nothing in a step depends on how
    long the step takes."""

    def move(moment: datetime) -> None:
        assert moment.tzinfo is not None
        time_machine.move_to(moment, tick=False)

    return move


def tick_in_process(app: Flask, group: str) -> Tick:
    """`flask GROUP tick` in-process at the clock's time: its result (a crash re-raised).

    It runs in an app context of its own, so with a session of its own, as a separate
    process would: the test's session is committed first and sees what it wrote after."""
    runner = app.test_cli_runner()

    def invoke(*args: str) -> Result:
        db.session.commit()
        with app.app_context():
            result = runner.invoke(args=[group, "tick", *args])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        db.session.expire_all()
        return result

    return invoke


@pytest.fixture
def tick(app: Flask) -> Tick:
    """`flask sla tick` in-process (`tick_in_process`)."""
    return tick_in_process(app, "sla")


@pytest.fixture
def client_for(app: Flask) -> Callable[[User], PermitClient]:
    """A browser with `user` signed in, at the clock's time."""

    def make(user: User) -> PermitClient:
        client = make_client(app)
        response = sign_in(client, user)
        assert response.status_code == 302, "sign-in failed: " + response.get_data(as_text=True)
        return client

    return make
