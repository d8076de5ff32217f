"""A person chooses how they hear from Permit: an email for each update, or one a day.

Choosing a daily digest holds what is written for them from then on (app.notifications.
rules); what is already on its way still goes. Choosing emails again sends what was held
for the next digest at once: nothing waits for a digest that will not come.
"""

from __future__ import annotations

from sqlalchemy import update

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.notifications import DeliveryStatus, OutboxMessage
from app.models.types import utcnow
from app.models.users import NotificationFrequency, User


def choose_notification_frequency(
    user: User, frequency: NotificationFrequency, *, client: Client = NO_CLIENT
) -> bool:
    """Record `user`'s choice and audit it; False (and nothing written) if it is theirs
    already."""
    previous = user.notification_frequency
    if previous == frequency:
        return False
    user.notification_frequency = str(frequency)
    released = 0
    if frequency is NotificationFrequency.IMMEDIATE:
        result = db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.recipient_id == user.id,
                OutboxMessage.status == DeliveryStatus.HELD,
            )
            .values(status=str(DeliveryStatus.PENDING), next_attempt_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        released = result.rowcount  # type: ignore[attr-defined]
    db.session.flush()
    append_event(
        db.session,
        EventType.NOTIFICATION_FREQUENCY_CHANGED,
        actor=ActorSnapshot.of(user),
        client=client,
        payload={"user_id": user.id, "from": previous, "to": str(frequency), "released": released},
    )
    return True
