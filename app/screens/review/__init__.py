"""Approvers: the requests awaiting their decision, the decision page, their cover (who
decides for them while they are away), and the changes to approved accounts waiting for
them."""

from flask import Blueprint

blueprint = Blueprint("review", __name__, url_prefix="/review")

from app.screens.review import changes, cover, decide, views  # noqa: E402, F401  (routes register on the blueprint)
