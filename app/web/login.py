"""The web side of a session: the cookie's token, Flask-Login, and the half-way state
between a right password and a second factor.

The rules (timeouts, ending sessions) are in app.security.user_sessions; this module only moves
tokens between the signed cookie and those rules. The cookie holds the token and
Flask-Login's user id; `load_user` accepts the pair only while the server-side session
is open, so signing out, a password change or deactivation ends a session everywhere,
and an old cookie replayed afterwards signs in no one.
"""

from __future__ import annotations

import time

from flask import current_app, g, request, session
from flask_login import login_user, logout_user

from app.audit.chain import ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.sessions import UserSession
from app.models.types import utcnow
from app.models.users import User, with_credentials
from app.security.user_sessions import (
    EndReason,
    Timeouts,
    end_session,
    expiry_reason,
    find_session,
    open_session,
    touch,
)
from app.web.client import client_from_request

TOKEN_KEY = "session_token"
PENDING_KEY = "pending_sign_in"
#: Seconds between a right password and the second factor before starting again.
PENDING_SECONDS = 5 * 60


def start_session(user: User, *, client: Client) -> UserSession:
    """Sign `user` in on a brand-new session; nothing from before carries over. The
    session notes the browser's User-Agent, so the person can tell it apart later."""
    session.clear()
    user_agent = request.headers.get("User-Agent")
    row, token = open_session(user, client_address=client.address, user_agent=user_agent)
    session[TOKEN_KEY] = token
    login_user(user, remember=False)
    g.user_session = row
    return row


def current_session() -> UserSession | None:
    """The signed-in person's session row (after `load_user` accepted it)."""
    return g.get("user_session")


def end_current_session(reason: EndReason) -> None:
    row = current_session()
    if row is not None:
        end_session(row, reason)
    session.clear()
    logout_user()  # after clear(): it leaves a note to delete any remember-me cookie


def load_user(user_id: str) -> User | None:
    """Flask-Login's user_loader: the user, only while their server-side session is open."""
    token = session.get(TOKEN_KEY)
    if not isinstance(token, str) or not user_id.isdigit():
        return None
    row = find_session(token)
    if row is None or row.user_id != int(user_id) or row.ended_at is not None:
        return None
    user = row.user  # loaded with the session (find_session)
    if user is None or not user.active:
        return None
    now = utcnow()
    reason = expiry_reason(row, now, Timeouts.from_config(current_app.config))
    if reason is not None:
        end_session(row, reason, now=now)
        append_event(
            db.session,
            EventType.SESSION_EXPIRED,
            actor=ActorSnapshot.of(user),
            client=client_from_request(),
            payload={"reason": str(reason)},
        )
        db.session.commit()
        session.clear()
        return None
    if touch(row, now):
        db.session.commit()
    g.user_session = row
    return user


def begin_pending_sign_in(user: User, next_path: str | None) -> None:
    """Remember, for a few minutes, whose password was right: the second factor is next."""
    session.clear()
    session[PENDING_KEY] = {"user_id": user.id, "at": int(time.time()), "next": next_path}


def pending_sign_in() -> tuple[User, str | None] | None:
    """The person half-way through signing in, and where they were going; or None."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("user_id"), options=[with_credentials()])
    if user is None or not user.active:
        return None
    changed = user.password_changed_at
    if changed is not None and changed.timestamp() > pending.get("at", 0):
        return None  # the password that got them half-way is no longer theirs
    return user, pending.get("next")


def clear_pending_sign_in() -> None:
    session.pop(PENDING_KEY, None)
