"""The audit trail: append-only, hash-chained events (see docs/audit-format.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.types import UTCDateTime

#: prev_hash of the first event.
GENESIS_HASH = "0" * 64


class AuditEvent(Model):
    """One thing that happened. Written once by `app.audit.chain.append_event`.

    The database refuses UPDATE and DELETE on this table (triggers installed by the
    migrations). Snapshots (actor email and roles, request reference) are copied in, so
    an event says what was true when it happened even after the rows it names change.
    """

    __tablename__ = "audit_events"

    #: 1, 2, 3 ... with no gaps: the position in the chain.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    #: UTC, to the microsecond.
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: `app.audit.events.EventType` value.
    event_type: Mapped[str] = mapped_column(String(64), index=True)
    #: None for the command line and for failed sign-ins by unknown people.
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_email: Mapped[str | None] = mapped_column(String(254))
    #: The actor's roles at the time, sorted.
    actor_roles: Mapped[list] = mapped_column(JSON)
    request_id: Mapped[int | None] = mapped_column(Integer, index=True)
    request_reference: Mapped[str | None] = mapped_column(String(20), index=True)
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    stage: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    #: Event-specific details: a JSON object of strings, integers, booleans and nulls.
    payload: Mapped[dict] = mapped_column(JSON)
    client_address: Mapped[str | None] = mapped_column(String(64))
    #: Ties the event to the HTTP request (and application log lines) that caused it.
    correlation_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
