"""Appending to the hash chain, and the canonical form every hash is computed over.

hash = SHA-256( prev_hash as 64 ASCII hex characters || canonical JSON of the event )

The canonical JSON is specified in docs/audit-format.md, so that an auditor can verify
the chain with their own code: change neither without the other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text

from app.audit.events import EventType
from app.extensions import SessionLike
from app.models.audit import GENESIS_HASH, AuditEvent
from app.models.types import utcnow
from app.rules.canonical_json import dumps as canonical_json_dumps

#: The fields that go into the hash, in no particular order (the JSON keys are sorted).
HASHED_FIELDS: tuple[str, ...] = (
    "seq",
    "occurred_at",
    "event_type",
    "actor_id",
    "actor_email",
    "actor_roles",
    "request_id",
    "request_reference",
    "from_status",
    "to_status",
    "stage",
    "comment",
    "payload",
    "client_address",
    "correlation_id",
)

#: Key for PostgreSQL's transaction-level advisory lock that serialises appends.
CHAIN_LOCK_KEY = 0x5045524D4954  # "PERMIT"


def format_time(moment: datetime) -> str:
    """A moment as the chain writes it: UTC, microseconds, a Z suffix."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(fields: Mapping[str, Any]) -> bytes:
    """The event's hashed fields as canonical JSON bytes (docs/audit-format.md)."""
    return canonical_json_dumps({name: fields[name] for name in HASHED_FIELDS}).encode("utf-8")


def compute_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(fields)).hexdigest()


def hashed_fields(event: AuditEvent) -> dict[str, Any]:
    """A stored event's hashed fields as JSON values, ready for `compute_hash`."""
    values = {name: getattr(event, name) for name in HASHED_FIELDS}
    values["occurred_at"] = format_time(event.occurred_at)
    return values


@dataclass(frozen=True)
class ActorSnapshot:
    """Who acted, as the event records them; `None` id for the command line."""

    id: int | None
    email: str | None
    roles: tuple[str, ...]

    @classmethod
    def of(cls, user: Any | None) -> ActorSnapshot:
        if user is None:
            return SYSTEM_ACTOR
        return cls(user.id, user.email, tuple(sorted(str(role) for role in user.roles)))


SYSTEM_ACTOR = ActorSnapshot(None, None, ())


@dataclass(frozen=True)
class Client:
    """Where an action came from: the client address and the HTTP request's id, and for
    a call to the JSON API the token it came with (which every event it writes carries in
    its payload as `api_token`: docs/audit-format.md)."""

    address: str | None = None
    correlation_id: str | None = None
    api_token: Mapping[str, Any] | None = None


NO_CLIENT = Client()


def _check_payload(value: Any, path: str = "payload") -> None:
    # Floats have no single canonical text form across languages: keep them out.
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path} keys must be strings")
            _check_payload(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_payload(item, f"{path}[{index}]")
    elif not (value is None or isinstance(value, (str, bool, int))):
        raise TypeError(f"{path} holds {type(value).__name__}; use str, int, bool or None")


def _text_or_none(value: object | None) -> str | None:
    # Text fields hold null or a non-empty string, never "": so an empty CSV cell can
    # only mean null (docs/audit-format.md).
    return str(value) if value is not None and str(value) != "" else None


def _lock_chain(session: SessionLike) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    # SQLite: every transaction already holds the write lock (BEGIN IMMEDIATE).


def chain_head(session: SessionLike) -> tuple[int, str]:
    """The last event's seq and hash: (0, GENESIS_HASH) for an empty chain."""
    row = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    return (row.seq, row.hash) if row else (0, GENESIS_HASH)


def append_event(
    session: SessionLike,
    event_type: EventType,
    *,
    actor: ActorSnapshot = SYSTEM_ACTOR,
    client: Client = NO_CLIENT,
    request: Any | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    stage: str | None = None,
    comment: str | None = None,
    payload: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Add the next event to the chain in the session's transaction, and flush it.

    Takes the chain lock for the rest of the transaction, so the caller's commit (or
    rollback) decides whether the event and the change it records both happen.
    """
    payload = dict(payload or {})
    if client.api_token is not None:
        payload["api_token"] = dict(client.api_token)
    _check_payload(payload)
    _lock_chain(session)
    last_seq, prev_hash = chain_head(session)
    event = AuditEvent(
        seq=last_seq + 1,
        occurred_at=utcnow(),
        event_type=str(EventType(event_type)),
        actor_id=actor.id,
        actor_email=_text_or_none(actor.email),
        actor_roles=sorted(actor.roles),
        request_id=request.id if request is not None else None,
        request_reference=_text_or_none(request.reference if request is not None else None),
        from_status=_text_or_none(from_status),
        to_status=_text_or_none(to_status),
        stage=_text_or_none(stage),
        comment=_text_or_none(comment),
        payload=payload,
        client_address=_text_or_none(client.address),
        correlation_id=_text_or_none(client.correlation_id),
        prev_hash=prev_hash,
    )
    event.hash = compute_hash(prev_hash, hashed_fields(event))
    session.add(event)
    session.flush()
    return event
