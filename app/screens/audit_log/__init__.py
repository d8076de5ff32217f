"""Auditors: the audit log, read-only. (A placeholder until the auditor screens land.)"""

from flask import Blueprint

blueprint = Blueprint("audit_log", __name__, url_prefix="/audit-log")

from app.screens.audit_log import checks, download, views  # noqa: E402, F401  (routes register here)
