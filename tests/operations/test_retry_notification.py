"""retry_notification: an admin (or the command line) makes a failed notification due
again, in the same transaction as its audit event; a message that has not failed is
refused and nothing changes."""

from __future__ import annotations

import pytest

from app.audit.events import EventType
from app.audit.verify import verify_database
from app.extensions import db
from app.models.notifications import DeliveryStatus, OutboxMessage
from app.models.types import utcnow
from app.operations.retry_notification import retry_notification
from app.rules.workflow import InvalidTransition
from tests import outbox
from tests.operations.support import assert_actor, head_seq, one_event


def delivery(message: OutboxMessage) -> tuple:
    db.session.refresh(message)
    return (
        message.status,
        message.attempts,
        message.next_attempt_at,
        message.lease_until,
        message.last_error,
    )


def test_an_admin_retries_a_failed_message(world):
    message = outbox.failed(world)
    seq = head_seq()

    retry_notification(message, world.admin)
    db.session.commit()

    db.session.refresh(message)
    assert message.status == DeliveryStatus.PENDING
    assert message.attempts == 0
    assert message.next_attempt_at <= utcnow()
    assert message.lease_until is None
    event = one_event(seq)
    assert event.event_type == EventType.NOTIFICATION_RETRIED
    assert event.payload == {
        "message_id": message.id,
        "kind": message.kind,
        "recipient_id": message.recipient_id,
    }
    assert event.request_id is None and event.request_reference is None
    assert_actor(event, world.admin)
    assert verify_database(db.session).ok


def test_the_command_line_retries_with_no_actor(world):
    message = outbox.failed(world)
    seq = head_seq()
    retry_notification(message, None)
    db.session.commit()
    assert one_event(seq).actor_id is None


@pytest.mark.parametrize("make", [outbox.sent, outbox.pending], ids=["sent", "pending"])
def test_a_message_that_has_not_failed_is_refused_and_nothing_changes(world, make):
    message = make(world)
    before, seq = delivery(message), head_seq()

    with pytest.raises(InvalidTransition, match="there is nothing to retry"):
        retry_notification(message, world.admin)
    db.session.rollback()

    assert delivery(message) == before
    assert head_seq() == seq


def test_the_retry_and_its_event_are_one_transaction(world):
    """Rolled back (the view's answer to any error after the operation), neither stays."""
    message = outbox.failed(world)
    before, seq = delivery(message), head_seq()
    retry_notification(message, world.admin)
    db.session.rollback()
    assert delivery(message) == before
    assert head_seq() == seq
