"""Delivering the outbox: claim due messages under a lease, send each, record the result.

At-least-once: a message is marked sent only after its channel accepted it. A worker
killed between the two leaves the message claimed; when its lease runs out another
worker sends it again, with the same Message-ID (docs/notifications.md). Nothing else
sends a message twice: claiming takes a row lock (PostgreSQL: FOR UPDATE SKIP LOCKED, so
several workers share the queue; SQLite: one writer at a time) and sets the lease in the
same transaction, and a worker sends a message only after renewing the lease it claimed
it with (a batch may outlast its lease, and the rest be claimed by another worker).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import inspect, or_, select, update

from app.extensions import db
from app.models.notifications import DeliveryStatus, OutboxMessage
from app.models.types import utcnow
from app.notifications.channels import Channel, PermanentFailure, TemporaryFailure


@dataclass(frozen=True)
class Policy:
    lease: timedelta = timedelta(seconds=60)
    max_attempts: int = 8
    #: First retry after about this long, doubling each time (with jitter), at most `cap`.
    backoff: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)

    def retry_at(self, attempts: int, now: datetime) -> datetime:
        delay = min(self.backoff.total_seconds() * 2 ** (attempts - 1), self.cap.total_seconds())
        return now + timedelta(seconds=delay * random.uniform(0.5, 1.0))


def claim(limit: int, policy: Policy, now: datetime | None = None) -> list[int]:
    """Take up to `limit` due messages for this worker, and commit: their ids."""
    now = now or utcnow()
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == DeliveryStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until <= now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=OutboxMessage)
    claimed = list(db.session.scalars(query))
    for message in claimed:
        message.lease_until = now + policy.lease
        message.attempts += 1
    ids = [message.id for message in claimed]
    db.session.commit()
    return ids


def deliver(
    message_id: int,
    channel: Channel,
    policy: Policy,
    domain: str,
    lease: datetime | None = None,
) -> str:
    """Send one claimed message and record what happened: "sent", "retry", "failed", or
    "skipped" (not pending, or its `lease`, as `claim` set it, ran out and another worker
    may hold it now)."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status != DeliveryStatus.PENDING:
        db.session.rollback()
        return "skipped"
    if lease is not None and not _renew(message_id, lease, policy):
        db.session.rollback()
        return "skipped"
    # Talk to the server outside any transaction: on SQLite an open one holds the only
    # write lock (BEGIN IMMEDIATE), so every writer would wait while the server is slow.
    message = _unbound_copy(message)
    db.session.commit()
    try:
        channel.send(message, message.message_id(domain))
    except PermanentFailure as failure:
        return _finish(message_id, DeliveryStatus.FAILED, str(failure))
    except TemporaryFailure as failure:
        if message.attempts >= policy.max_attempts:
            return _finish(message_id, DeliveryStatus.FAILED, f"gave up: {failure}")
        message = db.session.get_one(OutboxMessage, message_id)
        message.last_error = str(failure)
        message.lease_until = None
        message.next_attempt_at = policy.retry_at(message.attempts, utcnow())
        db.session.commit()
        return "retry"
    return _finish(message_id, DeliveryStatus.SENT, "")


def _unbound_copy(message: OutboxMessage) -> OutboxMessage:
    """The message's values on an object no session holds: reading it starts no query."""
    columns = inspect(OutboxMessage).column_attrs
    return OutboxMessage(**{column.key: getattr(message, column.key) for column in columns})


def _renew(message_id: int, lease: datetime, policy: Policy) -> bool:
    """Hold the message for a fresh lease if the one it was claimed with still holds.

    A batch can outlast its lease (a slow server); from then on another worker may have
    claimed the rest of it, and only the holder of the current lease may send.
    """
    renewed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == DeliveryStatus.PENDING,
            OutboxMessage.lease_until == lease,
        )
        .values(lease_until=utcnow() + policy.lease)
        .execution_options(synchronize_session=False)
    )
    return renewed.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def _finish(message_id: int, status: DeliveryStatus, error: str) -> str:
    message = db.session.get_one(OutboxMessage, message_id)
    message.status = str(status)
    message.last_error = error
    message.lease_until = None
    if status is DeliveryStatus.SENT:
        message.sent_at = utcnow()
    db.session.commit()
    return "sent" if status is DeliveryStatus.SENT else "failed"


@dataclass
class Tally:
    sent: int = 0
    retry: int = 0
    failed: int = 0

    def add(self, outcome: str) -> None:
        if outcome in ("sent", "retry", "failed"):
            setattr(self, outcome, getattr(self, outcome) + 1)


def deliver_due(
    channel: Channel,
    policy: Policy,
    domain: str,
    *,
    batch: int = 20,
    stopping: Callable[[], bool] = lambda: False,
) -> Tally:
    """Deliver everything due now, batch by batch, until none is left or `stopping()`."""
    tally = Tally()
    while not stopping():
        now = utcnow()
        ids = claim(batch, policy, now)
        if not ids:
            break
        lease = now + policy.lease  # as claim set it: the token that says they are ours
        for position, message_id in enumerate(ids):
            tally.add(deliver(message_id, channel, policy, domain, lease))
            if stopping():
                release(ids[position + 1 :], lease)
                break
    return tally


def release(ids: list[int], lease: datetime | None = None) -> None:
    """Give back claimed messages not yet tried, for the next worker to take at once; with
    `lease`, only those still held with it (the others may be another worker's now)."""
    query = update(OutboxMessage).where(
        OutboxMessage.id.in_(ids), OutboxMessage.status == DeliveryStatus.PENDING
    )
    if lease is not None:
        query = query.where(OutboxMessage.lease_until == lease)
    db.session.execute(
        query.values(lease_until=None, attempts=OutboxMessage.attempts - 1).execution_options(
            synchronize_session=False
        )
    )
    db.session.commit()


def retry_failed(message: OutboxMessage) -> None:
    """An admin's Retry: the failed message is due again, with fresh attempts."""
    message.status = str(DeliveryStatus.PENDING)
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.lease_until = None
