"""Admins: manage people (invite, roles, department, stages, deactivate and reactivate),
see departments and platforms, reset a person's second factor, and watch the
notifications outbox (retrying a message that failed)."""

from flask import Blueprint

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

# Modules whose routes register on the blueprint: the overview, people, resetting a
# person's second factor, and the outbox.
from app.screens.admin import outbox, people, two_factor, views  # noqa: E402, F401
