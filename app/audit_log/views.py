"""Auditors' screens. Placeholder: replace with the real audit log."""

from __future__ import annotations

from flask import render_template

from app.audit_log import blueprint
from app.auth.guards import role_required
from app.roles import Role


@blueprint.get("/")
@role_required(Role.AUDITOR)
def index() -> str:
    return render_template("audit_log/index.html")
