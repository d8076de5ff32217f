"""Migration 0007 on an installation with requests already waiting: each waiting request's
clock starts at the upgrade (none is late under a rule that did not exist), the others get
none; every pipeline step gets the default target and nobody is a lead yet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import flask_migrate
from sqlalchemy import inspect, text

from app.extensions import db
from tests.conftest import MIGRATIONS
from tests.test_migrations import empty_app  # noqa: F401  (the fixture)

ROWS = """
INSERT INTO stages (code, name) VALUES ('security', 'Security');
INSERT INTO departments (id, code, name) VALUES (1, 'DSIT', 'Science');
INSERT INTO platforms (id, name, restricted, risk_notes, active) VALUES (1, 'X', true, '', true);
INSERT INTO pipeline_stages (id, platform_id, position, stage_code) VALUES (1, 1, 0, 'security');
INSERT INTO users (id, email, display_name, active) VALUES (1, 'o@example.gov.uk', 'O', true);
INSERT INTO user_stages (user_id, stage_code) VALUES (1, 'security');
"""
REQUEST = (
    "INSERT INTO access_requests (id, reference, department_id, platform_id, requester_id, "
    "kind, account_handle, purpose, target_audience, justification, "
    "senior_responsible_owner, account_managers, device_arrangement, device_attestation, "
    "dpia_reference, risk_mitigations, status, current_stage, version, created_at, "
    "updated_at) VALUES (:id, :reference, 1, 1, 1, 'new_account', '', '', '', '', '', '', "
    "'', false, '', '', :status, :stage, 2, :long_ago, :long_ago)"
)


def test_waiting_requests_start_their_clock_at_the_upgrade(empty_app):  # noqa: F811
    flask_migrate.upgrade(directory=MIGRATIONS, revision="0006")
    for statement in ROWS.strip().splitlines():
        db.session.execute(text(statement))
    long_ago = datetime(2026, 1, 5, 10, 0)
    for number, status, stage in ((1, "in_review", "security"), (2, "draft", None)):
        db.session.execute(
            text(REQUEST),
            {
                "id": number,
                "reference": f"PRQ-2026-0000{number}",
                "status": status,
                "stage": stage,
                "long_ago": long_ago,
            },
        )
    db.session.commit()
    db.session.remove()

    before = datetime.now(UTC).replace(tzinfo=None)
    flask_migrate.upgrade(directory=MIGRATIONS, revision="0007")
    clocks = dict(
        db.session.execute(
            text("SELECT reference, stage_started_at FROM access_requests ORDER BY id")
        ).all()
    )
    started = clocks["PRQ-2026-00001"]
    if isinstance(started, str):  # SQLite hands back text
        started = datetime.fromisoformat(started)
    assert before - timedelta(seconds=1) <= started <= before + timedelta(minutes=1)
    assert clocks["PRQ-2026-00002"] is None
    assert db.session.execute(text("SELECT stage_due_on FROM access_requests")).scalars().all() == [
        None,
        None,
    ]  # `sla tick` works them out on its first run
    assert db.session.scalar(text("SELECT target_working_days FROM pipeline_stages")) == 5
    assert db.session.scalar(text("SELECT lead FROM user_stages")) in (False, 0)
    db.session.remove()

    flask_migrate.downgrade(directory=MIGRATIONS, revision="0006")
    columns = {c["name"] for c in inspect(db.engine).get_columns("access_requests")}
    assert not {"stage_started_at", "stage_due_on"} & columns
    assert "deadline_notices" not in inspect(db.engine).get_table_names()
    db.session.remove()
