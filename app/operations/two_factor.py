"""A person's second factor: setting it up, using it at sign-in, an admin's reset, and an
officer turning theirs off.

One module rather than a file per verb: these operations share the failure handling
(every refused code is audited and counts towards the account's lockout, ASVS 2.2.1) and
the recovery codes' life cycle, and app.operations.sign_in points here for the step
between `check_password` and `complete_sign_in`. The rules themselves (which codes are
good, which roles need a second factor) are in app.security.two_factor. Each operation takes the
actor and the client, appends its audit event and flushes; the caller commits.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import delete, func, select

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.sessions import RecoveryCode
from app.models.types import utcnow
from app.models.users import User
from app.operations.sign_in import count_failed_attempt, unlock_if_expired
from app.rules.workflow import NotPermitted
from app.security.lockout import LockoutPolicy, is_locked
from app.security.two_factor import (
    REQUIRED_BY_ROLE,
    hash_recovery_code,
    match_recovery_code,
    new_recovery_codes,
    new_secret,
    second_factor_required,
    verify_code,
)
from app.security.user_sessions import EndReason, end_sessions


class SecondFactorMethod(enum.StrEnum):
    """How a person passed the second step: `complete_sign_in`'s `second_factor`."""

    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"


def start_enrolment(user: User) -> str:
    """The secret `user` is setting up: the one still waiting for its first code, or a new
    one. It does not count until `confirm_enrolment` proves the app holds it."""
    if user.has_second_factor:
        raise NotPermitted("Two-factor authentication is already set up for this account")
    if user.totp_secret is None:
        user.totp_secret = new_secret()
        user.totp_last_counter = None
        db.session.flush()
    return user.totp_secret


def confirm_enrolment(
    user: User, code: str, *, client: Client = NO_CLIENT, now: datetime | None = None
) -> list[str] | None:
    """Turn the second factor on with a first good code: the ten recovery codes, which
    exist nowhere else once shown; None (and nothing changed) when the code is wrong."""
    _lock(user)
    if user.totp_secret is None or user.has_second_factor:
        raise NotPermitted("There is no two-factor set-up waiting for a code")
    now = now or utcnow()
    step = verify_code(user, code, now)
    if step is None:
        return None
    user.totp_confirmed_at = now
    user.totp_last_counter = step
    codes = _replace_recovery_codes(user)
    append_event(
        db.session,
        EventType.TWO_FACTOR_ENROLLED,
        actor=ActorSnapshot.of(user),
        client=client,
        payload={"user_id": user.id, "recovery_codes": len(codes)},
    )
    return codes


def recovery_codes_left(user: User) -> int:
    """How many of `user`'s recovery codes are still unused."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def check_code(
    user: User,
    code: str,
    *,
    policy: LockoutPolicy | None = None,
    client: Client = NO_CLIENT,
    now: datetime | None = None,
) -> bool:
    """True when `code` from the authenticator app is good for `user` now (and it cannot
    be used again); a refusal is audited and counts towards lockout."""
    now = now or utcnow()
    _lock(user)
    if _refusal(user, SecondFactorMethod.TOTP, client, now):
        return False
    step = verify_code(user, code, now)
    if step is None:
        _refuse(user, SecondFactorMethod.TOTP, "wrong_code", policy=policy, client=client)
        return False
    user.totp_last_counter = step
    db.session.flush()
    return True


def use_recovery_code(
    user: User,
    code: str,
    *,
    policy: LockoutPolicy | None = None,
    client: Client = NO_CLIENT,
    now: datetime | None = None,
) -> bool:
    """True when `code` is one of `user`'s unused recovery codes, now used up; a refusal
    is audited and counts towards lockout."""
    now = now or utcnow()
    _lock(user)
    if _refusal(user, SecondFactorMethod.RECOVERY_CODE, client, now):
        return False
    unused = db.session.scalars(
        select(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        .order_by(RecoveryCode.id)
    ).all()
    row = match_recovery_code(unused, code)
    if row is None:
        _refuse(user, SecondFactorMethod.RECOVERY_CODE, "wrong_code", policy=policy, client=client)
        return False
    row.used_at = now
    append_event(
        db.session,
        EventType.RECOVERY_CODE_USED,
        actor=ActorSnapshot.of(user),
        client=client,
        payload={"user_id": user.id, "remaining": len(unused) - 1},
    )
    return True


def reset_second_factor(user: User, actor: User | None, *, client: Client = NO_CLIENT) -> bool:
    """An admin removes `user`'s second factor and recovery codes and ends their sessions:
    they set it up again at their next sign-in. False (and no event) when there was none."""
    if actor is not None and actor.id == user.id:
        raise NotPermitted("You cannot reset your own two-factor authentication: ask another admin")
    if user.totp_secret is None:
        return False
    _remove_second_factor(user)
    ended = end_sessions(user, EndReason.SECOND_FACTOR_RESET)
    db.session.flush()
    append_event(
        db.session,
        EventType.TWO_FACTOR_RESET,
        actor=ActorSnapshot.of(actor),
        client=client,
        payload={"user_id": user.id, "email": user.email, "sessions_ended": ended},
    )
    return True


def turn_off_second_factor(
    user: User,
    code: str,
    *,
    policy: LockoutPolicy | None = None,
    client: Client = NO_CLIENT,
    now: datetime | None = None,
) -> bool:
    """A person whose roles do not need one turns their second factor off, proving they
    still hold it with a current code; False (the refusal audited) when the code is wrong."""
    if second_factor_required(user):
        raise NotPermitted(REQUIRED_BY_ROLE)
    if not user.has_second_factor:
        return True
    if not check_code(user, code, policy=policy, client=client, now=now):
        return False
    _remove_second_factor(user)
    append_event(
        db.session,
        EventType.TWO_FACTOR_TURNED_OFF,
        actor=ActorSnapshot.of(user),
        client=client,
        payload={"user_id": user.id},
    )
    return True


def _lock(user: User) -> None:
    """Hold `user`'s row until commit (FOR UPDATE on PostgreSQL) and read it afresh, so
    that two requests bringing the same code at the same moment cannot both pass."""
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    db.session.refresh(user)


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = new_recovery_codes()
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=hash_recovery_code(code)) for code in codes
    )
    db.session.flush()
    return codes


def _remove_second_factor(user: User) -> None:
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_counter = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()


def _refusal(user: User, method: SecondFactorMethod, client: Client, now: datetime) -> bool:
    """True (the refusal audited) when `user` cannot pass this step whatever they type."""
    unlock_if_expired(user, client=client)
    if is_locked(user, now):
        # Not counted: a locked account's lock does not grow with every attempt.
        _refuse(user, method, "locked", client=client)
        return True
    if not user.has_second_factor:
        _refuse(user, method, "not_set_up", client=client)
        return True
    return False


def _refuse(
    user: User,
    method: SecondFactorMethod,
    reason: str,
    *,
    policy: LockoutPolicy | None = None,
    client: Client,
) -> None:
    """Audit a refused code; a wrong one (not a locked account) counts towards lockout.

    No actor, as for a wrong password: who typed it is not known, only whose account.
    """
    append_event(
        db.session,
        EventType.TWO_FACTOR_FAILED,
        client=client,
        payload={
            "user_id": user.id,
            "email": user.email,
            "method": str(method),
            "reason": reason,
        },
    )
    if reason == "wrong_code":
        count_failed_attempt(user, policy or LockoutPolicy(), client=client)
