"""`flask audit verify`: every event, or from the last checkpoint a check left."""

from __future__ import annotations

from sqlalchemy import select, text

from app.audit.chain import append_event, chain_head
from app.audit.checkpoints import last_checkpoint
from app.audit.checks import CheckPolicy, request_check, run_due_checks
from app.audit.events import EventType
from app.extensions import db
from app.models import AuditCheck, AuditCheckpoint, AuditEvent
from app.models.audit_checks import CheckScope
from tests.cli.conftest import count


def tamper(statement: str) -> None:
    """Change audit_events behind the append-only triggers, as an intruder with DBA rights."""
    db.session.remove()
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.execute(text(statement))
            return
        triggers = connection.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        ).all()
        for name, _sql in triggers:
            connection.execute(text(f'DROP TRIGGER "{name}"'))
        connection.execute(text(statement))
        for _name, sql in triggers:
            connection.execute(text(sql))


def test_audit_verify_reports_the_count_and_head_of_an_intact_chain(run, reference):
    head = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert head is not None

    result = run("audit", "verify")

    assert result.exit_code == 0, result.output
    assert f"Audit chain OK: {count(AuditEvent)} events, head seq {head.seq}" in result.output
    assert head.hash in result.output


def test_audit_verify_accepts_an_empty_trail(run):
    result = run("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "Audit chain OK: 0 events" in result.output


def test_audit_verify_exits_1_and_names_the_altered_event(run, reference):
    tamper("UPDATE audit_events SET comment = 'edited later' WHERE seq = 3")

    result = run("audit", "verify")

    assert result.exit_code == 1
    assert "BROKEN at seq 3" in result.output
    assert "2 events verified before it" in result.output


# From the last checkpoint, or from the start --------------------------------------------


def checkpoint_after_a_full_check() -> int:
    """Run a full check as the worker does: the seq of the checkpoint it leaves."""
    request_check(CheckScope.FULL, None)
    db.session.commit()
    [outcome] = run_due_checks(CheckPolicy())
    assert outcome.status == "passed"
    checkpoint = last_checkpoint(db.session)
    assert checkpoint is not None
    return checkpoint.seq


def test_audit_verify_from_the_checkpoint_checks_only_the_newer_events(run, reference):
    checkpoint = checkpoint_after_a_full_check()
    for _ in range(3):
        append_event(db.session, EventType.SIGNED_OUT, payload={})
    db.session.commit()
    head = chain_head(db.session)[0]

    result = run("audit", "verify", "--from-checkpoint")

    assert result.exit_code == 0, result.output
    assert f"From the last checkpoint, event {checkpoint} (found intact " in result.output
    assert f"checking events {checkpoint + 1} to {head}." in result.output
    # The check's own result event and these three.
    assert f"Audit chain OK: {head - checkpoint} events, head seq {head}" in result.output
    assert head - checkpoint == 4


def test_audit_verify_from_the_checkpoint_without_one_checks_from_the_first_event(run, reference):
    result = run("audit", "verify", "--from-checkpoint")
    assert result.exit_code == 0, result.output
    assert "No checkpoint yet: checking every event from the first." in result.output
    assert f"Audit chain OK: {count(AuditEvent)} events" in result.output


def test_audit_verify_from_the_checkpoint_notices_its_event_was_changed(run, reference):
    checkpoint = checkpoint_after_a_full_check()
    tamper(f"UPDATE audit_events SET comment = 'edited later' WHERE seq = {checkpoint}")

    result = run("audit", "verify", "--from-checkpoint")

    assert result.exit_code == 1
    assert f"BROKEN at seq {checkpoint}: hash mismatch" in result.output


def test_audit_verify_from_the_start_notices_the_newest_events_were_removed(run, reference):
    """The chain left is consistent with itself, but shorter than what was checked."""
    checkpoint = checkpoint_after_a_full_check()
    tamper(f"DELETE FROM audit_events WHERE seq >= {checkpoint}")

    result = run("audit", "verify", "--from-start")

    assert result.exit_code == 1
    assert f"BROKEN at seq {checkpoint}: missing: the log ends at event {checkpoint - 1}" in (
        result.output
    )


def test_audit_verify_writes_nothing(run, reference):
    checkpoint_after_a_full_check()
    before = (count(AuditEvent), count(AuditCheck), count(AuditCheckpoint))

    for option in ("--from-start", "--from-checkpoint"):
        assert run("audit", "verify", option).exit_code == 0

    assert (count(AuditEvent), count(AuditCheck), count(AuditCheckpoint)) == before
