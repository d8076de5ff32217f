"""Officers' screens. Placeholder: replace with the real list of requests."""

from __future__ import annotations

from flask import render_template

from app.auth.guards import role_required
from app.requests import blueprint
from app.roles import Role


@blueprint.get("/")
@role_required(Role.OFFICER)
def index() -> str:
    return render_template("requests/index.html")
