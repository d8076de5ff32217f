"""An administrator (or the command line) issues a one-time set-password link: for a new
account without a password, or to reset a forgotten one. The audit event records that a
link was issued, for whom and why, never the link: it is a credential until used.
"""

from __future__ import annotations

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.users import User
from app.rules.workflow import InactiveUser
from app.security.password_links import make_link_token


def issue_password_link(
    user: User, actor: User | None, *, valid_hours: int, client: Client = NO_CLIENT
) -> str:
    """A fresh link token for `user`; `actor` None means the command line."""
    if not user.active:
        raise InactiveUser(f"{user.email} is deactivated: a link would not work")
    token = make_link_token(user)
    append_event(
        db.session,
        EventType.PASSWORD_LINK_ISSUED,
        actor=ActorSnapshot.of(actor),
        client=client,
        payload={
            "user_id": user.id,
            "email": user.email,
            "reason": "reset" if user.password_hash else "new_account",
            "valid_hours": valid_hours,
        },
    )
    return token
