"""The worker runs audit checks beside delivery: a message that falls due while a long
check is in hand goes out at once, not when the check ends."""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import update

import app.cli.notify as notify_cli
from app.extensions import db
from app.models import OutboxMessage
from app.models.types import utcnow
from tests.factories import World
from tests.notifications.support import Mailbox


def test_a_message_due_during_a_long_check_goes_out_before_the_check_ends(
    app: Flask, world: World, smtp_at, monkeypatch: pytest.MonkeyPatch
):
    world.submitted()
    db.session.commit()
    # Due a moment after the worker starts: only a worker that delivers while the check
    # is in hand sends them before the check ends.
    db.session.execute(
        update(OutboxMessage).values(next_attempt_at=utcnow() + timedelta(seconds=1))
    )
    db.session.commit()
    monkeypatch.setitem(app.config, "NOTIFY_POLL_SECONDS", 0.1)
    seen_during_check: list[int] = []

    with Mailbox() as mailbox:
        smtp_at(mailbox.url)

        def long_check(_policy, *, stopping):
            """A check that runs until both messages arrive (or 10 seconds), then stops the
            worker as SIGTERM would."""
            deadline = time.monotonic() + 10
            while len(mailbox.received) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            seen_during_check.append(len(mailbox.received))
            os.kill(os.getpid(), signal.SIGTERM)
            return []

        monkeypatch.setattr(notify_cli, "run_due_checks", long_check)
        db.session.remove()
        result = app.test_cli_runner().invoke(args=["notify", "work"])
        assert result.exit_code == 0, result.output

    assert seen_during_check == [2]
    assert "Sent 2, to retry 0, failed 0." in result.output
