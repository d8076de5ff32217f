"""Pieces every request operation needs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from app.extensions import db
from app.models.requests import AccessRequest
from app.models.types import utcnow

#: session.info key: ids of the requests this transaction read with their row locked.
_LOCKED = "permit_locked_requests"


def mark_locked(request: AccessRequest) -> None:
    """Note that `request` was read with its row locked, in this transaction."""
    db.session.info.setdefault(_LOCKED, set()).add(request.id)


@event.listens_for(Session, "after_transaction_end")
def _forget_locks(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost: its locks are gone with it
        session.info.pop(_LOCKED, None)


def lock_request(request: AccessRequest) -> AccessRequest:
    """Hold the request's row until commit (FOR UPDATE on PostgreSQL), and have it as
    that lock found it: re-read, unless it was read locked already (`mark_locked`).

    Locking the request before the audit chain, in every operation, keeps the lock order
    the same everywhere, so two operations never wait on each other in a circle.
    """
    if request.id in db.session.info.get(_LOCKED, ()):
        return request
    db.session.execute(
        select(AccessRequest.id).where(AccessRequest.id == request.id).with_for_update()
    )
    # What was loaded before the lock may be stale: read it all again on next use.
    db.session.expire(request)
    return request


def bump_version(request: AccessRequest) -> None:
    request.version += 1
    request.updated_at = utcnow()


def what_changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any] | None:
    """An admin change's audit payload part: {"before": ..., "after": ...} holding only the
    keys whose values differ; None when nothing did."""
    changed = sorted(key for key in before if before[key] != after[key])
    if not changed:
        return None
    return {
        "before": {key: before[key] for key in changed},
        "after": {key: after[key] for key in changed},
    }
