"""An admin (or the command line) deactivates a user. Users are never deleted.

The last active admin cannot be (app.operations.people). Their sessions end on the server
at once: a deactivated person's open browser is signed out at its next request, whatever
its cookie says.
"""

from __future__ import annotations

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.users import User
from app.operations.people import check_keeps_an_admin
from app.rules.roles import Role
from app.rules.workflow import NotPermitted
from app.security.user_sessions import EndReason, end_sessions


def deactivate_user(user: User, actor: User | None, *, client: Client = NO_CLIENT) -> bool:
    """Deactivate `user`; False (and no event) when they already were."""
    if actor is not None and actor.id == user.id:
        raise NotPermitted("You cannot deactivate your own account")
    if not user.active:
        return False
    if Role.ADMIN in user.roles:
        check_keeps_an_admin(user)
    user.active = False
    ended = end_sessions(user, EndReason.DEACTIVATED)
    db.session.flush()
    append_event(
        db.session,
        EventType.USER_DEACTIVATED,
        actor=ActorSnapshot.of(actor),
        client=client,
        payload={
            "user_id": user.id,
            "email": user.email,
            "sessions_ended": ended,
            "before": {"active": True},
            "after": {"active": False},
        },
    )
    return True
