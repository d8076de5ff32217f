"""Server-side sessions: open one at sign-in, check it on every request, end it for good.

The cookie holds only a random token; the `user_sessions` row holds its SHA-256, when it
began and when it was last used, and the device it was opened on (its User-Agent, for
the person's Your sessions page). A session ends (and stays ended) at sign-out, after the
idle or absolute timeout, when the password changes, when the person is deactivated, and
when the person or an admin ends it; a copied or replayed cookie then signs in no one.
No Flask request objects in here: the web layer passes the address and User-Agent in.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models.sessions import USER_AGENT_MAX, UserSession
from app.models.types import utcnow
from app.models.users import User, with_roles_and_stages
from app.rules.text import is_control_character

#: last_seen_at is written at most this often: a write per request would cost more than
#: the idle timeout's precision is worth.
TOUCH_INTERVAL = timedelta(minutes=1)


class EndReason(enum.StrEnum):
    SIGNED_OUT = "signed_out"
    IDLE_TIMEOUT = "idle_timeout"
    ABSOLUTE_TIMEOUT = "absolute_timeout"
    PASSWORD_CHANGED = "password_changed"
    DEACTIVATED = "deactivated"
    SECOND_FACTOR_RESET = "second_factor_reset"
    #: The person ended it from another of their sessions (Your sessions).
    ENDED_BY_USER = "ended_by_user"
    #: An admin ended all of the person's sessions.
    ENDED_BY_ADMIN = "ended_by_admin"


@dataclass(frozen=True)
class Timeouts:
    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_config(cls, config: dict) -> Timeouts:  # type: ignore[type-arg]
        return cls(
            idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
            absolute=timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]),
        )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(
    user: User, *, client_address: str | None = None, user_agent: str | None = None
) -> tuple[UserSession, str]:
    """A new session for `user` and the token for their cookie (shown nowhere else).
    `user_agent` is the browser's header as sent: it is kept tidied (`kept_user_agent`)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSession(
        user_id=user.id,
        token_hash=token_hash(token),
        created_at=now,
        last_seen_at=now,
        client_address=client_address,
        user_agent=kept_user_agent(user_agent),
    )
    db.session.add(row)
    db.session.flush()
    return row, token


def kept_user_agent(header: str | None) -> str | None:
    """What is stored of a User-Agent header: without control characters (PostgreSQL
    refuses NUL in text, and they have no place on a page), cut to USER_AGENT_MAX; None
    for no header, or one with nothing left."""
    if header is None:
        return None
    kept = "".join(ch for ch in header if not is_control_character(ch)).strip()
    return kept[:USER_AGENT_MAX] or None


def find_session(token: str) -> UserSession | None:
    """The session with this token, and its person with their roles and stages: one
    statement, since every signed-in page starts here."""
    query = (
        select(UserSession)
        .where(UserSession.token_hash == token_hash(token))
        .options(*with_roles_and_stages(joinedload(UserSession.user)))
    )
    return db.session.execute(query).unique().scalar_one_or_none()


def expiry_reason(row: UserSession, now: datetime, timeouts: Timeouts) -> EndReason | None:
    """Why this open session has run out at `now`, or None while it is still good."""
    if now - row.created_at >= timeouts.absolute:
        return EndReason.ABSOLUTE_TIMEOUT
    if now - row.last_seen_at >= timeouts.idle:
        return EndReason.IDLE_TIMEOUT
    return None


def touch(row: UserSession, now: datetime) -> bool:
    """Note that the session was used at `now`; True when that changed the row."""
    if now - row.last_seen_at < TOUCH_INTERVAL:
        return False
    row.last_seen_at = now
    return True


def end_session(row: UserSession, reason: EndReason, *, now: datetime | None = None) -> None:
    if row.ended_at is None:
        row.ended_at = now or utcnow()
        row.end_reason = str(reason)
        db.session.flush()


def end_sessions(user: User, reason: EndReason, *, keep: UserSession | None = None) -> int:
    """End every open session of `user` (but `keep`); how many were ended."""
    statement = (
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=str(reason))
        .execution_options(synchronize_session="fetch")
    )
    if keep is not None:
        statement = statement.where(UserSession.id != keep.id)
    return db.session.execute(statement).rowcount  # type: ignore[attr-defined, no-any-return]
