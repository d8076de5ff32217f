"""Ending sessions on purpose (ASVS 3.3.4): a person ends one of their other sessions, or
all of them but the one they are using, from Your sessions; an admin ends all of a
person's sessions. Each ended browser is signed out at its next request, whatever its
cookie says (app.web.login.load_user), and one audit event records it, in the same
transaction.

A person ends only their own sessions: another's is refused here too, though the page
never offers one (its view answers 404, so that ids do not leak). The session in use is
ended by signing out, not from the list. An admin's own sessions are ended from their
own Your sessions page, not from the admin pages, which would sign them out everywhere.
"""

from __future__ import annotations

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.sessions import UserSession
from app.models.users import User
from app.rules.workflow import NotPermitted
from app.security.user_sessions import EndReason, end_session, end_sessions

NOT_YOURS = "You can only end your own sessions"
IN_USE = "You are using this session: sign out to end it"
OWN_FROM_ADMIN = "To end your own sessions, use Your sessions on your account page"


def end_user_session(
    row: UserSession, actor: User, *, current: UserSession | None, client: Client = NO_CLIENT
) -> bool:
    """`actor` ends `row`, one of their sessions other than `current` (the one in use);
    False (and no event) when it had already ended."""
    if row.user_id != actor.id:
        raise NotPermitted(NOT_YOURS)
    if current is not None and row.id == current.id:
        raise NotPermitted(IN_USE)
    if row.ended_at is not None:
        return False
    end_session(row, EndReason.ENDED_BY_USER)
    append_event(
        db.session,
        EventType.SESSION_ENDED,
        actor=ActorSnapshot.of(actor),
        client=client,
        payload={"user_id": actor.id, "session_id": row.id, "reason": str(EndReason.ENDED_BY_USER)},
    )
    return True


def end_other_sessions(actor: User, *, current: UserSession, client: Client = NO_CLIENT) -> int:
    """`actor` ends every session of theirs but `current`; how many ended (no event for
    none)."""
    if current.user_id != actor.id:
        raise NotPermitted(NOT_YOURS)
    ended = end_sessions(actor, EndReason.ENDED_BY_USER, keep=current)
    if ended:
        append_event(
            db.session,
            EventType.OTHER_SESSIONS_ENDED,
            actor=ActorSnapshot.of(actor),
            client=client,
            payload={
                "user_id": actor.id,
                "kept_session_id": current.id,
                "sessions_ended": ended,
                "reason": str(EndReason.ENDED_BY_USER),
            },
        )
    return ended


def end_all_sessions(user: User, actor: User | None, *, client: Client = NO_CLIENT) -> int:
    """An admin (`actor`; None: the command line) ends every session of `user`: signed out
    everywhere. How many ended (no event for none)."""
    if actor is not None and actor.id == user.id:
        raise NotPermitted(OWN_FROM_ADMIN)
    ended = end_sessions(user, EndReason.ENDED_BY_ADMIN)
    if ended:
        append_event(
            db.session,
            EventType.USER_SESSIONS_ENDED,
            actor=ActorSnapshot.of(actor),
            client=client,
            payload={
                "user_id": user.id,
                "email": user.email,
                "sessions_ended": ended,
                "reason": str(EndReason.ENDED_BY_ADMIN),
            },
        )
    return ended
