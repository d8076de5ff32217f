"""Single sign-on: the nonces already used, and which roles must sign in through it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.types import UTCDateTime, utcnow


class UsedSsoValue(Model):
    """A state or nonce single sign-on has used: either coming back again is refused as
    a replay. Kept on the server because the state waits in the signed cookie, which a
    copy could bring back."""

    __tablename__ = "used_sso_values"

    #: "state" or "nonce".
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    #: SHA-256 (hex) of the value.
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoleSignInPolicy(Model):
    """Whether people holding a role must sign in with single sign-on (no password)."""

    __tablename__ = "role_sign_in_policies"

    #: `app.rules.roles.Role` value.
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    sso_required: Mapped[bool] = mapped_column(Boolean, default=False)
