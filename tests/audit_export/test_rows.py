"""Every exported row carries seq, prev_hash, hash and every hashed field, so its hash
recomputes from the row alone: checked here with hashlib and json only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.audit import AuditEvent
from tests.audit_export.conftest import COLUMNS, FORMATS, GENESIS, Run, event_hash, export_with
from tests.audit_export.trail import Trail


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_row_carries_the_hashed_fields_and_its_hash_recomputes_from_the_row(
    run: Run, trail: Trail, tmp_path, fmt: str
):
    exported = export_with(run, tmp_path / f"all.{fmt}", fmt)
    stored = {e.seq: e for e in db.session.scalars(select(AuditEvent))}

    events = exported.events()

    assert [e["seq"] for e in events] == sorted(stored)
    previous = GENESIS
    for event in events:
        assert set(event) == set(COLUMNS)
        assert event_hash(event) == event["hash"] == stored[event["seq"]].hash
        assert event["prev_hash"] == previous
        previous = event["hash"]
        assert event["event_type"] == stored[event["seq"]].event_type
        assert event["actor_roles"] == stored[event["seq"]].actor_roles
        assert event["payload"] == stored[event["seq"]].payload
        assert event["comment"] == stored[event["seq"]].comment
