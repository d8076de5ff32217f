"""Signing in and out, and the home page that sends each person to their start page."""

from flask import Blueprint

blueprint = Blueprint("auth", __name__)

# Modules whose routes register on the blueprint: signing in and out, the second step of
# signing in, and one-time set-password links.
from app.screens.auth import second_factor, set_password, sso, views  # noqa: E402, F401
