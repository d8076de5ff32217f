"""Application logs: one JSON object per line with the request id that the audit events
carry, and never a password, session token or CSRF token."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from app.web.logs import LOGGER_NAME
from tests.factories import PASSWORD
from tests.web.client import csrf_token, post_form, sign_in, sign_out


def formatted(caplog) -> list[str]:
    """The captured records as the production handler writes them."""
    [handler] = logging.getLogger(LOGGER_NAME).handlers
    return [
        handler.format(record) for record in caplog.records if record.name.startswith(LOGGER_NAME)
    ]


@pytest.mark.asvs("7.1.1", "7.1.3")
def test_a_journey_logs_json_lines_joined_to_the_audit_trail_and_no_secrets(client, world, caplog):
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    sign_in(client, world.officer, "a-wrong-password-for-the-log")
    response = sign_in(client, world.officer)
    cookie = client.get_cookie("__Host-permit_session").value
    token = csrf_token(client.get("/requests/new", follow_redirects=True))
    post_form(client, "/requests/new", {"platform_id": world.platform.id}, follow_redirects=True)
    sign_out(client)
    assert response.status_code == 302

    lines = formatted(caplog)
    records = [json.loads(line) for line in lines]  # each line is one JSON object
    assert all("\n" not in line for line in lines)
    assert {"time", "level", "name", "message", "request_id"} <= set(records[0])
    request_ids = {record["request_id"] for record in records}
    correlation_ids = set(db.session.scalars(select(AuditEvent.correlation_id)))
    assert correlation_ids and correlation_ids <= request_ids

    everything = "\n".join(lines)
    for secret in (PASSWORD, "a-wrong-password-for-the-log", cookie, token):
        assert secret not in everything
    refused = [r for r in records if r["message"] == "sign-in refused"]
    assert refused and refused[0]["reason"] == "wrong_password"


def test_the_response_names_its_request_id(client, world):
    response = client.get("/sign-in")
    assert len(response.headers["X-Request-ID"]) == 32


@pytest.mark.asvs("7.3.1")
def test_text_with_newlines_stays_inside_one_log_line(app, caplog):
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    hostile = 'x@example.gov.uk\n{"level": "CRITICAL", "message": "forged"}'
    logging.getLogger(LOGGER_NAME + ".test").warning("refused %s", hostile)
    [line] = formatted(caplog)
    assert "\n" not in line
    record = json.loads(line)
    assert record["level"] == "WARNING" and record["message"] == f"refused {hostile}"


@pytest.mark.asvs("7.3.4")
def test_log_times_are_utc_like_the_audit_trail(app, caplog):
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    before = datetime.now(UTC).replace(microsecond=0)
    logging.getLogger(LOGGER_NAME + ".test").info("a moment")
    [line] = formatted(caplog)
    logged = datetime.strptime(json.loads(line)["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before <= logged <= datetime.now(UTC)


@pytest.mark.asvs("7.1.3")
def test_refused_access_and_csrf_failures_are_logged_as_security_events(client_for, world, caplog):
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    officer = client_for(world.officer)
    officer.get("/audit-log/")
    officer.post("/sign-out", data={"csrf_token": "wrong"})
    security = [json.loads(line) for line in formatted(caplog) if '"permit.security"' in line]
    assert [(r["message"], r["status"]) for r in security] == [
        ("access refused", 403),
        ("CSRF token missing or wrong", 400),
    ]
    assert all(r["request_id"] != "-" for r in security)
