"""Signed-in sessions, kept on the server so that they can be ended there.

Flask's cookie session cannot be revoked, and Flask-Login's session id survives sign-out
and sign-in (its issue #449). The cookie carries a random token; the row holds the token's
SHA-256, so a copy of the database cannot be replayed as a cookie.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.types import UTCDateTime
from app.models.users import User

#: Longest User-Agent kept; a longer one is cut (app.security.user_sessions.open_session).
USER_AGENT_MAX = 255


class UserSession(Model):
    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_id_ended_at", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: SHA-256 (hex) of the token in the person's cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Last request seen, to the minute: the idle timeout counts from here.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Set when the session ends: sign-out, timeout, password change, deactivation, or the
    #: person (Your sessions) or an admin ending it.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: `app.security.user_sessions.EndReason` value.
    end_reason: Mapped[str | None] = mapped_column(String(32))
    client_address: Mapped[str | None] = mapped_column(String(64))
    #: The User-Agent header at sign-in, control characters dropped and cut to
    #: USER_AGENT_MAX; None when the browser sent none (and for sessions before 0015).
    #: Shown as a device ("Firefox on macOS": app.rules.devices), never trusted.
    user_agent: Mapped[str | None] = mapped_column(String(USER_AGENT_MAX))

    #: Read with the session by `app.security.user_sessions.find_session`, roles and stages too.
    user: Mapped[User] = relationship()


class RecoveryCode(Model):
    """A one-time code that stands in for the authenticator app (ten made at enrolment)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: argon2id hash of the code (app.security.passwords); the code itself is shown once.
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
