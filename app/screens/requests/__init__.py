"""Requests: the officers' screens, the request page everyone shares, and the printable
decision record."""

from flask import Blueprint

blueprint = Blueprint("requests", __name__, url_prefix="/requests")

from app.screens.requests import account, account_change, detail, record, views  # noqa: E402, F401  (routes register here)
