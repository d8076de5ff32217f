"""Checks of the audit chain as jobs the worker runs (app.audit.checks): what they count,
what they catch, the checkpoints they leave, and how they survive a worker that stops,
dies or loses its lease."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.audit import checkpoints, checks
from app.audit.chain import HASHED_FIELDS, append_event, chain_head, compute_hash, format_time
from app.audit.checks import CheckPolicy, claim_check, request_check, run_check, run_due_checks
from app.audit.events import EventType
from app.extensions import db
from app.models import AuditCheck, AuditCheckpoint, AuditEvent, User
from app.models.audit_checks import CheckScope, CheckStatus
from app.models.types import utcnow
from tests.audit.tampering import EVENTS, change_event, delete_event, triggers_lifted
from tests.audit_trail import events

#: Small steps, so a few dozen events make several progress writes.
POLICY = CheckPolicy(lease=timedelta(seconds=60), progress_every=5)

ROUTINE, FULL = CheckScope.ROUTINE, CheckScope.FULL


def add_events(count: int) -> None:
    for _ in range(count):
        append_event(db.session, EventType.SIGNED_OUT, payload={})
    db.session.commit()


def ask(scope: CheckScope, who: int | None) -> int:
    """The person with id `who` asks for a check (None: the command line): its id."""
    check, queued = request_check(scope, db.session.get(User, who) if who else None)
    db.session.commit()
    assert queued
    return check.id


def fetch(check_id: int) -> AuditCheck:
    db.session.expire_all()
    return db.session.get_one(AuditCheck, check_id)


def head_seq() -> int:
    return chain_head(db.session)[0]


def checked_payload(check_id: int) -> dict[str, Any]:
    """The payload of the audit_checked event recording check `check_id`."""
    [event] = [e for e in events(EventType.AUDIT_CHECKED) if e.payload["check_id"] == check_id]
    return event.payload


def rewrite(seq: int, **values: Any) -> None:
    """Change event `seq` and recompute its hash and every later link and hash, as an
    intruder who knows the format would: the chain stays consistent with itself."""
    with triggers_lifted() as connection:
        rows = connection.execute(
            select(EVENTS).where(EVENTS.c.seq >= seq).order_by(EVENTS.c.seq)
        ).mappings()
        prev_hash = None
        for row in list(rows):
            fields = {name: row[name] for name in HASHED_FIELDS}
            if row["seq"] == seq:
                fields.update(values)
                prev_hash = row["prev_hash"]
            hashed = {**fields, "occurred_at": format_time(fields["occurred_at"])}
            new_hash = compute_hash(prev_hash, hashed)
            changed = values if row["seq"] == seq else {}
            connection.execute(
                EVENTS.update()
                .where(EVENTS.c.seq == row["seq"])
                .values(**changed, prev_hash=prev_hash, hash=new_hash)
            )
            prev_hash = new_hash


@pytest.fixture
def auditor(world) -> int:
    """The world's auditor's id (the tampering helpers end the session, and its objects)."""
    return world.auditor.id


@pytest.fixture
def trail(world) -> int:
    """Twenty events; the head's seq."""
    add_events(20)
    return head_seq()


# Asking, running, counting ---------------------------------------------------------------


def test_the_worker_runs_a_full_check_that_passes_counts_every_event_and_is_audited(
    app, auditor, trail
):
    check_id = ask(FULL, auditor)
    head = head_seq()  # the check's own request event included

    result = app.test_cli_runner().invoke(args=["notify", "work", "--once"])
    db.session.remove()

    assert result.exit_code == 0, result.output
    assert f"Audit check {check_id}: passed, {head} events checked." in result.output
    check = fetch(check_id)
    assert (check.status, check.checked, check.total, check.from_seq) == ("passed", head, head, 1)
    assert check.head_seq == head
    assert check.head_hash == db.session.get_one(AuditEvent, head).hash
    assert check.finished_at is not None and check.lease_until is None
    [requested] = events(EventType.AUDIT_CHECK_REQUESTED)
    assert requested.actor_id == auditor
    assert requested.payload == {"check_id": check_id, "scope": "full", "from_seq": 1}
    assert checked_payload(check_id) == {
        "check_id": check_id,
        "scope": "full",
        "outcome": "passed",
        "from_seq": 1,
        "head_seq": head,
        "head_hash": check.head_hash,
        "checked": head,
        "problem_seq": None,
        "problem": None,
    }
    assert check.result_seq == head + 1  # its own event comes right after what it checked
    [checkpoint] = db.session.scalars(select(AuditCheckpoint)).all()
    assert (checkpoint.seq, checkpoint.hash, checkpoint.check_id) == (
        head,
        check.head_hash,
        check_id,
    )


def test_asking_again_while_a_check_waits_or_runs_returns_that_check(app, auditor, trail):
    first = ask(ROUTINE, auditor)
    again, queued = request_check(FULL, db.session.get(User, auditor))
    db.session.commit()
    assert (again.id, queued) == (first, False)

    claim = claim_check(POLICY)
    assert claim is not None and claim.check_id == first
    running, queued = request_check(ROUTINE, db.session.get(User, auditor))
    db.session.commit()
    assert (running.id, queued) == (first, False)

    assert db.session.scalar(select(func.count()).select_from(AuditCheck)) == 1
    assert len(events(EventType.AUDIT_CHECK_REQUESTED)) == 1
    run_check(claim, POLICY)
    assert ask(FULL, auditor) != first  # once it has ended, another may start


def test_a_routine_check_after_a_full_one_checks_only_the_new_events(app, auditor, trail):
    ask(FULL, auditor)
    [full] = run_due_checks(POLICY)
    checkpoint = full_head = fetch(full.check_id).head_seq
    assert checkpoint is not None
    add_events(7)

    routine_id = ask(ROUTINE, auditor)
    head = head_seq()
    [outcome] = run_due_checks(POLICY)

    routine = fetch(routine_id)
    assert outcome.status == "passed"
    assert routine.from_seq == full_head + 1
    # The full check's own event, these seven, and this check's request.
    assert routine.checked == routine.total == head - full_head == 9
    assert routine.head_seq == head
    assert checked_payload(routine_id)["from_seq"] == full_head + 1
    assert events(EventType.AUDIT_CHECK_REQUESTED)[-1].payload["from_seq"] == full_head + 1
    assert checkpoints.last_checkpoint(db.session).seq == head


def test_a_routine_check_with_no_checkpoint_yet_reads_the_whole_log(app, auditor, trail):
    check_id = ask(ROUTINE, auditor)
    run_due_checks(POLICY)
    check = fetch(check_id)
    assert (check.status, check.from_seq, check.checked) == ("passed", 1, head_seq() - 1)


def test_a_routine_check_with_nothing_new_confirms_the_checkpoint(app, auditor, trail):
    ask(FULL, auditor)
    run_due_checks(POLICY)
    before = checkpoints.last_checkpoint(db.session).seq
    check_id = ask(ROUTINE, auditor)
    run_due_checks(POLICY)
    check = fetch(check_id)
    # Only the two events since: the full check's result and this check's request.
    assert (check.status, check.checked) == ("passed", 2)
    assert check.from_seq == before + 1


def test_an_empty_chain_passes_and_leaves_no_checkpoint(app):
    check_id = ask(FULL, None)  # the request is event 1
    with triggers_lifted() as connection:
        connection.execute(EVENTS.delete())
    [outcome] = run_due_checks(POLICY)
    assert outcome.status == "passed"
    assert fetch(check_id).checked == 0
    assert db.session.scalar(select(func.count()).select_from(AuditCheckpoint)) == 0


# What a check catches ------------------------------------------------------------------


@pytest.mark.parametrize("scope", list(CheckScope))
@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"comment": "Forged after the fact"}, "hash mismatch"),
        ({"prev_hash": "f" * 64}, "broken link"),
    ],
)
def test_a_changed_event_fails_the_check_naming_it(app, auditor, trail, scope, change, reason):
    ask(FULL, auditor)
    run_due_checks(POLICY)
    start = checkpoints.last_checkpoint(db.session).seq
    add_events(10)
    bad = start + 6
    change_event(bad, **change)

    check_id = ask(scope, auditor)
    [outcome] = run_due_checks(POLICY)

    check = fetch(check_id)
    assert outcome.status == check.status == "failed"
    assert check.problem_seq == bad
    assert check.problem_reason.startswith(reason)
    assert check.checked == (bad - 1 if scope is FULL else bad - start - 1)
    assert check.head_seq == bad - 1
    payload = checked_payload(check_id)
    assert (payload["outcome"], payload["problem_seq"]) == ("failed", bad)
    assert payload["problem"].startswith(reason)
    assert checkpoints.last_checkpoint(db.session).seq == start  # a failure leaves none


def test_a_missing_event_fails_the_check_as_a_gap(app, auditor, trail):
    delete_event(12)
    check_id = ask(FULL, auditor)
    run_due_checks(POLICY)
    check = fetch(check_id)
    assert (check.status, check.problem_seq) == ("failed", 12)
    assert check.problem_reason == "gap: expected seq 12, found 13"


@pytest.mark.parametrize("scope", list(CheckScope))
def test_rewriting_checked_history_with_every_hash_recomputed_is_caught_at_the_checkpoint(
    app, auditor, trail, scope
):
    """The chain is consistent with itself again, but not with what was checked."""
    ask(FULL, auditor)
    run_due_checks(POLICY)
    checkpoint = checkpoints.last_checkpoint(db.session).seq
    rewrite(checkpoint - 5, comment="Approved, honestly")

    check_id = ask(scope, auditor)
    run_due_checks(POLICY)

    check = fetch(check_id)
    assert (check.status, check.problem_seq) == ("failed", checkpoint)
    assert check.problem_reason.startswith("rewritten: its hash is not the one the check of")
    assert check.head_seq is None and check.head_hash is None


def test_a_routine_check_catches_the_checkpointed_event_changed_without_its_hash(
    app, auditor, trail
):
    ask(FULL, auditor)
    run_due_checks(POLICY)
    checkpoint = checkpoints.last_checkpoint(db.session).seq
    change_event(checkpoint, comment="Changed, hash left alone")

    check_id = ask(ROUTINE, auditor)
    run_due_checks(POLICY)

    check = fetch(check_id)
    assert (check.status, check.problem_seq, check.checked) == ("failed", checkpoint, 0)
    assert check.problem_reason.startswith("hash mismatch")


@pytest.mark.parametrize("scope", list(CheckScope))
def test_removing_the_newest_events_checkpoint_included_is_caught(app, auditor, trail, scope):
    ask(FULL, auditor)
    run_due_checks(POLICY)
    checkpoint = checkpoints.last_checkpoint(db.session).seq
    for seq in (checkpoint + 1, checkpoint):  # the check's own event, then the checkpoint's
        delete_event(seq)

    check_id = ask(scope, auditor)  # appended at seq `checkpoint`, a new hash
    run_due_checks(POLICY)

    check = fetch(check_id)
    assert (check.status, check.problem_seq) == ("failed", checkpoint)
    assert check.problem_reason.startswith("rewritten")


# While it runs -------------------------------------------------------------------------


def test_progress_is_committed_as_it_goes_and_the_service_keeps_writing(app, auditor, trail):
    check_id = ask(FULL, auditor)
    head = head_seq()
    claim = claim_check(POLICY)
    assert claim is not None
    seen: list[tuple[int, int]] = []

    def meanwhile(checked: int) -> None:
        # What another connection sees: the count so far, committed.
        with db.engine.connect() as other:
            seen.append((checked, other.scalar(select(AuditCheck.checked))))
        # And the service still writes (on SQLite, the chain is read holding no lock).
        append_event(db.session, EventType.SIGNED_OUT, payload={})
        db.session.commit()

    outcome = run_check(claim, POLICY, on_progress=meanwhile)

    assert seen == [(n, n) for n in range(5, head + 1, 5)]
    assert outcome.status == "passed"
    check = fetch(check_id)
    # What was appended while it ran is after the head it set out to check.
    assert (check.checked, check.total, check.head_seq) == (head, head, head)
    assert head_seq() == head + len(seen) + 1


def test_a_check_whose_lease_ran_out_is_taken_again_and_recorded_once(app, auditor, trail):
    check_id = ask(FULL, auditor)
    first = claim_check(POLICY)
    assert first is not None
    taken_again = []

    def worker_stalls(_checked: int) -> None:
        # The first worker stalls past its lease; a second takes the check.
        if not taken_again:
            later = utcnow() + POLICY.lease + timedelta(seconds=1)
            assert claim_check(POLICY, now=later - POLICY.lease * 2) is None  # still held
            taken_again.append(claim_check(POLICY, now=later))

    assert run_check(first, POLICY, on_progress=worker_stalls).status == "lost"
    [second] = taken_again
    assert second is not None and second.check_id == check_id
    assert fetch(check_id).attempts == 2

    assert run_check(second, POLICY).status == "passed"
    assert len(events(EventType.AUDIT_CHECKED)) == 1
    assert fetch(check_id).checked == head_seq() - 1


def test_a_check_abandoned_by_a_dead_worker_is_started_again_after_its_lease(app, auditor, trail):
    check_id = ask(FULL, auditor)
    dead = claim_check(POLICY)
    assert dead is not None  # ... and the worker is killed here

    assert claim_check(POLICY) is None  # nobody else takes it while the lease holds
    later = utcnow() + POLICY.lease + timedelta(seconds=1)
    again = claim_check(POLICY, now=later)
    assert again is not None and again.check_id == check_id

    assert run_check(again, POLICY).status == "passed"
    check = fetch(check_id)
    assert (check.status, check.checked, check.attempts) == ("passed", head_seq() - 1, 2)


def test_a_check_every_worker_died_on_ends_as_an_error(app, auditor, trail):
    check_id = ask(FULL, auditor)
    now = utcnow()
    for attempt in range(POLICY.max_attempts):
        assert claim_check(POLICY, now=now + attempt * 2 * POLICY.lease) is not None

    assert claim_check(POLICY, now=now + 10 * POLICY.lease) is None

    check = fetch(check_id)
    assert check.status == "error"
    assert check.error.startswith(f"gave up after {POLICY.max_attempts} attempts")
    payload = checked_payload(check_id)
    assert (payload["outcome"], payload["problem"]) == ("error", check.error)


def test_a_stopping_worker_gives_the_check_back_to_start_again(app, auditor, trail):
    check_id = ask(FULL, auditor)
    stop = []

    def stop_after_the_first_progress(_checked: int) -> None:
        stop.append(True)

    claim = claim_check(POLICY)
    assert claim is not None
    outcome = run_check(
        claim, POLICY, stopping=lambda: bool(stop), on_progress=stop_after_the_first_progress
    )

    assert (outcome.status, outcome.checked) == ("released", 5)
    check = fetch(check_id)
    assert (check.status, check.lease_until, check.checked, check.attempts) == (
        "queued",
        None,
        0,
        0,
    )
    assert events(EventType.AUDIT_CHECKED) == []
    [again] = run_due_checks(POLICY)  # the next worker takes it at once
    assert again.status == "passed"


def test_an_unexpected_error_ends_the_check_as_an_error_and_is_audited(
    app, auditor, trail, monkeypatch
):
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(checks, "verify_scope", broken)
    check_id = ask(FULL, auditor)

    [outcome] = run_due_checks(POLICY)

    check = fetch(check_id)
    assert outcome.status == check.status == CheckStatus.ERROR
    assert check.error == "RuntimeError: the disk is on fire"
    assert checked_payload(check_id)["problem"] == "RuntimeError: the disk is on fire"
    assert checks.active_check(db.session) is None  # another may be asked for
