"""A person signs out: recorded in the audit chain. The view ends the session."""

from __future__ import annotations

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.users import User


def sign_out(user: User, *, client: Client = NO_CLIENT) -> None:
    """Record that `user` signed out; the caller commits and clears the session."""
    append_event(db.session, EventType.SIGNED_OUT, actor=ActorSnapshot.of(user), client=client)
