"""A person signs in: first their password, then (where they have one) a second factor.

Every attempt is written to the audit chain: success with the person as actor, failure
with the address tried (never the password) and why, for the security team; so are
lockouts and unlocks. The person trying is told only that it failed, whatever the reason,
and a wrong or locked address costs the same argon2 work as a wrong password, so neither
words nor timing say which accounts exist or which are locked.

`check_password` is the first step; `complete_sign_in` the last, once any second factor
has been checked (app.operations.two_factor). The caller commits after each, so failures
are kept, and starts the session itself.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from sqlalchemy import select

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.sign_on import RoleSignInPolicy
from app.models.types import utcnow
from app.models.users import User, normalise_email, with_credentials
from app.security.lockout import (
    LockoutPolicy,
    clear_failures,
    count_failure,
    is_locked,
    lock_expired,
)
from app.security.passwords import hash_password, needs_rehash, verify_password

#: Longest password we will hash: argon2 work grows with length, so cap what a stranger sends.
PASSWORD_MAX = 1024
#: Longest email address kept in a failure's payload (RFC 5321's limit).
EMAIL_MAX = 254

_dummy_hash: str | None = None
log = logging.getLogger("permit.security")


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
    if is_locked(user, utcnow()):
        verify_password(_dummy_password_hash(), password)
        return "locked"
    if not verify_password(user.password_hash, password):
        return "wrong_password"
    if not user.active:
        return "deactivated"
    return None


def unlock_if_expired(user: User, *, client: Client = NO_CLIENT) -> None:
    """Record the end of a lock that has run out (lockouts still count towards the next)."""
    if lock_expired(user, utcnow()):
        user.locked_until = None
        append_event(
            db.session,
            EventType.ACCOUNT_UNLOCKED,
            client=client,
            payload={"user_id": user.id, "email": user.email, "reason": "expired"},
        )


def count_failed_attempt(
    user: User, policy: LockoutPolicy, *, client: Client = NO_CLIENT
) -> timedelta | None:
    """Count a wrong password or code against `user`; lock and audit at the threshold."""
    length = count_failure(user, utcnow(), policy)
    if length is not None:
        log.warning("account locked", extra={"user_id": user.id, "lockouts": user.lockouts})
        append_event(
            db.session,
            EventType.ACCOUNT_LOCKED,
            client=client,
            payload={
                "user_id": user.id,
                "email": user.email,
                "minutes": int(length.total_seconds() // 60),
                "lockouts": user.lockouts,
            },
        )
    return length


def check_password(
    email: str,
    password: str,
    *,
    policy: LockoutPolicy | None = None,
    client: Client = NO_CLIENT,
) -> User | None:
    """The active user these credentials belong to, or None (the failure audited)."""
    policy = policy or LockoutPolicy()
    email = normalise_email(email)[:EMAIL_MAX]
    user = db.session.scalar(select(User).where(User.email == email).options(with_credentials()))
    if user is not None:
        unlock_if_expired(user, client=client)
    reason = _failure_reason(user, password)
    if reason is not None:
        log.warning(
            "sign-in refused",
            extra={"reason": reason, "user_id": user.id if user is not None else None},
        )
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
        if user is not None and reason == "wrong_password":
            count_failed_attempt(user, policy, client=client)
        return None
    assert user is not None and user.password_hash is not None
    if needs_rehash(user.password_hash):
        # Hashed with weaker settings than today's: upgrade while we hold the password.
        user.password_hash = hash_password(password)
    return user


def complete_sign_in(
    user: User,
    *,
    second_factor: str | None = None,
    via: str | None = None,
    client: Client = NO_CLIENT,
) -> None:
    """Record a sign-in that passed every factor; failures start counting again.
    `via`: "sso" for single sign-on (a password sign-in says nothing)."""
    clear_failures(user)
    payload: dict[str, object] = {"second_factor": second_factor}
    if via is not None:
        payload["via"] = via
    append_event(
        db.session,
        EventType.SIGN_IN_SUCCEEDED,
        actor=ActorSnapshot.of(user),
        client=client,
        payload=payload,
    )


def sso_required(user: User) -> bool:
    """Whether one of `user`'s roles must sign in with single sign-on (an admin's choice,
    app.operations.set_sign_in_policy)."""
    roles = [str(role) for role in user.roles]
    if not roles:
        return False
    return bool(
        db.session.scalar(
            select(RoleSignInPolicy.role).where(
                RoleSignInPolicy.role.in_(roles), RoleSignInPolicy.sso_required.is_(True)
            )
        )
    )


def refuse_password_for_sso(user: User, *, client: Client = NO_CLIENT) -> None:
    """A right password from someone whose role must use single sign-on: refused, audited."""
    append_event(
        db.session,
        EventType.SIGN_IN_FAILED,
        client=client,
        payload={"email": user.email, "reason": "sso_required", "user_id": user.id},
    )
