"""A person signs in with their email address and password.

Every attempt is written to the audit chain: success with the person as actor, failure
with the address tried (never the password) and why, for the security team. The person
trying is told only that it failed, whatever the reason, and a wrong address costs the
same argon2 work as a wrong password, so neither words nor timing say which accounts exist.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.users import User, normalise_email
from app.passwords import hash_password, needs_rehash, verify_password

#: Longest password we will hash: argon2 work grows with length, so cap what a stranger sends.
PASSWORD_MAX = 1024
#: Longest email address kept in a failure's payload (RFC 5321's limit).
EMAIL_MAX = 254

_dummy_hash: str | None = None


def _dummy_password_hash() -> str:
    """A hash of a random password, made with today's argon2 settings, to verify against."""
    global _dummy_hash
    if _dummy_hash is None or needs_rehash(_dummy_hash):
        _dummy_hash = hash_password(secrets.token_urlsafe(24))
    return _dummy_hash


def _failure_reason(user: User | None, password: str) -> str | None:
    """Why these credentials do not sign anyone in, or None when they do."""
    if len(password) > PASSWORD_MAX:
        return "password_too_long"
    if user is None or not user.password_hash:
        verify_password(_dummy_password_hash(), password)
        return "unknown_email" if user is None else "no_password"
    if not verify_password(user.password_hash, password):
        return "wrong_password"
    if not user.active:
        return "deactivated"
    return None


def sign_in(email: str, password: str, *, client: Client = NO_CLIENT) -> User | None:
    """The active user these credentials belong to, or None; either way, audited.

    The caller commits (so a failure is recorded too) and then starts the session.
    """
    email = normalise_email(email)[:EMAIL_MAX]
    user = db.session.scalar(select(User).where(User.email == email))
    reason = _failure_reason(user, password)
    if reason is not None:
        append_event(
            db.session,
            EventType.SIGN_IN_FAILED,
            client=client,
            payload={
                "email": email,
                "reason": reason,
                "user_id": user.id if user is not None else None,
            },
        )
        return None
    assert user is not None and user.password_hash is not None
    if needs_rehash(user.password_hash):
        # Hashed with weaker settings than today's: upgrade while we hold the password.
        user.password_hash = hash_password(password)
    append_event(
        db.session, EventType.SIGN_IN_SUCCEEDED, actor=ActorSnapshot.of(user), client=client
    )
    return user
