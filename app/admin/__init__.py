"""Admins: see users, departments and platforms. Read-only for now (a later issue adds
changes)."""

from flask import Blueprint

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

from app.admin import views  # noqa: E402, F401  (routes register on the blueprint)
