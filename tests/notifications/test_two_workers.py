"""Two workers on one PostgreSQL database share the queue: FOR UPDATE SKIP LOCKED and the
lease keep each message to one of them, so nobody gets a message twice, even when the
mail server is so slow that a batch outlasts its lease."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.factories import World
from tests.notifications.support import Mailbox, Worker, message_ids, outbox, submit_many, wait_for


@pytest.mark.postgresql_only  # SQLite has one writer at a time: one worker
@pytest.mark.parametrize(
    ("lease", "delay"),
    [
        pytest.param("60", 0.03, id="lease-outlasts-the-batch"),
        # 20 messages a batch at 0.1 s each: the batch's lease (1 s) runs out half-way.
        pytest.param("1", 0.1, id="slow-server-batch-outlasts-its-lease"),
    ],
)
def test_two_workers_at_once_send_each_message_exactly_once(
    database_url: str, world: World, tmp_path: Path, lease: str, delay: float
):
    count = submit_many(world, 30)
    assert count == 60
    with Mailbox(delay=delay) as mailbox:
        workers = [
            Worker(
                database_url,
                mailbox.url,
                tmp_path / f"{name}.log",
                MAIL_FROM=f"{name}@permit.test",  # which worker sent each message
                NOTIFY_POLL_SECONDS="0.1",
                NOTIFY_LEASE_SECONDS=lease,
            )
            for name in ("one", "two")
        ]
        try:
            wait_for(lambda: len(mailbox.received) >= count, "every message to arrive")
            wait_for(
                lambda: all(row.status == "sent" for row in outbox()),
                "every message to be marked sent",
            )
        finally:
            for worker in workers:
                worker.kill()
        received = mailbox.received

    assert Counter(m.message_id for m in received) == dict.fromkeys(message_ids(outbox()), 1)
    # Both took part: the queue was shared, not emptied by whichever started first.
    assert set(Counter(m.sender for m in received)) == {"one@permit.test", "two@permit.test"}
