"""An admin sends a failed notification again (the Outbox page's Retry): the message is
due at once, with fresh attempts, and the audit trail records who asked.

Only a failed message can be retried. A pending one is still being tried, and a sent one
has arrived: sending either again would give its recipient a second copy.
"""

from __future__ import annotations

from sqlalchemy import select

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.notifications import DeliveryStatus, OutboxMessage
from app.models.users import User
from app.notifications.outbox import retry_failed
from app.rules.workflow import InvalidTransition

#: Why a message in each other status cannot be retried (shown on the 409 page).
NOT_FAILED: dict[str, str] = {
    DeliveryStatus.PENDING: "This message is already waiting to be sent: there is nothing to retry",
    DeliveryStatus.SENT: "This message has already been sent: there is nothing to retry",
    DeliveryStatus.HELD: "This message waits for its recipient's daily digest: there is "
    "nothing to retry",
    DeliveryStatus.DIGESTED: "This message was sent in a daily digest: there is nothing to retry",
}


def retry_notification(
    message: OutboxMessage, actor: User | None, *, client: Client = NO_CLIENT
) -> None:
    """Make the failed `message` due again and audit it; `actor` None means the command
    line. InvalidTransition (and nothing changed) unless it failed."""
    _lock(message)
    if message.status != DeliveryStatus.FAILED:
        raise InvalidTransition(
            NOT_FAILED.get(message.status, "Only a failed message can be retried")
        )
    retry_failed(message)
    db.session.flush()
    append_event(
        db.session,
        EventType.NOTIFICATION_RETRIED,
        actor=ActorSnapshot.of(actor),
        client=client,
        payload={
            "message_id": message.id,
            "kind": message.kind,
            "recipient_id": message.recipient_id,
        },
    )


def _lock(message: OutboxMessage) -> None:
    """Hold the message's row until commit (FOR UPDATE on PostgreSQL) and read it afresh,
    so that two admins pressing Retry at once retry it once: the second finds it pending.

    Taken before the audit chain's lock, as request operations lock their request first.
    """
    db.session.execute(
        select(OutboxMessage.id).where(OutboxMessage.id == message.id).with_for_update()
    )
    db.session.refresh(message)
