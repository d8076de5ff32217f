"""Finding the request a URL names, for the person asking."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from app.access import can_view
from app.extensions import db
from app.models.requests import AccessRequest


def load_request(reference: str) -> AccessRequest:
    """The request with this reference, or 404 when it does not exist or the signed-in
    person may not see it (so its existence does not leak to other departments)."""
    if "\x00" in reference:  # PostgreSQL refuses NUL in a query: no reference has one
        abort(404)
    request = db.session.scalar(
        select(AccessRequest).where(AccessRequest.reference == reference.upper())
    )
    if request is None or not can_view(current_user, request):
        abort(404)
    return request
