"""Changing stored audit events behind the application's back, as an intruder with
database access could: the append-only triggers are lifted for one transaction only.

Only tests do this, to show that `audit verify` catches what the triggers could not stop.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, delete, text, update

from app.extensions import db
from app.models.audit import AuditEvent

EVENTS = AuditEvent.__table__


@contextmanager
def triggers_lifted() -> Iterator[Connection]:
    """A connection in a transaction where audit_events may be changed; commits on exit."""
    db.session.remove()  # SQLite: our own open transaction would hold the write lock
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Triggers do not fire for a replica; SET LOCAL ends with the transaction.
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            yield connection
        else:
            triggers = connection.execute(
                text(
                    "SELECT name, sql FROM sqlite_master "
                    "WHERE type = 'trigger' AND tbl_name = 'audit_events'"
                )
            ).all()
            assert triggers, "the migrations should have installed the triggers"
            for name, _sql in triggers:
                connection.execute(text(f'DROP TRIGGER "{name}"'))
            yield connection
            for _name, sql in triggers:
                connection.execute(text(sql))


def change_event(seq: int, **values: object) -> None:
    """Overwrite stored fields of event `seq` (its hash is left as it was)."""
    with triggers_lifted() as connection:
        changed = connection.execute(update(EVENTS).where(EVENTS.c.seq == seq).values(**values))
        assert changed.rowcount == 1


def delete_event(seq: int) -> None:
    with triggers_lifted() as connection:
        assert connection.execute(delete(EVENTS).where(EVENTS.c.seq == seq)).rowcount == 1


def swap_events(seq: int, other: int) -> None:
    """Exchange the positions of two events (their seq numbers)."""
    with triggers_lifted() as connection:

        def move(source: int, target: int) -> None:
            moved = connection.execute(
                update(EVENTS).where(EVENTS.c.seq == source).values(seq=target)
            )
            assert moved.rowcount == 1

        parked = -1  # a seq no real event has, while both move
        move(seq, parked)
        move(other, seq)
        move(parked, other)
