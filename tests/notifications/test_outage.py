"""When mail does not go: a server that is down or answers 4xx is tried again later, with
backoff, up to NOTIFY_MAX_ATTEMPTS; a 5xx answer fails the message at once. Nothing is
lost on the way."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from flask import Flask

from app.extensions import db
from app.models.types import utcnow
from tests.factories import World
from tests.notifications.support import Mailbox, free_port, outbox


def later_than_every_retry() -> time_machine.travel:
    """The clock moved past the moment every pending message may be tried again."""
    due = max(row.next_attempt_at for row in outbox() if row.status == "pending")
    return time_machine.travel(due + timedelta(seconds=1), tick=False)


def test_while_the_server_is_down_messages_wait_and_go_when_it_is_back(
    world: World, smtp_at, notify_once
):
    world.submitted()
    db.session.commit()
    first, second = world.security.email, world.security_2.email
    port = free_port()
    smtp_at(f"smtp://127.0.0.1:{port}")  # nothing listens there yet

    result = notify_once()
    assert "Sent 0, to retry 2, failed 0." in result.output
    rows = outbox()
    assert len(rows) == 2
    for row in rows:
        assert (row.status, row.attempts) == ("pending", 1)
        assert "ConnectionRefused" in row.last_error
        assert row.next_attempt_at > utcnow()
        assert row.lease_until is None

    # Not due yet: a worker that runs again at once leaves them alone.
    assert "Sent 0, to retry 0, failed 0." in notify_once().output
    assert [row.attempts for row in outbox()] == [1, 1]

    with Mailbox(port) as mailbox, later_than_every_retry():
        result = notify_once()
        assert "Sent 2, to retry 0, failed 0." in result.output
        assert sorted(m.to for m in mailbox.received) == sorted([first, second])
    for row in outbox():
        assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")


def test_an_address_refused_for_good_fails_at_once_and_the_others_still_go(
    world: World, smtp_at, notify_once
):
    world.submitted()
    db.session.commit()
    first, second = world.security.email, world.security_2.email
    refused = {second: "550 5.1.1 No such mailbox here"}
    with Mailbox(answers=refused) as mailbox:
        smtp_at(mailbox.url)
        result = notify_once()
        assert "Sent 1, to retry 0, failed 1." in result.output
        assert [m.to for m in mailbox.received] == [first]
    by_email = {row.recipient_email: row for row in outbox()}
    gone = by_email[second]
    assert (gone.status, gone.attempts) == ("failed", 1)
    assert "550" in gone.last_error and "No such mailbox here" in gone.last_error
    assert by_email[first].status == "sent"


def test_a_server_that_says_try_later_is_tried_again_until_the_last_attempt(
    app: Flask, world: World, smtp_at, notify_once, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setitem(app.config, "NOTIFY_MAX_ATTEMPTS", 3)
    world.submitted()
    db.session.commit()
    first, second = world.security.email, world.security_2.email
    busy = {second: "451 4.3.0 Mailbox busy, try later"}

    def row_for_security_2():
        return next(row for row in outbox() if row.recipient_email == second)

    with Mailbox(answers=busy) as mailbox:
        smtp_at(mailbox.url)
        assert "Sent 1, to retry 1, failed 0." in notify_once().output
        row = row_for_security_2()
        assert (row.status, row.attempts) == ("pending", 1)
        assert "451" in row.last_error and "Mailbox busy" in row.last_error
        assert row.next_attempt_at > utcnow()

        with later_than_every_retry():
            assert "Sent 0, to retry 1, failed 0." in notify_once().output
        assert (row_for_security_2().status, row_for_security_2().attempts) == ("pending", 2)

        with later_than_every_retry():
            assert "Sent 0, to retry 0, failed 1." in notify_once().output
        row = row_for_security_2()
        assert (row.status, row.attempts) == ("failed", 3)
        assert row.last_error.startswith("gave up") and "451" in row.last_error

        # Failed is final: a day later no worker tries it again.
        with time_machine.travel(utcnow() + timedelta(days=1), tick=False):
            assert "Sent 0, to retry 0, failed 0." in notify_once().output
        assert row_for_security_2().attempts == 3
        assert [m.to for m in mailbox.received] == [first]
