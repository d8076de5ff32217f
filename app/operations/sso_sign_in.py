"""A person signs in through single sign-on: the person an ID token names, or a refusal,
each written to the audit chain as password sign-ins are (app.operations.sign_in).

The provider's token has been checked by then (app.web.sso). Here: its email address
must be verified and belong to an account an admin made (no account is ever created
here), that account must be active, and the token's nonce must not have signed anyone in
before. The caller commits, whatever the outcome, so refusals are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit.chain import NO_CLIENT, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.sign_on import UsedSsoValue
from app.models.users import User
from app.security.sso import SsoFailure, SsoRefused, digest, verified_email


def check_sso_identity(claims: Mapping[str, Any], *, client: Client = NO_CLIENT) -> User:
    """The active person `claims` name; SsoRefused (audited) otherwise."""
    try:
        email = verified_email(claims)
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            raise SsoRefused(SsoFailure.UNKNOWN_EMAIL)
        if not user.active:
            raise SsoRefused(SsoFailure.DEACTIVATED)
        _use_nonce(str(claims.get("nonce") or ""))
    except SsoRefused as refusal:
        named = claims.get("email")
        record_sso_failure(refusal, email=named if isinstance(named, str) else None, client=client)
        raise
    return user


def record_sso_failure(
    refusal: SsoRefused, *, email: str | None = None, client: Client = NO_CLIENT
) -> None:
    """Write the refused sign-on to the chain: why, and the address the token named."""
    user = None
    if email:
        user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    append_event(
        db.session,
        EventType.SIGN_IN_FAILED,
        client=client,
        payload={
            "email": (email or "")[:254].lower() or None,
            "reason": str(refusal.failure),
            "user_id": user.id if user is not None else None,
            "via": "sso",
        },
    )


def _use_nonce(nonce: str) -> None:
    """Mark the token's nonce used; a second use is a replay."""
    if not nonce:
        raise SsoRefused(SsoFailure.INVALID_TOKEN, "no nonce")
    if not use_once("nonce", nonce):
        raise SsoRefused(SsoFailure.REPLAYED_NONCE)


def use_once(kind: str, value: str) -> bool:
    """Record `value` (a state or a nonce) as used; False if it had been already. In a
    SAVEPOINT, so a repeat undoes only itself; the caller commits."""
    try:
        with db.session.begin_nested():
            db.session.add(UsedSsoValue(kind=kind, digest=digest(value)))
            db.session.flush()
    except IntegrityError:
        return False
    return True
