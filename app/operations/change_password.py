"""A signed-in person changes their own password (ASVS 2.1.5, 2.1.6, 3.3.3).

They must give their current password: a wrong one counts towards the account's lockout,
as at sign-in, so a borrowed session cannot be used to guess it. The new password goes
through app.security.password_policy. On success every other session of theirs ends (a browser
left signed in elsewhere, or a stolen cookie), the one they are using stays.

A refusal raises InvalidContent keyed by form field (`current_password`, `new_password`,
`confirm_password`) after counting any wrong current password: the caller commits either
way, so the count is kept; nothing else has changed when it raises.
"""

from __future__ import annotations

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.sessions import UserSession
from app.models.types import utcnow
from app.models.users import User
from app.operations.sign_in import PASSWORD_MAX, count_failed_attempt, unlock_if_expired
from app.rules.workflow import InvalidContent
from app.security.lockout import LockoutPolicy, clear_failures, is_locked
from app.security.password_policy import new_password_errors
from app.security.passwords import hash_password, verify_password
from app.security.user_sessions import EndReason, end_sessions

WRONG_CURRENT = "Your current password is incorrect"
LOCKED = "Your account is locked after too many wrong passwords. Try again later"
SAME_AS_CURRENT = "New password must be different from your current password"


def change_password(
    user: User,
    *,
    current_password: str,
    new_password: str,
    confirmation: str,
    keep: UserSession | None,
    lockout: LockoutPolicy | None = None,
    pwned_url: str | None = None,
    client: Client = NO_CLIENT,
) -> int:
    """Change `user`'s password and end their sessions but `keep`; how many ended."""
    unlock_if_expired(user, client=client)
    if is_locked(user, utcnow()):
        raise InvalidContent({"current_password": LOCKED})
    errors: dict[str, str] = {}
    if len(current_password) > PASSWORD_MAX or not verify_password(
        user.password_hash, current_password
    ):
        # A failed check of a password is a security event, wherever it happens.
        append_event(
            db.session,
            EventType.PASSWORD_CHANGE_FAILED,
            actor=ActorSnapshot.of(user),
            client=client,
            payload={"user_id": user.id, "reason": "wrong_current_password"},
        )
        count_failed_attempt(user, lockout or LockoutPolicy(), client=client)
        errors["current_password"] = WRONG_CURRENT
    errors.update(
        new_password_errors(
            new_password,
            confirmation,
            user_inputs=(user.email, user.display_name),
            pwned_url=None if errors else pwned_url,
        )
    )
    if "current_password" not in errors and new_password == current_password:
        errors["new_password"] = SAME_AS_CURRENT
    if errors:
        raise InvalidContent(errors)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    clear_failures(user)  # they have just proved the password, as at sign-in
    ended = end_sessions(user, EndReason.PASSWORD_CHANGED, keep=keep)
    append_event(
        db.session,
        EventType.PASSWORD_CHANGED,
        actor=ActorSnapshot.of(user),
        client=client,
        payload={"user_id": user.id, "sessions_ended": ended},
    )
    return ended
