"""A person's active sessions, as Your sessions lists them: not ended, and within both
timeouts (a session past one is over, though it is marked ended only when next used).

The one in use comes first, then the rest by when they were last seen, the latest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select

from app.extensions import db
from app.models.sessions import UserSession
from app.models.users import User
from app.rules.devices import describe_device
from app.security.user_sessions import Timeouts

#: Largest id a URL may name: more cannot be a row (and SQLite refuses such a number).
SESSION_ID_MAX = 2**31 - 1


@dataclass(frozen=True)
class ActiveSession:
    id: int
    #: "Firefox on macOS" (app.rules.devices).
    device: str
    address: str | None
    started_at: datetime
    last_seen_at: datetime
    #: The session this page is being shown in.
    current: bool


def _active(user: User, now: datetime, timeouts: Timeouts) -> ColumnElement[bool]:
    """The person's sessions that are neither ended nor timed out at `now`
    (app.security.user_sessions.expiry_reason, in SQL)."""
    return (
        (UserSession.user_id == user.id)
        & UserSession.ended_at.is_(None)
        & (UserSession.created_at > now - timeouts.absolute)
        & (UserSession.last_seen_at > now - timeouts.idle)
    )


def active_sessions(
    user: User, *, current: UserSession | None, now: datetime, timeouts: Timeouts
) -> list[ActiveSession]:
    """`user`'s active sessions, the one in use (`current`) first."""
    rows = db.session.scalars(
        select(UserSession)
        .where(_active(user, now, timeouts))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ).all()
    sessions = [
        ActiveSession(
            id=row.id,
            device=describe_device(row.user_agent),
            address=row.client_address,
            started_at=row.created_at,
            last_seen_at=row.last_seen_at,
            current=current is not None and row.id == current.id,
        )
        for row in rows
    ]
    return sorted(sessions, key=lambda session: not session.current)  # stable: the rest keep order


def count_active_sessions(user: User, *, now: datetime, timeouts: Timeouts) -> int:
    """How many active sessions `user` has (the admin's person page)."""
    query = select(func.count()).select_from(UserSession).where(_active(user, now, timeouts))
    return db.session.scalar(query) or 0


def own_session(user: User, session_id: int) -> UserSession | None:
    """The session `session_id` if it is one of `user`'s (ended or not); None for another
    person's, or one that does not exist: the view answers 404 to both alike."""
    if session_id > SESSION_ID_MAX:
        return None
    row = db.session.get(UserSession, session_id)
    return row if row is not None and row.user_id == user.id else None
