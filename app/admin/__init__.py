"""Admins: see users, departments and platforms. Read-only for now (a later issue adds
changes)."""

from flask import Blueprint

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

# Modules whose routes register on the blueprint: the overview, and resetting a person's
# second factor.
from app.admin import two_factor, views  # noqa: E402, F401
