"""Fifty approvers of one stage decide the same request at the same instant, each with
the version they saw: exactly one decision is made, every other caller is told the
request moved on (409 or 412, never a 5xx), and the audit chain still verifies.

A write reads its request locked (app.reads.requests, `for_update`): this is the test
that the lock, taken at that first read, still lets only one decision through."""

from __future__ import annotations

import threading

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.audit.verify import verify_database
from app.extensions import db
from app.models import Decision
from app.rules.roles import Role
from app.rules.workflow import Status
from tests.api.conftest import fresh, make_token
from tests.factories import World, make_user
from tests.security.route_table import request_of

RACERS = 50


def test_fifty_approvers_deciding_one_stage_at_once_make_one_decision(world: World, app: Flask):
    access_request = request_of(world, Status.IN_REVIEW)
    assert access_request.current_stage == "security"
    approvers = [make_user(Role.APPROVER, stages=("security",)) for _ in range(RACERS)]
    tokens = [make_token(approver)[1] for approver in approvers]
    path = f"/api/v1/requests/{access_request.reference}/decisions"
    etag = f'"r{access_request.id}-v{access_request.version}"'
    answers: list[tuple[int, str]] = []
    start = threading.Barrier(RACERS)
    db.session.rollback()  # the test's own session holds no transaction (nor SQLite's lock)

    def decide(token: str) -> None:
        with app.app_context():
            client = FlaskClient(app, app.response_class, use_cookies=False)
            start.wait()
            response = client.post(
                path,
                json={"stage": "security", "outcome": "approve"},
                headers={"Authorization": f"Bearer {token}", "If-Match": etag},
            )
            kind = "" if response.status_code < 400 else response.get_json().get("type", "")
            answers.append((response.status_code, kind.rsplit("/", 1)[-1]))
            db.session.remove()

    racers = [threading.Thread(target=decide, args=(token,)) for token in tokens]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=120)
        assert not racer.is_alive(), "a call never finished"

    assert len(answers) == RACERS
    made = [answer for answer in answers if answer[0] == 200]
    refused = [answer for answer in answers if answer[0] != 200]
    assert len(made) == 1, answers
    assert {status for status, _ in refused} <= {409, 412}, answers
    assert db.session.scalar(select(func.count()).select_from(Decision)) == 1
    assert fresh(access_request).current_stage == "no10"
    result = verify_database(db.session)
    assert result.ok, result.problem
