"""Admins: manage people (invite, roles, department, stages, deactivate and reactivate)
and departments (add, rename, retire), see platforms, reset a person's second factor, and watch the
notifications outbox (retrying a message that failed)."""

from flask import Blueprint

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

# Modules whose routes register on the blueprint: the overview, departments, people,
# resetting a person's second factor, and the outbox.
from app.screens.admin import departments, outbox, people, two_factor, views  # noqa: E402, F401
