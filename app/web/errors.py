"""Error pages in the service's design: templates/errors/<code>.html.

Under /api/ every error is application/problem+json instead (app.web.problems).

A view that wants its own words on an error page passes them as the description:
`abort(409, description="Someone else has already decided this stage")`. A domain
refusal that a view did not turn into a message on its page lands here too, as 403
(not permitted) or 409 (the request's state does not allow it), never as a 500.

A database that cannot be reached (PostgreSQL down, restarting, or cut off from this
instance) is a 503 with the "Sorry, there is a problem with the service" page, or the
`service-unavailable` problem under /api/, wherever it shows: in the view, or before it,
when Flask-Login looks up the signed-in person's session. Nothing of the call was kept
(its transaction never committed, or is rolled back here), and the next call tries the
database afresh: a lost connection is replaced, with every other of its pool, and one
left idle is checked before a call gets it (app.database.ping_idle_connections), so the
service answers again by itself once the database is back.
"""

from __future__ import annotations

import logging

from flask import Flask, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, default_exceptions

from app.database import discard_transaction
from app.extensions import db, login_manager
from app.reads.requests import RequestNotFound
from app.rules.workflow import InvalidTransition, NotPermitted, Refusal, StaleRequest
from app.web.client import is_api_request
from app.web.problems import (
    SERVICE_UNAVAILABLE,
    problem_for_http_error,
    problem_for_refusal,
    problem_response,
)

security_log = logging.getLogger("permit.security")
log = logging.getLogger("permit.database")

#: Status codes with a page of their own in templates/errors/.
ERROR_PAGES = (400, 403, 404, 405, 409, 413, 415, 429, 500, 503)
#: Seconds a client is asked to wait when the database cannot be reached.
UNAVAILABLE_RETRY_AFTER = 10


def register_errorhandlers(app: Flask) -> None:
    for code in ERROR_PAGES:
        app.register_error_handler(code, render_error)
    # Every other HTTP error (401, 412, 422, 428 ...): a problem under /api/, Werkzeug's
    # own answer elsewhere, as before there was an API.
    app.register_error_handler(HTTPException, render_other_error)
    app.register_error_handler(CSRFError, render_csrf_error)
    app.register_error_handler(NotPermitted, render_refusal)
    app.register_error_handler(InvalidTransition, render_refusal)
    app.register_error_handler(StaleRequest, render_refusal)
    app.register_error_handler(RequestNotFound, render_not_found)
    app.register_error_handler(DBAPIError, render_database_error)


def _own_description(error: HTTPException) -> str | None:
    """The description a view gave to abort(), or None for Werkzeug's stock wording."""
    stock = default_exceptions.get(error.code or 500)
    if error.description and (stock is None or error.description != stock.description):
        return error.description
    return None


def _log_refusal(reason: str, code: int) -> None:
    """Refusals are security events (ASVS 7.1.3): who was refused what, never the body."""
    security_log.warning(reason, extra={"status": code, "endpoint": request.endpoint})


def render_api_error(error: HTTPException) -> ResponseReturnValue:
    """The JSON API's errors are application/problem+json, never a page (app.web.problems)."""
    if (error.code or 500) >= 500:
        db.session.rollback()
    return problem_for_http_error(error)


def render_other_error(error: HTTPException) -> ResponseReturnValue:
    if is_api_request():
        return render_api_error(error)
    return error


def render_error(error: HTTPException) -> ResponseReturnValue:
    if is_api_request():
        return render_api_error(error)
    code = error.code or 500
    if code in (403, 429):
        _log_refusal("access refused" if code == 403 else "rate limit reached", code)
    if code >= 500:
        # The failed transaction must not stop the error page itself from reading.
        db.session.rollback()
    headers = {}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return render_template(f"errors/{code}.html", message=_own_description(error)), code, headers


def render_not_found(_missing: RequestNotFound) -> ResponseReturnValue:
    """A request the person may not see reads as one that is not there (app.reads)."""
    return render_error(NotFound())


def render_csrf_error(error: CSRFError) -> ResponseReturnValue:
    if is_api_request():
        return render_api_error(error)
    _log_refusal("CSRF token missing or wrong", 400)
    return render_template("errors/400.html", csrf=True), 400


def render_refusal(refusal: Refusal) -> ResponseReturnValue:
    db.session.rollback()
    if is_api_request():
        return problem_for_refusal(refusal)
    code = 403 if isinstance(refusal, NotPermitted) else 409
    if code == 403:
        _log_refusal("access refused", code)
    return render_template(f"errors/{code}.html", message=refusal.message), code


def database_unreachable(error: DBAPIError) -> bool:
    """Whether the database failed to serve at all, rather than refused this statement.

    PEP 249's OperationalError is the driver's word for a failure of the database's
    operation (refused or lost connections, timeouts, a SQLite file that is locked or
    missing); any other error that cost the connection counts too."""
    return isinstance(error, OperationalError) or bool(error.connection_invalidated)


def render_database_error(error: DBAPIError) -> ResponseReturnValue:
    """503 while the database cannot be reached; any other database error stays a 500."""
    if not database_unreachable(error):
        raise error  # Flask logs it and answers 500, as for any other bug
    # The driver's message only: SQLAlchemy's own text would add the statement's parameters.
    reason = (str(error.orig).strip().splitlines() or [type(error.orig).__name__])[0]
    log.error("database unreachable: %s", reason, extra={"endpoint": request.endpoint})
    discard_transaction()
    # The page must not ask the database who is signed in (the look-up that may just have
    # failed): it is drawn as for someone signed out.
    g._login_user = login_manager.anonymous_user()
    headers = {"Retry-After": str(UNAVAILABLE_RETRY_AFTER)}
    if is_api_request():
        detail = "The service cannot reach its database. Try again later"
        return problem_response(SERVICE_UNAVAILABLE, detail, headers=headers)
    return render_template("errors/503.html"), 503, headers
