"""Officers: their department's requests. (A placeholder until the officer screens land.)"""

from flask import Blueprint

blueprint = Blueprint("requests", __name__, url_prefix="/requests")

from app.requests import detail, views  # noqa: E402, F401  (routes register on the blueprint)
