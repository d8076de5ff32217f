"""Admins: manage people (invite, roles, department, stages, deactivate and reactivate),
departments (add, rename, retire) and platforms (rename, retire), reset a person's second
factor, and watch the notifications outbox (retrying a message that failed)."""

from flask import Blueprint

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

# Modules whose routes register on the blueprint: the overview, departments, people,
# platforms, resetting a person's second factor, and the outbox.
from app.screens.admin import (  # noqa: E402, F401
    departments,
    outbox,
    people,
    platforms,
    two_factor,
    views,
)
