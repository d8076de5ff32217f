"""Idempotency keys for the API's POSTs (the IETF httpapi draft "The Idempotency-Key HTTP
Header Field", as Stripe uses it): a client that is not sure its call arrived sends it
again with the same key, and gets the first answer back instead of a second change.

- A key is 1 to 255 printable ASCII characters, chosen by the client (a UUID will do),
  and belongs to the token's owner: two people's keys never meet.
- The first call with a key claims it in a short transaction of its own (the row is
  `in_progress`), then runs; its answer is stored with the key in the same transaction
  as the change it made and that change's audit events, so both happen or neither does.
- A repeat with the same method, path and body gets the stored status, body and headers
  back, with `Idempotent-Replayed: true`, and nothing else happens.
- The same key with a different method, path or body: 422 (idempotency-key-reused).
- A repeat while the first is still running: 409 (idempotency-key-in-use). A claim
  older than `LEASE` (its call died before it could answer: nothing of it was kept) may
  be taken over.
- What is stored: the answer of every call that reached the operation, a workflow
  refusal included (a repeat gets the same 409 or 422 again). A call refused before that
  (its token, its scope, its If-Match, a request that is not there, a body that does not
  validate) or that failed with a server error stores nothing: the key is free again, and
  the corrected call may use it.
- Keys are kept at least 24 hours (app.operations.purge_idempotency_keys.KEEP_HOURS);
  `flask --app wsgi api purge-idempotency-keys` deletes older ones.

Bodies are compared as JSON when they are JSON (key order and spacing do not matter),
byte for byte otherwise.
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Response
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.database import commit_keeping_loaded
from app.extensions import db
from app.models.api import IdempotencyKey
from app.models.types import utcnow
from app.rules.canonical_json import dumps as canonical_dumps
from app.web.problems import (
    IDEMPOTENCY_KEY_IN_USE,
    IDEMPOTENCY_KEY_REUSED,
    INVALID_IDEMPOTENCY_KEY,
    ApiProblem,
)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
#: How long a claim holds before another call with the key may take it over.
LEASE = timedelta(seconds=60)
#: The response headers a replay repeats.
KEPT_HEADERS = ("Content-Type", "ETag", "Location")
KEY_MAX = 255


class KeyState(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


@dataclass(frozen=True)
class Claim:
    """A key this call holds: its answer goes with it (`complete`) or it is let go."""

    user_id: int
    key: str


def valid_key(value: str) -> bool:
    return 1 <= len(value) <= KEY_MAX and all(" " <= ch <= "~" for ch in value)


def fingerprint(method: str, path: str, body: bytes) -> str:
    """SHA-256 of what makes two calls the same call."""
    try:
        normalised = canonical_dumps(json.loads(body)).encode("utf-8") if body else b""
    except (ValueError, TypeError):  # not JSON (or a float canonical JSON refuses)
        normalised = body
    digest = hashlib.sha256()
    for part in (method.encode("ascii"), path.encode("utf-8"), normalised):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def claim(user_id: int, key: str, digest: str, *, now: datetime | None = None) -> Claim | Response:
    """Claim `key` for this call (its own transaction, committed), or return the stored
    answer to replay; 422 or 409 when the key cannot be used."""
    if not valid_key(key):
        raise ApiProblem(
            INVALID_IDEMPOTENCY_KEY, "Use 1 to 255 printable ASCII characters, like a UUID"
        )
    now = now or utcnow()
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted = db.session.execute(
        insert(IdempotencyKey)
        .values(
            user_id=user_id,
            key=key,
            fingerprint=digest,
            state=str(KeyState.IN_PROGRESS),
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        # RETURNING, not rowcount: psycopg reports -1 for an INSERT ... ON CONFLICT.
        .returning(IdempotencyKey.key)
    ).scalar_one_or_none()
    if inserted is not None:
        commit_keeping_loaded()  # the caller's token and person stay loaded for the call
        return Claim(user_id, key)
    row = db.session.execute(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    ).scalar_one()
    db.session.commit()
    if row.fingerprint != digest:
        raise ApiProblem(
            IDEMPOTENCY_KEY_REUSED,
            "This Idempotency-Key was first sent with another call: use a new key",
        )
    if row.state == KeyState.COMPLETED:
        return replay(row)
    if row.created_at < now - LEASE and _take_over(row, now):
        return Claim(user_id, key)
    raise ApiProblem(
        IDEMPOTENCY_KEY_IN_USE,
        "The first call with this Idempotency-Key has not finished: try again shortly",
    )


def _take_over(row: IdempotencyKey, now: datetime) -> bool:
    """Take a claim whose call died: only if nobody else took it first."""
    taken = db.session.execute(
        update(IdempotencyKey)
        .where(
            IdempotencyKey.user_id == row.user_id,
            IdempotencyKey.key == row.key,
            IdempotencyKey.state == str(KeyState.IN_PROGRESS),
            IdempotencyKey.created_at == row.created_at,
        )
        .values(created_at=now)
        .returning(IdempotencyKey.key)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    db.session.commit()
    return taken is not None


def complete(held: Claim, response: Response) -> None:
    """Store `response` as the key's answer, in the caller's transaction (no commit)."""
    db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.user_id == held.user_id, IdempotencyKey.key == held.key)
        .values(
            state=str(KeyState.COMPLETED),
            status_code=response.status_code,
            body=response.get_data(as_text=True),
            headers={
                name: response.headers[name] for name in KEPT_HEADERS if name in response.headers
            },
            completed_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )


def release(held: Claim) -> None:
    """Let a key go (its call stored nothing), in a transaction of its own."""
    db.session.rollback()
    db.session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.user_id == held.user_id,
            IdempotencyKey.key == held.key,
            IdempotencyKey.state == str(KeyState.IN_PROGRESS),
        )
    )
    db.session.commit()


def replay(row: IdempotencyKey) -> Response:
    response = Response(row.body or "", status=row.status_code or 200)
    for name, value in (row.headers or {}).items():
        response.headers[name] = value
    response.headers[REPLAYED_HEADER] = "true"
    return response
