"""The signed-in person's own account: their password, second factor, sessions, API tokens
and how they hear from Permit."""

from flask import Blueprint

blueprint = Blueprint("account", __name__, url_prefix="/account")

from app.screens.account import (  # noqa: E402, F401  (routes register here)
    api_reference,
    api_tokens,
    notifications,
    password,
    sessions,
    two_factor,
)
