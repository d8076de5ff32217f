"""Your sessions (ASVS 3.3.4): where the person is signed in now, and ending any other of
those sessions, or all of them but this one.

Each active session shows its device (from the browser's User-Agent at sign-in), its
address, when it started and when it was last seen; the one in use is "This device", and
has no button: signing out ends it. Another person's session is a 404, as if it did not
exist, like another person's API token.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.extensions import db
from app.models.types import utcnow
from app.operations.end_user_sessions import end_other_sessions, end_user_session
from app.reads.user_sessions import active_sessions, own_session
from app.rules.devices import describe_device
from app.screens.account import blueprint
from app.security.user_sessions import Timeouts
from app.web.client import client_from_request
from app.web.login import current_session


@blueprint.get("/sessions")
def sessions() -> ResponseReturnValue:
    config = current_app.config
    listed = active_sessions(
        current_user,
        current=current_session(),
        now=utcnow(),
        timeouts=Timeouts.from_config(config),
    )
    return render_template(
        "account/sessions.html",
        sessions=listed,
        others=[session for session in listed if not session.current],
        idle_minutes=config["SESSION_IDLE_MINUTES"],
        absolute_hours=config["SESSION_ABSOLUTE_HOURS"],
    )


@blueprint.post("/sessions/<int:session_id>/end")
def end_session(session_id: int) -> ResponseReturnValue:
    """End one of the person's other sessions (CSRFProtect has checked the form's token)."""
    row = own_session(current_user, session_id)
    if row is None:
        abort(404)
    # The session in use is refused by the operation (NotPermitted: a 403 page saying to
    # sign out); the page offers no button for it.
    ended = end_user_session(
        row, current_user, current=current_session(), client=client_from_request()
    )
    db.session.commit()
    device = describe_device(row.user_agent)
    if ended:
        flash(f"You ended the session on {device}: it is signed out.", "success")
    else:
        flash(f"The session on {device} had already ended.")
    return redirect(url_for("account.sessions"))


@blueprint.post("/sessions/end-others")
def end_others() -> ResponseReturnValue:
    """End every session of the person's but this one."""
    current = current_session()
    if current is None:  # signed in without a session row: nothing could tell them apart
        abort(404)
    ended = end_other_sessions(current_user, current=current, client=client_from_request())
    db.session.commit()
    if ended:
        flash("You ended your other sessions: you are signed in on this device only.", "success")
    else:
        flash("You had no other sessions to end.")
    return redirect(url_for("account.sessions"))
