"""Where the process's own metrics are counted: around each request, and after a commit.

Requests: a before_request hook that runs before every other (so a request refused by
CSRF, a rate limit or the sign-in guard is timed too) and an after_request hook, which
Flask runs for every answer, error pages included.

Decisions: counted from the session, not from the views, so the decision page, the API
and any later face count the same way and the operations stay free of metrics. A flush
notes each new `Decision` row on the session; a commit counts what was noted; a
transaction that ends without committing (a refusal, an error) forgets it.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, g, request
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.extensions import db
from app.metrics.instruments import DECISIONS, REQUEST_DURATION, UNMATCHED
from app.models.requests import Decision

#: Where a session keeps the decisions it flushed and has not committed yet.
_PENDING = "permit_metrics_decisions"


def init_app(app: Flask) -> None:
    # First of all the before_request hooks: the extensions registered theirs already.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)
    app.after_request(_observe_request)
    listen_for_decisions()


def _start_timer() -> None:
    g.metrics_started_at = time.perf_counter()


def _observe_request(response: Response) -> Response:
    started = g.get("metrics_started_at")
    if started is not None:
        REQUEST_DURATION.labels(
            endpoint=request.endpoint or UNMATCHED,
            method=request.method,
            status=str(response.status_code),
        ).observe(time.perf_counter() - started)
    return response


def listen_for_decisions() -> None:
    """Install the session listeners, once per process (every app shares the session)."""
    for name, listener in (
        ("after_flush", _note_decisions),
        ("after_commit", _count_decisions),
        ("after_transaction_end", _forget_decisions),
    ):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def _note_decisions(session: Session, _flush_context: Any) -> None:
    made = [(row.stage_code, row.outcome) for row in session.new if isinstance(row, Decision)]
    if made:
        session.info.setdefault(_PENDING, []).extend(made)


def _count_decisions(session: Session) -> None:
    for stage, outcome in session.info.pop(_PENDING, ()):
        DECISIONS.labels(stage=stage, outcome=outcome).inc()


def _forget_decisions(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended: committed (counted above) or rolled back.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
