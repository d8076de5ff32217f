"""An admin reactivates a deactivated person: they may sign in again with their password
and second factor as they were (an admin can send a set-password link if they forgot it).
"""

from __future__ import annotations

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.users import User


def reactivate_user(user: User, actor: User | None, *, client: Client = NO_CLIENT) -> bool:
    """Reactivate `user`; False (and no event) when they were active."""
    if user.active:
        return False
    user.active = True
    db.session.flush()
    append_event(
        db.session,
        EventType.USER_REACTIVATED,
        actor=ActorSnapshot.of(actor),
        client=client,
        payload={
            "user_id": user.id,
            "email": user.email,
            "before": {"active": False},
            "after": {"active": True},
        },
    )
    return True
