"""GOV.UK Notify as the channel: the real client (notifications-python-client) against a
local HTTP server standing in for Notify's API. The right template for each kind, the
message's facts as personalisation, its id as the reference; 400 fails for good, 429 and
500 are tried again later."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta

import jwt
import pytest
import time_machine
from flask import Flask
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from app.extensions import db
from app.notifications.rules import Kind
from app.operations.decide_stage import decide_stage
from app.rules.workflow import Outcome
from tests.factories import World
from tests.notifications.support import DOMAIN, free_port, outbox

SERVICE_ID = "8f6d3a3e-1c2b-4a5e-9f00-0123456789ab"
SECRET = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"
API_KEY = f"permit_test-{SERVICE_ID}-{SECRET}"
EMAIL = "/v2/notifications/email"


def template_for(kind: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"permit/{kind}"))


TEMPLATES = {str(kind): template_for(str(kind)) for kind in Kind}


@pytest.fixture
def notify_at(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Point the worker at a Notify API at `base_url`, with a template for every kind."""
    monkeypatch.setitem(app.config, "MAIL_MESSAGE_ID_DOMAIN", DOMAIN)
    monkeypatch.setitem(app.config, "NOTIFY_API_KEY", API_KEY)
    monkeypatch.setitem(app.config, "NOTIFY_TEMPLATE_IDS", dict(TEMPLATES))

    def point(base_url: str) -> None:
        monkeypatch.setitem(app.config, "NOTIFY_BASE_URL", base_url)

    return point


def accepted(request: Request) -> Response:
    """Notify's answer to a message it takes: 201 with the notification's id."""
    sent = request.get_json()
    body = {
        "id": str(uuid.uuid4()),
        "reference": sent.get("reference"),
        "template": {"id": sent["template_id"], "version": 1, "uri": "x"},
        "content": {"subject": "s", "body": "b", "from_email": "permit@notifications.gov.uk"},
        "uri": "x",
    }
    return Response(json.dumps(body), status=201, content_type="application/json")


def refused(status: int, error: str, message: str) -> Response:
    body = {"status_code": status, "errors": [{"error": error, "message": message}]}
    return Response(json.dumps(body), status=status, content_type="application/json")


def sent_to(httpserver: HTTPServer) -> list[dict]:
    return [request.get_json() for request, _ in httpserver.log]


def test_each_message_goes_with_its_kinds_template_its_facts_and_its_id(
    world: World, httpserver: HTTPServer, notify_at, notify_once
):
    request = world.submitted()
    decide_stage(
        request, world.security, stage="security", version=request.version, outcome=Outcome.APPROVE
    )
    db.session.commit()
    httpserver.expect_request(EMAIL, method="POST").respond_with_handler(accepted)
    notify_at(httpserver.url_for("/"))

    ref = request.reference
    base = "http://127.0.0.1:5000"
    waiting = {
        "reference": ref,
        "department": "Department for Science, Innovation and Technology",
        "platform": "TikTok",
        "next_stage": "",
    }
    expected = {
        # Submitted: Security's approvers (but Sally decided, so she hears nothing after).
        (world.security.email, "stage_waiting", "Security"),
        (world.security_2.email, "stage_waiting", "Security"),
        # Security approved: No10's approvers, and the officer.
        (world.no10.email, "stage_waiting", "No10"),
        (world.no10_2.email, "stage_waiting", "No10"),
        (world.officer.email, "stage_approved", "Security"),
    }
    result = notify_once()
    assert "Sent 5, to retry 0, failed 0." in result.output

    messages = sent_to(httpserver)
    assert {
        (m["email_address"], _kind_of(m["template_id"]), m["personalisation"]["stage"])
        for m in messages
    } == expected
    rows = {row.recipient_email + row.kind: row for row in outbox()}
    for message in messages:
        row = rows[message["email_address"] + _kind_of(message["template_id"])]
        assert message["reference"] == f"permit-outbox-{row.id}@{DOMAIN}"
        facts = message["personalisation"]
        if row.kind == "stage_waiting":
            assert facts == {**waiting, "stage": facts["stage"], "link": facts["link"]}
            assert facts["link"] == f"{base}/review/{ref}/decide"
        else:
            assert facts["next_stage"] == "No10"
            assert facts["link"] == f"{base}/requests/{ref}"
        # Data minimisation: nothing of the request's own content travels to Notify.
        assert "Two-person rule" not in json.dumps(message)
    assert {row.status for row in outbox()} == {"sent"}


def test_the_client_signs_each_call_with_the_services_key(
    world: World, httpserver: HTTPServer, notify_at, notify_once
):
    world.submitted()
    db.session.commit()
    httpserver.expect_request(EMAIL, method="POST").respond_with_handler(accepted)
    notify_at(httpserver.url_for("/"))
    notify_once()
    request, _ = httpserver.log[0]
    token = request.headers["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["iss"] == SERVICE_ID


def test_a_400_from_notify_fails_the_message_at_once_and_the_others_still_go(
    world: World, httpserver: HTTPServer, notify_at, notify_once
):
    world.submitted()
    db.session.commit()
    bad, good = world.security_2.email, world.security.email

    def answer(request: Request) -> Response:
        if request.get_json()["email_address"] == bad:
            return refused(
                400, "BadRequestError", "Can't send to this recipient using a team-only API key"
            )
        return accepted(request)

    httpserver.expect_request(EMAIL, method="POST").respond_with_handler(answer)
    notify_at(httpserver.url_for("/"))
    result = notify_once()
    assert "Sent 1, to retry 0, failed 1." in result.output
    by_email = {row.recipient_email: row for row in outbox()}
    assert (by_email[bad].status, by_email[bad].attempts) == ("failed", 1)
    assert "Notify 400" in by_email[bad].last_error
    assert "team-only API key" in by_email[bad].last_error
    assert by_email[good].status == "sent"

    # Failed means failed: a later run does not try it again.
    assert "Sent 0, to retry 0, failed 0." in notify_once().output
    assert len(httpserver.log) == 2


@pytest.mark.parametrize(
    ("status", "error"),
    [(429, "RateLimitError"), (500, "Exception"), (503, "ServiceUnavailable")],
)
def test_a_rate_limit_or_server_error_is_tried_again_later_and_then_goes(
    world: World, httpserver: HTTPServer, notify_at, notify_once, status: int, error: str
):
    world.submitted()
    db.session.commit()
    httpserver.expect_ordered_request(EMAIL, method="POST").respond_with_response(
        refused(status, error, "Try again later")
    )
    httpserver.expect_ordered_request(EMAIL, method="POST").respond_with_response(
        refused(status, error, "Try again later")
    )
    notify_at(httpserver.url_for("/"))

    result = notify_once()
    assert "Sent 0, to retry 2, failed 0." in result.output
    rows = outbox()
    assert all(row.status == "pending" and f"Notify {status}" in row.last_error for row in rows)
    references = {m["reference"] for m in sent_to(httpserver)}

    httpserver.clear_all_handlers()
    httpserver.expect_request(EMAIL, method="POST").respond_with_handler(accepted)
    due = max(row.next_attempt_at for row in rows)
    with time_machine.travel(due + timedelta(seconds=1), tick=False):
        assert "Sent 2, to retry 0, failed 0." in notify_once().output
    assert {(row.status, row.attempts) for row in outbox()} == {("sent", 2)}
    # The second try is recognisably the same message: the same reference.
    assert {m["reference"] for m in sent_to(httpserver)[2:]} == references


def test_notify_out_of_reach_is_a_temporary_failure(world: World, notify_at, notify_once):
    world.submitted()
    db.session.commit()
    notify_at(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    result = notify_once()
    assert "Sent 0, to retry 2, failed 0." in result.output
    assert all("Notify 503" in row.last_error for row in outbox())


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"NOTIFY_API_KEY": "not-a-key"}, "NOTIFY_API_KEY"),
        (
            {"NOTIFY_API_KEY": f"permit-{SERVICE_ID}-not-a-secret-at-all-0000000000"},
            "NOTIFY_API_KEY",
        ),
        (
            {"NOTIFY_TEMPLATE_IDS": {k: v for k, v in TEMPLATES.items() if k != "rejected"}},
            "NOTIFY_TEMPLATE_REJECTED",
        ),
        (
            {"NOTIFY_TEMPLATE_IDS": {**TEMPLATES, "digest": "my-digest-template"}},
            "NOTIFY_TEMPLATE_DIGEST",
        ),
        ({"SMTP_URL": "smtp://127.0.0.1:2525"}, "SMTP_URL and NOTIFY_API_KEY"),
    ],
)
def test_a_notify_setting_that_cannot_work_stops_the_worker_at_start_naming_it(
    app: Flask,
    world: World,
    httpserver: HTTPServer,
    notify_at,
    monkeypatch: pytest.MonkeyPatch,
    settings: dict,
    named: str,
):
    world.submitted()
    db.session.commit()
    notify_at(httpserver.url_for("/"))
    for name, value in settings.items():
        monkeypatch.setitem(app.config, name, value)
    result = app.test_cli_runner().invoke(args=["notify", "work", "--once"])
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], result.output
    assert SECRET not in result.output
    assert httpserver.log == []  # nothing was tried
    assert {row.attempts for row in outbox()} == {0}


def _kind_of(template_id: str) -> str:
    return next(kind for kind, template in TEMPLATES.items() if template == template_id)
