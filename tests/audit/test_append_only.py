"""The database itself refuses to change or remove an audit event, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, select, text

from app.audit.chain import append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.audit import AuditEvent


def snapshot() -> list[tuple]:
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(select(AuditEvent.__table__))]


@pytest.fixture
def events(app) -> list[tuple]:
    for number in range(3):
        append_event(db.session, EventType.DEMO_DATA_SEEDED, comment=f"event {number + 1}")
    db.session.commit()
    return snapshot()


@pytest.mark.asvs("7.3.3")
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET comment = 'rewritten' WHERE seq = 2",
        "UPDATE audit_events SET hash = prev_hash WHERE seq = 3",
        "UPDATE audit_events SET seq = seq + 100",
        "DELETE FROM audit_events WHERE seq = 3",
        "DELETE FROM audit_events",
    ],
    ids=["update-field", "update-hash", "update-every-seq", "delete-one", "delete-all"],
)
def test_update_and_delete_are_refused_by_the_database(events, statement):
    with pytest.raises(exc.DBAPIError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()

    assert snapshot() == events


@pytest.mark.asvs("7.3.3")
@pytest.mark.postgresql_only  # SQLite has no TRUNCATE
def test_truncate_is_refused_on_postgresql(events, backend):

    with pytest.raises(exc.DBAPIError, match="append-only"):
        db.session.execute(text("TRUNCATE audit_events"))
    db.session.rollback()

    assert snapshot() == events


def test_changing_an_event_through_the_orm_is_refused(events):
    event = db.session.get(AuditEvent, 2)
    event.comment = "rewritten"

    with pytest.raises(exc.DBAPIError, match="append-only"):
        db.session.flush()
    db.session.rollback()

    assert snapshot() == events


def test_deleting_an_event_through_the_orm_is_refused(events):
    db.session.delete(db.session.get(AuditEvent, 3))

    with pytest.raises(exc.DBAPIError, match="append-only"):
        db.session.flush()
    db.session.rollback()

    assert snapshot() == events


def test_an_event_cannot_reuse_a_seq_or_a_link(events):
    """Inserting is allowed, but not a second event at a position already taken."""
    first = db.session.get(AuditEvent, 1)
    copy = {column.name: getattr(first, column.name) for column in AuditEvent.__table__.columns}
    db.session.expunge(first)
    db.session.add(AuditEvent(**{**copy, "seq": 4}))

    with pytest.raises(exc.IntegrityError):
        db.session.flush()
    db.session.rollback()

    assert snapshot() == events
