"""A person sets their password through a one-time link (app.security.password_links): their first
password on a new account, or a new one after an administrator's reset.

Holding the link is the proof, so no current password is asked for. Success clears any
lockout (the reset is how a locked-out person gets back in), ends every session of theirs
(a reset often follows a suspected compromise) and, by changing the password, uses up the
link. A refusal raises InvalidContent keyed `new_password` / `confirm_password` and
changes nothing.
"""

from __future__ import annotations

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.types import utcnow
from app.models.users import User
from app.rules.workflow import InvalidContent
from app.security.lockout import clear_failures
from app.security.password_policy import new_password_errors
from app.security.passwords import hash_password, verify_password
from app.security.user_sessions import EndReason, end_sessions

SAME_AS_OLD = "New password must be different from your old password"


def set_password(
    user: User,
    *,
    new_password: str,
    confirmation: str,
    pwned_url: str | None = None,
    client: Client = NO_CLIENT,
) -> int:
    """Give `user` this password and end all their sessions; how many ended."""
    errors = new_password_errors(
        new_password,
        confirmation,
        user_inputs=(user.email, user.display_name),
        pwned_url=pwned_url,
    )
    if not errors and verify_password(user.password_hash, new_password):
        errors["new_password"] = SAME_AS_OLD
    if errors:
        raise InvalidContent(errors)
    first = user.password_hash is None
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    if user.locked_until is not None:
        append_event(
            db.session,
            EventType.ACCOUNT_UNLOCKED,
            client=client,
            payload={"user_id": user.id, "email": user.email, "reason": "password_set"},
        )
    clear_failures(user)
    ended = end_sessions(user, EndReason.PASSWORD_CHANGED)
    append_event(
        db.session,
        EventType.PASSWORD_SET,
        actor=ActorSnapshot.of(user),
        client=client,
        payload={"user_id": user.id, "first_password": first, "sessions_ended": ended},
    )
    return ended
