"""Error pages in the service's design: templates/errors/<code>.html.

Under /api/ every error is application/problem+json instead (app.web.problems).

A view that wants its own words on an error page passes them as the description:
`abort(409, description="Someone else has already decided this stage")`. A domain
refusal that a view did not turn into a message on its page lands here too, as 403
(not permitted) or 409 (the request's state does not allow it), never as a 500.
"""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, default_exceptions

from app.extensions import db
from app.reads.requests import RequestNotFound
from app.rules.workflow import InvalidTransition, NotPermitted, Refusal, StaleRequest
from app.web.client import is_api_request
from app.web.problems import problem_for_http_error, problem_for_refusal

security_log = logging.getLogger("permit.security")

#: Status codes with a page of their own in templates/errors/.
ERROR_PAGES = (400, 403, 404, 405, 409, 413, 415, 429, 500)


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
