"""Fixtures for the auditor's screens: a signed-in auditor and events at chosen times."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from unittest import mock

import pytest
from sqlalchemy import text, update

from app.audit import chain
from app.audit.chain import ActorSnapshot, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.audit import AuditEvent
from tests.factories import World
from tests.web.client import PermitClient

_ROW_SEQ = re.compile(r'<th scope="row" class="govuk-table__header[^"]*">(\d+)</th>')


@pytest.fixture
def auditor(client_for: Callable[..., PermitClient], world: World) -> PermitClient:
    """A browser with the world's auditor signed in (that sign-in is event 1)."""
    return client_for(world.auditor)


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Events appended inside happen at `moment` (a zone-aware datetime)."""
    with mock.patch.object(chain, "utcnow", return_value=moment):
        yield


def add_event(
    event_type: EventType = EventType.SIGNED_OUT,
    *,
    at: datetime | None = None,
    actor: Any | None = None,
    request: Any | None = None,
    commit: bool = True,
    **fields: Any,
) -> AuditEvent:
    """Append one event through the real chain, optionally at time `at`."""
    actor_snapshot = ActorSnapshot.of(actor) if actor is not None else chain.SYSTEM_ACTOR
    if at is None:
        event = append_event(
            db.session, event_type, actor=actor_snapshot, request=request, **fields
        )
    else:
        with clock_at(at):
            event = append_event(
                db.session, event_type, actor=actor_snapshot, request=request, **fields
            )
    if commit:
        db.session.commit()
    return event


def shown_seqs(html: str) -> list[int]:
    """The seq numbers of the events listed on an audit log page, top to bottom."""
    return [int(seq) for seq in _ROW_SEQ.findall(html)]


def last_seq() -> int:
    return db.session.query(db.func.max(AuditEvent.seq)).scalar() or 0


def tamper(seq: int, /, **values: Any) -> None:
    """Overwrite stored fields of event `seq` behind the application's back, lifting the
    append-only triggers for one transaction as tests/database.py does (hash left as is)."""
    events = AuditEvent.__table__
    db.session.remove()  # SQLite: our own open transaction would hold the write lock
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            changed = connection.execute(update(events).where(events.c.seq == seq).values(**values))
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
            changed = connection.execute(update(events).where(events.c.seq == seq).values(**values))
            for _name, sql in triggers:
                connection.execute(text(sql))
        assert changed.rowcount == 1
