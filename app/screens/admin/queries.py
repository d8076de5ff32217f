"""What the admin's screens read: the outbox, newest first, a page at a time, and how many
messages are in each status.

A page of the outbox costs two queries however many messages there are: the counts (one
GROUP BY, which also gives the filter its numbers), and one select of the page's rows
without their recipients (the table shows the address the message was written to).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from app.extensions import db
from app.models.notifications import DeliveryStatus, OutboxMessage
from app.reads.pagination import Page, page_count

#: Messages on each page of the outbox.
PAGE_SIZE = 25


def delivery_status(value: str | None) -> DeliveryStatus | None:
    """The status a query string asks for; None (every message) for anything else."""
    try:
        return DeliveryStatus(value) if value else None
    except ValueError:
        return None


def status_counts() -> dict[DeliveryStatus, int]:
    """How many messages are in each status (0 for none): one query."""
    found = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    return {status: int(found.get(str(status), 0)) for status in DeliveryStatus}


def failed_count() -> int:
    """How many messages have failed for good and wait for an admin's Retry."""
    count = db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status == DeliveryStatus.FAILED)
    )
    return int(count or 0)


def outbox_page(
    status: DeliveryStatus | None, number: int, total: int
) -> Page[OutboxMessage] | None:
    """Page `number` of the messages in `status` (all when None), newest first; None when
    there is no such page. `total` is how many there are (from `status_counts`)."""
    pages = page_count(total, PAGE_SIZE)
    if not 1 <= number <= pages:
        return None
    query = (
        select(OutboxMessage)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(PAGE_SIZE)
        .offset((number - 1) * PAGE_SIZE)
        .options(lazyload(OutboxMessage.recipient))
    )
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    items = list(db.session.scalars(query))
    return Page(items=items, number=number, pages=pages, total=total, size=PAGE_SIZE)
