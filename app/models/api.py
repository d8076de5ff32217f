"""The JSON API's own records: personal API tokens, and the idempotency keys of calls
made with them (app.api.idempotency)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.types import UTCDateTime
from app.models.users import User


class ApiToken(Model):
    """A personal API token (app.security.api_tokens). Revoked, never deleted: audit events and
    idempotency keys name it."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: What the owner called it ("Departmental dashboard").
    name: Mapped[str] = mapped_column(String(100))
    #: The token's public part, for finding its row; shown on the owner's tokens page.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    #: SHA-256 (hex) of the secret part; the secret itself is shown once and kept nowhere.
    secret_hash: Mapped[str] = mapped_column(String(64))
    #: The scopes chosen at creation (`app.security.api_tokens.Scope` values), in Scope order.
    scopes: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Every token expires: the owner chose 30, 90 or 365 days.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Last call made with it, to the minute (written at most once a minute).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}>"


class IdempotencyKey(Model):
    """An Idempotency-Key a person sent with a POST, and the answer it gets every time.

    `in_progress` while the first call runs; `completed` with the stored response once it
    has answered, in the same transaction as the change it made.
    """

    __tablename__ = "idempotency_keys"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    #: SHA-256 (hex) of the method, path and body of the first call with this key.
    fingerprint: Mapped[str] = mapped_column(String(64))
    #: "in_progress" or "completed" (app.api.idempotency.KeyState).
    state: Mapped[str] = mapped_column(String(16))
    status_code: Mapped[int | None] = mapped_column(Integer)
    #: The response body as sent (JSON text).
    body: Mapped[str | None] = mapped_column(Text)
    #: The response headers a replay repeats: Content-Type, ETag, Location.
    headers: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
