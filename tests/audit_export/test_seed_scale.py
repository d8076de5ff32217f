"""`flask seed-scale`: many requests and a long, valid chain, quickly, for benchmarks and
for trying the screens at size; exports of it verify."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from app.extensions import db
from app.models import AccessRequest, AuditEvent, RequestRevision
from app.rules.workflow import Status
from tests.audit_export.conftest import Run, Verifiers, export_with


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_seed_scale_adds_that_many_requests_and_events_and_the_chain_verifies(
    run: Run, tmp_path: Path, verifiers: Verifiers
):
    assert run("seed-demo").exit_code == 0  # the people the scaled requests belong to
    requests, events, revisions = count(AccessRequest), count(AuditEvent), count(RequestRevision)
    last_id = db.session.scalar(select(func.max(AccessRequest.id)))

    result = run("seed-scale", "--requests", "30", "--events", "500")

    assert result.exit_code == 0, result.output
    assert "Added 30 requests and 500 events" in result.output
    assert count(AccessRequest) == requests + 30
    assert count(AuditEvent) == events + 500
    head = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert f"Chain head: {head.seq}:{head.hash}" in result.output
    verified = run("audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert f"Audit chain OK: {events + 500} events" in verified.output

    scaled = db.session.scalars(select(AccessRequest).where(AccessRequest.id > last_id)).all()
    statuses = {request.status for request in scaled}
    assert statuses == set(Status)  # requests in every status
    submitted = [r for r in scaled if r.status != Status.DRAFT]
    assert count(RequestRevision) == revisions + len(submitted)
    # Submitted under the platform's pipeline, as submit_request records it (regression:
    # requests in review had none, and each look at their stages read every version).
    versions = {r.pipeline_version_id for r in submitted}
    current = submitted[0].platform.pipeline_version
    assert versions == {current.id}
    pipeline = [step.stage_code for step in current.stages]
    assert all(r.latest_revision.pipeline == pipeline for r in submitted)
    assert all(r.pipeline_version_id is None for r in scaled if r.status == Status.DRAFT)
    assert len({r.reference for r in scaled}) == 30
    # Every scaled request's life is in the chain, and the rest are sign-ins.
    about_scaled = db.session.scalar(
        select(func.count()).where(AuditEvent.request_id.in_([r.id for r in scaled]))
    )
    assert about_scaled >= 30
    times = db.session.scalars(select(AuditEvent.occurred_at).where(AuditEvent.seq > events))
    now = datetime.now(UTC)
    assert all(now - timedelta(days=366) < moment <= now for moment in times)

    # And the scaled log exports and verifies, whole and filtered.
    for options in ((), ("--department", "DSIT")):
        exported = export_with(run, tmp_path / f"scaled{len(options)}.csv", "csv", *options)
        by_app, by_tool = verifiers.both(exported.path)
        assert by_app.ok, by_app.output
        assert by_tool.ok, by_tool.output


def test_seed_scale_leaves_the_planner_statistics_of_what_it_loaded(run: Run):
    """Bulk-loaded rows are analysed, as a loader should: without it a server whose
    autovacuum is off (or not yet awake) plans for empty tables."""
    assert run("seed-demo").exit_code == 0
    last_analysed = text(
        "SELECT coalesce(last_analyze, 'epoch') FROM pg_stat_user_tables"
        " WHERE relname = 'access_requests'"
    )
    postgresql = db.engine.dialect.name == "postgresql"
    before = db.session.scalar(last_analysed) if postgresql else None
    db.session.rollback()
    assert run("seed-scale", "--requests", "12", "--events", "30").exit_code == 0
    if postgresql:
        assert db.session.scalar(last_analysed) > before
    else:
        table = db.session.scalar(
            text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'access_requests'")
        )
        assert table >= 1


def test_seed_scale_twice_extends_the_same_chain(run: Run):
    assert run("seed-scale", "--requests", "6", "--events", "40").exit_code == 0
    first = count(AuditEvent)

    result = run("seed-scale", "--requests", "6", "--events", "40")

    assert result.exit_code == 0, result.output
    assert count(AuditEvent) == first + 40
    assert run("audit", "verify").exit_code == 0
