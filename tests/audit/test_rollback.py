"""An event belongs to its transaction: rolled back, it leaves neither a row nor a gap."""

from __future__ import annotations

from sqlalchemy import func, select

from app.audit.chain import append_event, chain_head
from app.audit.events import EventType
from app.audit.verify import verify_database
from app.extensions import db
from app.models.audit import AuditEvent


def stored_seqs() -> list[int]:
    return list(db.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))


def test_a_rolled_back_append_leaves_no_event_and_no_gap(app):
    append_event(db.session, EventType.DEMO_DATA_SEEDED)
    db.session.commit()
    head_before = chain_head(db.session)

    doomed = append_event(db.session, EventType.USER_CREATED, comment="never happened")
    assert doomed.seq == 2
    assert stored_seqs() == [1, 2]  # visible inside its own transaction
    db.session.rollback()

    assert stored_seqs() == [1]
    assert chain_head(db.session) == head_before
    kept = append_event(db.session, EventType.USER_UPDATED)
    db.session.commit()
    assert (kept.seq, kept.prev_hash) == (2, head_before[1])
    assert kept.hash != doomed.hash
    assert stored_seqs() == [1, 2]
    assert verify_database(db.session).ok


def test_a_rolled_back_savepoint_takes_its_events_with_it(app):
    append_event(db.session, EventType.DEMO_DATA_SEEDED)
    savepoint = db.session.begin_nested()
    append_event(db.session, EventType.USER_CREATED)
    append_event(db.session, EventType.USER_UPDATED)
    savepoint.rollback()
    after = append_event(db.session, EventType.USER_DEACTIVATED)
    db.session.commit()

    assert after.seq == 2
    assert stored_seqs() == [1, 2]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 2
    assert verify_database(db.session).ok


def test_an_empty_rolled_back_chain_starts_again_at_seq_one(app):
    append_event(db.session, EventType.DEMO_DATA_SEEDED)
    db.session.rollback()

    first = append_event(db.session, EventType.DEMO_DATA_SEEDED)
    db.session.commit()

    assert (first.seq, first.prev_hash) == (1, "0" * 64)
    assert verify_database(db.session).ok
