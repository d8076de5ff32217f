"""Application logs: one JSON object per line in production (python-json-logger), each
carrying the id of the HTTP request it belongs to, which audit events carry too
(`correlation_id`): a log line and the event it explains can be joined.

What is never logged: passwords, tokens, TOTP secrets or codes, session cookies. The
request log names the route's pattern (/set-password/<token>), not the path a person
visited, because some paths hold a token; and it logs no form or header values.
"""

from __future__ import annotations

import logging
import sys
import time

from flask import Flask, Response, g, has_request_context, request
from flask_login import current_user
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import inspect

from app.web.client import correlation_id

LOGGER_NAME = "permit"
#: Libraries whose own log lines an operator needs, written the same way as ours:
#: Flask-Limiter says there when its Redis cannot be reached and when it is back
#: (app.web.throttle).
LIBRARY_LOGGERS = ("flask-limiter",)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record: the HTTP request's id, or "-" outside one."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = correlation_id() if has_request_context() else "-"
        return True


def init_app(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if app.config["LOG_FORMAT"] == "json":
        formatter = JsonFormatter(
            JSON_FIELDS,
            rename_fields={"levelname": "level", "asctime": "time"},
            datefmt="%Y-%m-%dT%H:%M:%SZ",
        )
        formatter.converter = time.gmtime
        handler.setFormatter(formatter)
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger(LOGGER_NAME)
    logger.handlers[:] = [handler]
    logger.setLevel(app.config["LOG_LEVEL"])
    logger.propagate = True  # tests read records through pytest's caplog
    for name in LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        library.handlers[:] = [handler]
        library.setLevel(app.config["LOG_LEVEL"])
    app.logger.handlers[:] = [handler]
    app.before_request(_start_timer)
    app.after_request(_log_request)


def _start_timer() -> None:
    g.started_at = time.perf_counter()


def _log_request(response: Response) -> Response:
    response.headers["X-Request-ID"] = correlation_id()
    elapsed = time.perf_counter() - g.get("started_at", time.perf_counter())
    logging.getLogger(LOGGER_NAME + ".request").info(
        "request",
        extra={
            "method": request.method,
            "route": request.url_rule.rule if request.url_rule else None,
            "endpoint": request.endpoint,
            "status": response.status_code,
            "duration_ms": round(elapsed * 1000, 1),
            "user_id": _user_id(),
        },
    )
    return response


def _user_id() -> str | None:
    """Who made the request, without a query: the person the request loaded, by the
    identity SQLAlchemy keeps even once a commit has expired their row (reading
    `current_user.id` then would load them, with their roles and stages, again)."""
    loaded = g.get("_login_user")  # where Flask-Login keeps the person it loaded
    if loaded is None:
        return current_user.get_id() if current_user.is_authenticated else None
    state = inspect(loaded, raiseerr=False)
    if state is None or state.identity is None:  # anonymous
        return None
    return str(state.identity[0])
