"""Pieces every request operation needs."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.requests import AccessRequest
from app.models.types import utcnow


def lock_request(request: AccessRequest) -> AccessRequest:
    """Re-read the request's row and hold it until commit (FOR UPDATE on PostgreSQL).

    Locking the request before the audit chain, in every operation, keeps the lock order
    the same everywhere, so two operations never wait on each other in a circle.
    """
    db.session.execute(
        select(AccessRequest.id).where(AccessRequest.id == request.id).with_for_update()
    )
    # What was loaded before the lock may be stale: read it all again on next use.
    db.session.expire(request)
    return request


def bump_version(request: AccessRequest) -> None:
    request.version += 1
    request.updated_at = utcnow()


def filers_of(request: AccessRequest) -> set[int]:
    """Everyone who filed this request: its creator and whoever (re)submitted it."""
    return {request.requester_id} | {rev.submitted_by_id for rev in request.revisions}
