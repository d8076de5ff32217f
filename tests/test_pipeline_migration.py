"""Migration 0011 on an installation with platforms and requests: each platform's
pipeline becomes its version 1, every request already submitted goes through that
version (a draft takes whatever is current when it is submitted), and the downgrade
gives each platform its latest version's stages back."""

from __future__ import annotations

from datetime import datetime

import flask_migrate
from sqlalchemy import inspect, text

from app.extensions import db
from tests.conftest import MIGRATIONS
from tests.deadlines.test_migration import REQUEST
from tests.test_migrations import empty_app  # noqa: F401  (the fixture)

ROWS = """
INSERT INTO stages (code, name) VALUES ('security', 'Security');
INSERT INTO stages (code, name) VALUES ('no10', 'No10');
INSERT INTO departments (id, code, name) VALUES (1, 'DSIT', 'Science');
INSERT INTO platforms (id, name, restricted, risk_notes, active) VALUES (1, 'X', true, '', true);
INSERT INTO platforms (id, name, restricted, risk_notes, active) VALUES (2, 'Y', true, '', true);
INSERT INTO pipeline_stages (id, platform_id, position, stage_code) VALUES (1, 1, 0, 'security');
INSERT INTO pipeline_stages (id, platform_id, position, stage_code) VALUES (2, 1, 1, 'no10');
INSERT INTO pipeline_stages (id, platform_id, position, stage_code) VALUES (3, 2, 0, 'no10');
INSERT INTO users (id, email, display_name, active) VALUES (1, 'o@example.gov.uk', 'O', true);
"""
REVISION = (
    "INSERT INTO request_revisions (id, request_id, number, content, content_sha256, "
    "pipeline, submitted_by_id, submitted_at) VALUES (1, 1, 1, '{}', :sha, "
    '\'["security", "no10"]\', 1, :when)'
)


def test_each_platform_s_pipeline_becomes_its_version_1(empty_app):  # noqa: F811
    flask_migrate.upgrade(directory=MIGRATIONS, revision="0010")
    for statement in ROWS.strip().splitlines():
        db.session.execute(text(statement))
    when = datetime(2026, 1, 5, 10, 0)
    for number, status, stage in ((1, "in_review", "security"), (2, "draft", None)):
        db.session.execute(
            text(REQUEST),
            {
                "id": number,
                "reference": f"PRQ-2026-0000{number}",
                "status": status,
                "stage": stage,
                "long_ago": when,
            },
        )
    db.session.execute(text(REVISION), {"sha": "0" * 64, "when": when})
    db.session.commit()
    db.session.remove()

    flask_migrate.upgrade(directory=MIGRATIONS, revision="0011")
    versions = db.session.execute(
        text("SELECT platform_id, number FROM pipeline_versions ORDER BY platform_id")
    ).all()
    assert [tuple(row) for row in versions] == [(1, 1), (2, 1)]
    steps = db.session.execute(
        text(
            "SELECT v.platform_id, s.position, s.stage_code, s.quorum, s.required_approvals "
            "FROM pipeline_stages s JOIN pipeline_versions v ON v.id = s.pipeline_version_id "
            "ORDER BY s.id"
        )
    ).all()
    assert [tuple(row) for row in steps] == [
        (1, 0, "security", "any_one", 1),
        (1, 1, "no10", "any_one", 1),
        (2, 0, "no10", "any_one", 1),
    ]
    used = dict(
        db.session.execute(
            text(
                "SELECT r.reference, v.number FROM access_requests r "
                "LEFT JOIN pipeline_versions v ON v.id = r.pipeline_version_id"
            )
        ).all()
    )
    assert used == {"PRQ-2026-00001": 1, "PRQ-2026-00002": None}
    db.session.remove()

    flask_migrate.downgrade(directory=MIGRATIONS, revision="0010")
    tables = set(inspect(db.engine).get_table_names())
    assert not {"pipeline_versions", "delegations", "pipeline_stage_approvers"} & tables
    back = db.session.execute(
        text("SELECT platform_id, position, stage_code FROM pipeline_stages ORDER BY id")
    ).all()
    assert [tuple(row) for row in back] == [(1, 0, "security"), (1, 1, "no10"), (2, 0, "no10")]
    db.session.remove()
