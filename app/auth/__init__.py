"""Signing in and out, and the home page that sends each person to their start page."""

from flask import Blueprint

blueprint = Blueprint("auth", __name__)

from app.auth import views  # noqa: E402, F401  (routes register on the blueprint)
