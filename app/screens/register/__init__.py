"""The register of approved accounts: the signed-in register with its export, Security's
reviews due, and the optional public page (PERMIT_PUBLIC_REGISTER=1)."""

from flask import Blueprint

blueprint = Blueprint("register", __name__, url_prefix="/register")

from app.screens.register import views  # noqa: E402, F401  (routes register on the blueprint)
