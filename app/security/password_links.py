"""One-time links to set a password: for a new account, or a reset an administrator starts.

The token is signed (itsdangerous, salted "set-password") and dated; it names the user and
a fingerprint of their password as it stands (its hash and when it was last set). Setting
or changing the password changes the fingerprint, so a link works once and dies with any
later password change, without a table of issued links. It also dies after
SET_PASSWORD_LINK_HOURS, and for a deactivated person.

The token is a credential: never log it or store it. The request log names the route's
pattern (/set-password/<token>), not the path.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.extensions import db
from app.models.users import User

SALT = "set-password"


def _serializer() -> URLSafeTimedSerializer:
    # itsdangerous signs with the last key and accepts any: a link sent before a key
    # rotation (SECRET_KEY_FALLBACKS) still works until it expires.
    keys = [*current_app.config.get("SECRET_KEY_FALLBACKS", []), current_app.config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt=SALT)


def password_state(user: User) -> str:
    """A short fingerprint of the user's password as it stands; it changes when it does."""
    changed = user.password_changed_at.isoformat() if user.password_changed_at else ""
    material = f"{user.password_hash or ''}|{changed}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:16]


def link_lifetime(config: Any) -> timedelta:
    return timedelta(hours=config["SET_PASSWORD_LINK_HOURS"])


def make_link_token(user: User) -> str:
    return _serializer().dumps({"user": user.id, "state": password_state(user)})


def _payload(token: str, max_age: timedelta | None) -> dict[str, Any] | None:
    try:
        if max_age is None:
            payload = _serializer().loads(token)
        else:
            payload = _serializer().loads(token, max_age=int(max_age.total_seconds()))
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("user"), int):
        return None
    return payload


def user_for_token(token: str, max_age: timedelta) -> User | None:
    """The active user this link is for, while it is unexpired and unused; else None."""
    payload = _payload(token, max_age)
    if payload is None:
        return None
    user = db.session.get(User, payload["user"])
    if user is None or not user.active or payload.get("state") != password_state(user):
        return None
    return user


def claimed_user_id(token: str) -> int | None:
    """The user id a genuinely signed token names, expired or used or not (for rate
    limits, which must count attempts on a link even once it no longer works)."""
    payload = _payload(token, None)
    return payload["user"] if payload is not None else None


def set_password_url(token: str) -> str:
    """The full address of the set-password page for `token`, under PERMIT_BASE_URL."""
    base = urlsplit(current_app.config["PERMIT_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build("auth.set_password", {"token": token}, force_external=True)
