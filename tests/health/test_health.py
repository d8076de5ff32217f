"""Liveness and readiness, as a load balancer sees them: no sign-in, JSON answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from app import create_app
from config import TestConfig as PermitTestConfig


@pytest.fixture(params=["sqlite", "postgresql"])
def unreachable_app(request: pytest.FixtureRequest, tmp_path: Path) -> Flask:
    """An app whose database cannot be reached (needs no database server at all)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'no-such-directory' / 'permit.db'}"
    else:
        # Nothing listens on port 1: the connection is refused at once.
        url = "postgresql+psycopg://permit@127.0.0.1:1/permit?connect_timeout=2"
    return create_app(PermitTestConfig(url))


def test_healthz_says_ok_without_signing_in(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_ready_when_the_database_answers(app):
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_readyz_is_unavailable_when_the_database_does_not_answer(unreachable_app):
    response = unreachable_app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.is_json
    assert response.get_json()["status"] == "unavailable"


def test_healthz_stays_ok_when_the_database_does_not_answer(unreachable_app):
    """Liveness is the process only: a database outage must not get it restarted."""
    response = unreachable_app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
