"""A worker waiting on a slow mail server does not hold up the rest of the service: it
talks to the server outside any database transaction (on SQLite a transaction holds the
one write lock, for every writer, web requests included)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from app.extensions import db
from app.models import Platform, User
from app.operations.create_request import create_request
from app.operations.submit_request import submit_request
from tests.factories import World, complete_content
from tests.notifications.support import Mailbox, Worker, outbox, submit_many, wait_for


def test_the_service_still_writes_while_the_worker_waits_for_the_mail_server(
    database_url: str, world: World, tmp_path: Path
):
    officer_id, platform_id = world.officer.id, world.platform.id
    submit_many(world, 1)
    with Mailbox(hold=1) as mailbox:  # the first message's answer never comes...
        backstop = threading.Timer(5.0, mailbox.release)  # ...for five seconds
        worker = Worker(
            database_url, mailbox.url, tmp_path / "worker.log", NOTIFY_POLL_SECONDS="0.1"
        )
        try:
            wait_for(lambda: len(mailbox.received) == 1, "the worker to send")
            backstop.start()
            started = time.monotonic()
            officer = db.session.get(User, officer_id)  # an officer submits meanwhile
            platform = db.session.get(Platform, platform_id)
            submit_request(
                create_request(officer, platform=platform, content=complete_content()), officer
            )
            db.session.commit()
            took = time.monotonic() - started
            mailbox.release()
            wait_for(lambda: len(outbox()) == 4 and len(mailbox.received) == 4, "the rest")
        finally:
            backstop.cancel()
            worker.kill()
    assert took < 2.0, f"the submission waited {took:.1f} s for the worker"
