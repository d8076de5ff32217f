"""Admins: manage people (invite, roles, department, stages, deactivate and reactivate),
departments (add, rename, retire), platforms (add, rename, retire) and their pipelines
(versions with quorum rules), cover for absent approvers, reset a person's second factor,
choose the roles that must sign in with single sign-on, and watch the notifications
outbox (retrying a message that failed)."""

from flask import Blueprint

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

# Modules whose routes register on the blueprint: the overview, departments, people,
# platforms and their pipelines, cover, resetting a person's second factor, and the outbox.
from app.screens.admin import (  # noqa: E402, F401
    cover,
    departments,
    outbox,
    people,
    pipelines,
    platforms,
    sign_in_policy,
    two_factor,
    views,
)
