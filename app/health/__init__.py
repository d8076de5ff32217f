"""Liveness and readiness checks for load balancers and orchestrators."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import csrf, db

blueprint = Blueprint("health", __name__)
csrf.exempt(blueprint)


@blueprint.get("/healthz")
def healthz() -> tuple[dict, int]:
    """The process is up and answering."""
    return {"status": "ok"}, 200


@blueprint.get("/readyz")
def readyz() -> tuple[dict, int]:
    """The process can reach its database; 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200
