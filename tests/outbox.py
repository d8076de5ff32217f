"""Outbox messages in each state, made the way the service makes them: a request is
submitted (its operation queues a message to each approver of the first stage), and the
delivery code of app.notifications.outbox records what a channel did with it.

For the admin's Outbox page (tests/web/admin/test_outbox.py), its operation
(tests/operations/test_retry_notification.py) and the route table.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models.notifications import DeliveryStatus, OutboxMessage
from app.notifications.channels import PermanentFailure
from app.notifications.outbox import Policy, deliver
from tests.factories import World

#: What the refusing mail server said, as a channel reports a permanent failure.
REFUSED = "SMTP 550: 5.1.1 mailbox unavailable"


class Accepting:
    """A channel that takes every message."""

    name = "accepting"

    def send(self, message: OutboxMessage, message_id: str) -> None:
        return None


class Refusing:
    """A channel that refuses every message for good, saying `error`."""

    name = "refusing"

    def __init__(self, error: str = REFUSED) -> None:
        self.error = error

    def send(self, message: OutboxMessage, message_id: str) -> None:
        raise PermanentFailure(self.error)


def queued(world: World) -> list[OutboxMessage]:
    """A request of the world's officer, submitted: the messages its submission queued
    (one to each approver of the first stage, in id order); committed."""
    request = world.submitted()
    db.session.commit()
    query = select(OutboxMessage).where(OutboxMessage.request_id == request.id)
    messages = list(db.session.scalars(query.order_by(OutboxMessage.id)))
    assert messages, "submitting a request queued no message"
    return messages


def attempt(message: OutboxMessage, channel: Accepting | Refusing) -> OutboxMessage:
    """One worker's attempt at `message` through `channel`: claimed (attempts counted, as
    `claim` does), delivered, the outcome recorded and committed."""
    message.attempts += 1
    db.session.commit()
    domain = current_app.config["MAIL_MESSAGE_ID_DOMAIN"]
    deliver(message.id, channel, Policy(), domain)
    db.session.refresh(message)
    return message


def failed(world: World, error: str = REFUSED) -> OutboxMessage:
    """A message whose delivery failed for good, saying `error`."""
    message = attempt(_first_pending(world), Refusing(error))
    assert message.status == DeliveryStatus.FAILED
    return message


def sent(world: World) -> OutboxMessage:
    """A message that was delivered."""
    message = attempt(_first_pending(world), Accepting())
    assert message.status == DeliveryStatus.SENT
    return message


def pending(world: World) -> OutboxMessage:
    """A message not yet tried."""
    message = queued(world)[0]
    assert message.status == DeliveryStatus.PENDING
    return message


def _first_pending(world: World) -> OutboxMessage:
    """The first message a submission queued to go now (not held for a daily digest)."""
    return next(m for m in queued(world) if m.status == DeliveryStatus.PENDING)
