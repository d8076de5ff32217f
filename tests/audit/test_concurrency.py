"""Many writers at once still make one straight chain (advisory lock on PostgreSQL,
BEGIN IMMEDIATE on SQLite)."""

from __future__ import annotations

import threading
from collections import Counter

from flask import Flask
from sqlalchemy import select

from app.audit.chain import ActorSnapshot, append_event
from app.audit.events import EventType
from app.audit.verify import verify_database
from app.extensions import db
from app.models.audit import GENESIS_HASH, AuditEvent

THREADS = 8
TRANSACTIONS_PER_THREAD = 4
#: Each transaction appends this many events before committing.
EVENTS_PER_TRANSACTION = 2


def writer(app: Flask, number: int, start: threading.Barrier, errors: list[BaseException]) -> None:
    actor = ActorSnapshot(number, f"writer{number}@example.gov.uk", ("admin",))
    try:
        with app.app_context():
            start.wait()
            try:
                for transaction in range(TRANSACTIONS_PER_THREAD):
                    for event in range(EVENTS_PER_TRANSACTION):
                        append_event(
                            db.session,
                            EventType.USER_UPDATED,
                            actor=actor,
                            payload={"transaction": transaction, "event": event},
                        )
                    db.session.commit()
            finally:
                db.session.remove()
    except BaseException as error:  # reported by the test, not lost in the thread
        errors.append(error)


def test_concurrent_appends_make_one_gapless_chain(app, session_app):
    start = threading.Barrier(THREADS, timeout=30)
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=writer, args=(session_app, number, start, errors))
        for number in range(1, THREADS + 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads), "a writer is stuck"
    assert errors == []
    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    total = THREADS * TRANSACTIONS_PER_THREAD * EVENTS_PER_TRANSACTION
    assert [event.seq for event in events] == list(range(1, total + 1))
    assert len({event.prev_hash for event in events}) == total
    assert events[0].prev_hash == GENESIS_HASH
    assert Counter(event.actor_id for event in events) == dict.fromkeys(
        range(1, THREADS + 1), TRANSACTIONS_PER_THREAD * EVENTS_PER_TRANSACTION
    )
    # A transaction's events are consecutive: nobody slipped in between them.
    for first, second in zip(events[::2], events[1::2], strict=True):
        assert first.actor_id == second.actor_id
        assert (first.payload["event"], second.payload["event"]) == (0, 1)
    result = verify_database(db.session)
    assert result.ok, result.problem
    assert result.count == total
