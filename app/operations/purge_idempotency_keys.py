"""Delete the JSON API's idempotency keys once nobody may repeat their calls."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from app.extensions import db
from app.models.api import IdempotencyKey

#: Keys are kept at least this long: a client may repeat a call with its key until then
#: and get the first answer back (app.api.idempotency).
KEEP_HOURS = 24


def purge_idempotency_keys(older_than: datetime) -> int:
    """Delete keys made before `older_than` (the caller commits); how many."""
    deleted = db.session.scalars(
        delete(IdempotencyKey)
        .where(IdempotencyKey.created_at < older_than)
        .returning(IdempotencyKey.key)
    ).all()
    return len(deleted)
