"""A worker killed outright (SIGKILL) in the middle of a batch loses nothing: another
worker delivers the rest once the lease runs out, and the one message that may go twice,
the one in hand when it died, goes with the same Message-ID."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from tests.factories import World
from tests.notifications.support import (
    Mailbox,
    Worker,
    message_ids,
    outbox,
    submit_many,
    wait_for,
)


def test_a_killed_worker_s_messages_are_all_delivered_by_the_next(
    database_url: str, world: World, tmp_path: Path
):
    count = submit_many(world, 8)
    settings = {"NOTIFY_LEASE_SECONDS": "1", "NOTIFY_POLL_SECONDS": "0.1"}
    # A slow server, and the third message's answer held back: the worker dies after the
    # server has it, before the worker knows it went.
    with Mailbox(delay=0.05, hold=3) as mailbox:
        first = Worker(database_url, mailbox.url, tmp_path / "first.log", **settings)
        try:
            wait_for(lambda: len(mailbox.received) >= 3, "three messages to arrive")
        finally:
            first.kill()
        mailbox.release()
        assert len(mailbox.received) == 3
        in_hand = mailbox.received[-1].message_id
        assert [row.status for row in outbox()].count("sent") == 2

        second = Worker(database_url, mailbox.url, tmp_path / "second.log", **settings)
        try:
            wait_for(
                lambda: len({m.message_id for m in mailbox.received}) == count,
                "every message to arrive",
            )
            wait_for(
                lambda: all(row.status == "sent" for row in outbox()),
                "every message to be marked sent",
            )
        finally:
            second.kill()
        received = mailbox.received

    rows = outbox()
    assert len(rows) == count
    assert {m.message_id for m in received} == message_ids(rows)
    # Only the message in hand went twice, both times as the same message.
    copies = defaultdict(list)
    for m in received:
        copies[m.message_id].append((m.to, m.subject, m.message.get_content()))
    assert {i for i, sent in copies.items() if len(sent) > 1} == {in_hand}
    assert len(set(copies[in_hand])) == 1
    # And each message, told by its recipient and subject, went under one Message-ID.
    ids_of = defaultdict(set)
    for m in received:
        ids_of[(m.to, m.subject)].add(m.message_id)
    assert len(ids_of) == count and all(len(ids) == 1 for ids in ids_of.values())
    assert len(received) == count + 1
