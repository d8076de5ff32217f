"""Reading the audit trail in tests: events of one type, in chain order.

In chain order because PostgreSQL returns rows in any order without ORDER BY, and tests
that look at the last of several events must see the last one written.
"""

from __future__ import annotations

from sqlalchemy import select

from app.audit.events import EventType
from app.extensions import db
from app.models import AuditEvent


def events(event_type: EventType | str) -> list[AuditEvent]:
    """Every event of `event_type`, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.event_type == event_type).order_by(AuditEvent.seq)
        )
    )
