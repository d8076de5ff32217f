"""Approvers: the requests awaiting their decision. (A placeholder until the approver
screens land.)"""

from flask import Blueprint

blueprint = Blueprint("review", __name__, url_prefix="/review")

from app.screens.review import decide, views  # noqa: E402, F401  (routes register on the blueprint)
