"""`flask audit verify` finds what the append-only triggers could not stop: someone
with the power to lift them changing, removing or reordering stored events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import exc, select, text

from app.audit.chain import compute_hash, hashed_fields
from app.extensions import db
from app.models.audit import GENESIS_HASH, AuditEvent
from app.operations.decide_stage import decide_stage
from app.operations.withdraw_request import withdraw_request
from app.rules.workflow import Outcome
from tests.audit.tampering import change_event, delete_event, swap_events, triggers_lifted
from tests.factories import World

#: The event the tests tamper with: one in the middle of the chain.
K = 4


@pytest.fixture
def trail(world: World) -> list[AuditEvent]:
    """A realistic chain of seven events: two requests, one decided, one withdrawn."""
    request = world.submitted()  # 1 created, 2 submitted
    decide_stage(  # 3
        request, world.security, stage="security", version=request.version, outcome=Outcome.APPROVE
    )
    decide_stage(  # 4
        request,
        world.no10,
        stage="no10",
        version=request.version,
        outcome=Outcome.APPROVE_WITH_CONDITIONS,
        conditions="Review the account's posts monthly",
        reason="Proportionate — with care",
    )
    decide_stage(  # 5
        request,
        world.cabinet_office,
        stage="cabinet_office",
        version=request.version,
        outcome=Outcome.REJECT,
        reason="Not now",
    )
    other = world.draft(world.colleague)  # 6
    withdraw_request(other, world.colleague, reason="Duplicate")  # 7
    db.session.commit()
    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    assert [event.seq for event in events] == list(range(1, 8))
    assert events[K - 1].stage == "no10"
    return events


def verify(app: Flask) -> tuple[int, str]:
    db.session.remove()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def test_an_intact_chain_verifies_with_its_count_and_head_hash(app, trail):
    code, output = verify(app)

    assert code == 0, output
    assert "Audit chain OK: 7 events, head seq 7" in output
    assert f"Head hash: {trail[-1].hash}" in output


def test_an_empty_chain_verifies(app):
    code, output = verify(app)

    assert code == 0, output
    assert "Audit chain OK: 0 events" in output
    assert f"Head hash: {GENESIS_HASH}" in output


@pytest.mark.parametrize(
    "field, value",
    [
        ("comment", "Proportionate"),
        ("to_status", "approved"),
        ("from_status", "draft"),
        ("event_type", "stage_approved"),
        ("stage", "security"),
        ("actor_id", 999),
        ("actor_email", "someone.else@example.gov.uk"),
        ("actor_roles", ["admin", "approver"]),
        ("request_reference", "PRQ-2000-00001"),
        ("payload", {"outcome": "approve"}),
        ("client_address", "203.0.113.9"),
        ("correlation_id", "forged"),
    ],
)
def test_a_changed_field_is_a_hash_mismatch_at_that_event(app, trail, field, value):
    change_event(K, **{field: value})

    code, output = verify(app)

    assert code == 1, output
    assert f"Audit chain BROKEN at seq {K}: hash mismatch" in output
    assert f"{K - 1} events verified before it." in output


def test_a_time_moved_by_one_microsecond_is_a_hash_mismatch(app, trail):
    change_event(K, occurred_at=trail[K - 1].occurred_at + timedelta(microseconds=1))

    code, output = verify(app)

    assert code == 1, output
    assert f"BROKEN at seq {K}: hash mismatch" in output


def test_a_changed_hash_is_a_mismatch_at_that_event(app, trail):
    change_event(K, hash="f" * 64)

    code, output = verify(app)

    assert code == 1, output
    assert f"BROKEN at seq {K}: hash mismatch" in output


def test_a_changed_field_with_its_hash_recomputed_breaks_the_next_link(app, trail):
    """A forger who rehashes the event they changed still breaks the event after it."""
    forged = hashed_fields(trail[K - 1])
    forged["to_status"] = "approved"
    change_event(K, to_status="approved", hash=compute_hash(trail[K - 1].prev_hash, forged))

    code, output = verify(app)

    assert code == 1, output
    assert f"BROKEN at seq {K + 1}: broken link" in output


@pytest.mark.parametrize("seq", [1, K, 6])
def test_a_deleted_event_is_a_gap(app, trail, seq):
    delete_event(seq)

    code, output = verify(app)

    assert code == 1, output
    assert f"BROKEN at seq {seq}: gap: expected seq {seq}, found {seq + 1}" in output
    assert f"{seq - 1} events verified before it." in output


def test_a_changed_prev_hash_is_a_broken_link(app, trail):
    change_event(K, prev_hash="e" * 64)

    code, output = verify(app)

    assert code == 1, output
    assert f"BROKEN at seq {K}: broken link" in output


def test_a_first_event_not_linked_to_the_genesis_hash_is_a_broken_link(app, trail):
    change_event(1, prev_hash="1" * 64)

    code, output = verify(app)

    assert code == 1, output
    assert "BROKEN at seq 1: broken link" in output


def test_two_swapped_events_are_a_broken_link_at_the_first(app, trail):
    swap_events(K, K + 1)

    code, output = verify(app)

    assert code == 1, output
    assert f"BROKEN at seq {K}: broken link" in output


def test_two_swapped_contents_are_hash_mismatches(app, trail):
    """Swapping what two events say, keeping their positions and hashes."""
    a, b = trail[K - 1], trail[K]
    with triggers_lifted() as connection:
        table = AuditEvent.__table__
        for mine, theirs in ((a, b), (b, a)):
            connection.execute(
                table.update()
                .where(table.c.seq == mine.seq)
                .values(comment=theirs.comment, event_type=theirs.event_type)
            )

    code, output = verify(app)

    assert code == 1, output
    assert f"BROKEN at seq {K}: hash mismatch" in output


def test_the_triggers_are_back_after_tampering(app, trail):
    """The helper lifts them for its own transaction only."""
    change_event(K, comment="changed")

    with pytest.raises(exc.DBAPIError, match="append-only"):
        db.session.execute(text(f"UPDATE audit_events SET comment = 'again' WHERE seq = {K}"))
    db.session.rollback()


def test_removing_the_newest_event_changes_the_head_hash(app, trail):
    """The chain cannot show that its tail was cut off: that is why verify prints the
    head, to compare with a head hash recorded somewhere else."""
    delete_event(7)

    code, output = verify(app)

    assert code == 0, output
    assert "Audit chain OK: 6 events, head seq 6" in output
    assert f"Head hash: {trail[5].hash}" in output
    assert trail[6].hash not in output


def verify_against(app: Flask, seq: int, hash_: str) -> tuple[int, str]:
    db.session.remove()
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--anchor", f"{seq}:{hash_}"])
    return result.exit_code, result.output


def test_a_held_head_still_matches_an_intact_chain(app, trail):
    code, output = verify_against(app, 7, trail[6].hash)

    assert code == 0, output
    assert f"Anchor matched: seq 7 still has hash {trail[6].hash}" in output


def test_a_held_head_catches_the_removed_newest_event(app, trail):
    delete_event(7)

    code, output = verify_against(app, 7, trail[6].hash)

    assert code == 1, output
    assert "Anchor NOT matched: the log has no such event (seq 7)" in output


def test_a_held_head_catches_a_rewritten_tail(app, trail):
    """Change event K and recompute every hash after it: the chain verifies again, but
    the head no longer matches the one held outside Permit."""
    prev_hash = trail[K - 2].hash
    with triggers_lifted() as connection:
        for event in trail[K - 1 :]:
            fields = hashed_fields(event)
            if event.seq == K:
                fields["to_status"] = "approved"
            new_hash = compute_hash(prev_hash, fields)
            connection.execute(
                AuditEvent.__table__.update()
                .where(AuditEvent.__table__.c.seq == event.seq)
                .values(to_status=fields["to_status"], prev_hash=prev_hash, hash=new_hash)
            )
            prev_hash = new_hash

    assert verify(app)[0] == 0  # consistent with itself
    code, output = verify_against(app, 7, trail[6].hash)

    assert code == 1, output
    assert "Anchor NOT matched: the log holds a different hash there (seq 7)" in output
