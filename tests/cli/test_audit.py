"""`flask audit verify`."""

from __future__ import annotations

from sqlalchemy import select, text

from app.extensions import db
from app.models import AuditEvent
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
