"""Checks of the audit chain as jobs the worker runs (docs/audit-checks.md).

An auditor asks for one (`request_check`): a queued `AuditCheck` row and an
audit_check_requested event, committed together. At most one check is queued or running:
asking again returns that one. The worker (`flask notify work`) takes it under a lease
(`claim_check`), verifies the chain as app.audit.checkpoints says (routine: from the last
checkpoint; full: from event 1) and writes its progress every few thousand events in
short transactions of their own (`run_check`), so the page can show it and the rest of
the service keeps writing. The result is one transaction: the check's final status, an
audit_checked event and, when it passed, a new checkpoint. Nothing here reads
`flask.request`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, _lock_chain, append_event, chain_head
from app.audit.checkpoints import from_seq_for, last_checkpoint, snapshot_session, verify_scope
from app.audit.events import EventType
from app.audit.verify import VerifyResult
from app.extensions import SessionLike, db
from app.models.audit_checks import (
    ACTIVE_STATUSES,
    AuditCheck,
    AuditCheckpoint,
    CheckScope,
    CheckStatus,
)
from app.models.types import utcnow
from app.models.users import User

log = logging.getLogger("permit.audit")

#: Longest error text kept on a check and in its event.
ERROR_MAX = 500


@dataclass(frozen=True)
class CheckPolicy:
    #: How long a worker holds a check between two progress writes.
    lease: timedelta = timedelta(seconds=120)
    #: Events verified between two progress writes (each a short transaction).
    progress_every: int = 20_000
    #: Times a check may be taken before it ends as an error (each worker died on it).
    max_attempts: int = 3

    @classmethod
    def from_config(cls, config: Any) -> CheckPolicy:
        return cls(
            lease=timedelta(seconds=config["AUDIT_CHECK_LEASE_SECONDS"]),
            progress_every=config["AUDIT_CHECK_PROGRESS_EVERY"],
        )


@dataclass(frozen=True)
class Claim:
    """A check a worker holds, and the lease that says it still does."""

    check_id: int
    lease: datetime


@dataclass(frozen=True)
class Outcome:
    """What became of one check a worker ran: its status, or "released" (the worker is
    stopping: queued again) or "lost" (its lease ran out: another worker may hold it)."""

    check_id: int
    status: str
    checked: int

    def __str__(self) -> str:
        return f"Audit check {self.check_id}: {self.status}, {self.checked:,} events checked."


class _Stopping(Exception):
    """The worker is stopping: give the check back."""


class _LeaseLost(Exception):
    """The lease ran out and was not ours to renew: another worker may hold the check."""


@dataclass(frozen=True)
class _Start:
    """What a check reads: events `from_seq` to `up_to_seq` (the head when it began), after
    confirming `checkpoint`, the latest checkpoint then (detached from any session)."""

    scope: CheckScope
    from_seq: int
    up_to_seq: int
    checkpoint: AuditCheckpoint | None


# Reading. ------------------------------------------------------------------------------


def active_check(session: SessionLike) -> AuditCheck | None:
    """The check that is queued or running, if there is one."""
    query = select(AuditCheck).where(AuditCheck.status.in_([str(s) for s in ACTIVE_STATUSES]))
    return session.scalars(query.order_by(AuditCheck.id).limit(1)).first()


def recent_checks(session: SessionLike, limit: int = 20) -> list[AuditCheck]:
    """The latest checks, most recent first."""
    return list(session.scalars(select(AuditCheck).order_by(AuditCheck.id.desc()).limit(limit)))


# Asking for a check. -------------------------------------------------------------------


def request_check(
    scope: CheckScope, actor: User | None, *, client: Client = NO_CLIENT
) -> tuple[AuditCheck, bool]:
    """Queue a check of `scope` asked for by `actor` (None: the command line) and audit
    it; flushes, the caller commits. Returns (check, True), or (the check already queued
    or running, False) with nothing written: one check at a time."""
    # The chain's lock first, so two auditors asking at once queue one check between them.
    _lock_chain(db.session)
    existing = active_check(db.session)
    if existing is not None:
        return existing, False
    check = AuditCheck(
        scope=str(scope),
        status=str(CheckStatus.QUEUED),
        requested_by_id=actor.id if actor is not None else None,
        requested_at=utcnow(),
        checked=0,
        attempts=0,
    )
    db.session.add(check)
    db.session.flush()
    append_event(
        db.session,
        EventType.AUDIT_CHECK_REQUESTED,
        actor=ActorSnapshot.of(actor),
        client=client,
        payload={
            "check_id": check.id,
            "scope": str(scope),
            "from_seq": from_seq_for(scope, last_checkpoint(db.session)),
        },
    )
    return check, True


# The worker's side. --------------------------------------------------------------------


def claim_check(policy: CheckPolicy, now: datetime | None = None) -> Claim | None:
    """Take the next due check (queued, or running with its lease run out) and commit.

    A check already taken `max_attempts` times ends as an error instead: each worker that
    took it stopped before finishing, and another try would likely do the same.
    """
    while True:
        now = now or utcnow()
        query = (
            select(AuditCheck.id, AuditCheck.attempts)
            .where(
                AuditCheck.status.in_([str(s) for s in ACTIVE_STATUSES]),
                or_(AuditCheck.lease_until.is_(None), AuditCheck.lease_until <= now),
            )
            .order_by(AuditCheck.id)
            .limit(1)
        )
        if db.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=AuditCheck)
        row = db.session.execute(query).first()
        if row is None:
            db.session.commit()
            return None
        if row.attempts >= policy.max_attempts:
            reason = (
                f"gave up after {row.attempts} attempts: each time, the worker stopped "
                "before the check finished"
            )
            _end_in_error(row.id, reason)
            db.session.commit()
            continue
        lease = now + policy.lease
        db.session.execute(
            update(AuditCheck)
            .where(AuditCheck.id == row.id)
            .values(
                status=str(CheckStatus.RUNNING),
                lease_until=lease,
                attempts=AuditCheck.attempts + 1,
                started_at=now,
                # Taken again, it starts again from the beginning.
                checked=0,
                total=None,
                from_seq=None,
            )
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        return Claim(row.id, lease)


def run_check(
    claim: Claim,
    policy: CheckPolicy = CheckPolicy(),
    *,
    stopping: Callable[[], bool] = lambda: False,
    on_progress: Callable[[int], None] | None = None,
) -> Outcome:
    """Run a claimed check to its end and record the result (see the module's docstring).

    Every `policy.progress_every` events it commits the count and renews the lease;
    there, `stopping()` gives the check back (queued again, to start afresh), and
    `on_progress(checked)` is told after the commit. An unexpected error ends the check
    as an error, recorded and audited like any result.
    """
    lease = claim.lease
    checked = 0
    try:
        start, lease = _begin(claim, policy)

        def progress(count: int) -> None:
            nonlocal lease, checked
            if stopping():
                raise _Stopping
            lease = _renew(claim.check_id, lease, policy, checked=count)
            checked = count
            if on_progress is not None:
                on_progress(count)

        with snapshot_session() as reader:
            result = verify_scope(
                reader,
                start.scope,
                start.checkpoint,
                start.up_to_seq,
                progress=progress,
                progress_every=policy.progress_every,
            )
        return _finish(claim.check_id, lease, result)
    except _Stopping:
        _release(claim.check_id, lease)
        return Outcome(claim.check_id, "released", checked)
    except _LeaseLost:
        db.session.rollback()
        return Outcome(claim.check_id, "lost", checked)
    except Exception as error:
        db.session.rollback()
        log.exception("audit check %s could not finish", claim.check_id)
        reason = f"{type(error).__name__}: {error}".splitlines()[0][:ERROR_MAX]
        try:
            ended = _end_in_error(claim.check_id, reason, lease=lease)
            db.session.commit()
        except Exception:
            # The database itself is failing: the lease runs out, and a worker tries again.
            db.session.rollback()
            log.exception("audit check %s: its error could not be recorded", claim.check_id)
            ended = False
        return Outcome(claim.check_id, str(CheckStatus.ERROR) if ended else "lost", checked)


def run_due_checks(
    policy: CheckPolicy = CheckPolicy(), *, stopping: Callable[[], bool] = lambda: False
) -> list[Outcome]:
    """Claim and run every due check, one after another, until none is left or
    `stopping()`: what the worker calls on each round."""
    outcomes = []
    while not stopping():
        claim = claim_check(policy)
        if claim is None:
            break
        outcomes.append(run_check(claim, policy, stopping=stopping))
    return outcomes


# Running, step by step. ----------------------------------------------------------------


def _begin(claim: Claim, policy: CheckPolicy) -> tuple[_Start, datetime]:
    """Decide where the check starts and ends, record it, and commit (a short transaction)."""
    check = db.session.get(AuditCheck, claim.check_id)
    if check is None or check.status != CheckStatus.RUNNING or check.lease_until != claim.lease:
        raise _LeaseLost
    scope = CheckScope(check.scope)
    checkpoint = last_checkpoint(db.session)
    if checkpoint is not None:
        db.session.expunge(checkpoint)  # read after the commit below, without a query
    head_seq, _head_hash = chain_head(db.session)
    from_seq = from_seq_for(scope, checkpoint)
    start = _Start(scope, from_seq, head_seq, checkpoint)
    lease = _renew(
        claim.check_id,
        claim.lease,
        policy,
        from_seq=from_seq,
        total=max(head_seq - from_seq + 1, 0),
    )
    return start, lease


def _renew(check_id: int, lease: datetime, policy: CheckPolicy, **values: Any) -> datetime:
    """Write `values` and a fresh lease if `lease` still holds the check, and commit: the
    new lease. _LeaseLost if it does not."""
    renewed = utcnow() + policy.lease
    result = db.session.execute(
        update(AuditCheck)
        .where(
            AuditCheck.id == check_id,
            AuditCheck.status == CheckStatus.RUNNING,
            AuditCheck.lease_until == lease,
        )
        .values(lease_until=renewed, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise _LeaseLost
    db.session.commit()
    return renewed


def _lock_if_held(check_id: int, lease: datetime | None) -> AuditCheck | None:
    """The check, its row held until commit (FOR UPDATE on PostgreSQL), if `lease` still
    holds it (any lease when None); else None."""
    query = (
        select(AuditCheck)
        .where(AuditCheck.id == check_id)
        .options(lazyload(AuditCheck.requested_by))
        .with_for_update(of=AuditCheck)
        .execution_options(populate_existing=True)
    )
    check = db.session.scalars(query).first()
    if check is None or check.status not in ACTIVE_STATUSES:
        return None
    if lease is not None and check.lease_until != lease:
        return None
    return check


def _finish(check_id: int, lease: datetime, result: VerifyResult) -> Outcome:
    """The result, the checkpoint and the audit_checked event, in one transaction."""
    check = _lock_if_held(check_id, lease)
    if check is None or check.status != CheckStatus.RUNNING:
        db.session.rollback()
        return Outcome(check_id, "lost", result.count)
    status = CheckStatus.PASSED if result.ok else CheckStatus.FAILED
    check.status = str(status)
    check.finished_at = utcnow()
    check.lease_until = None
    check.checked = result.count
    # The last event found intact; none when the problem is at or before it (the
    # checkpoint's own event was rewritten: nothing after it can be trusted).
    if result.problem is None or result.head_seq < result.problem.seq:
        check.head_seq, check.head_hash = result.head_seq, result.head_hash
    if result.problem is not None:
        check.problem_seq, check.problem_reason = result.problem.seq, result.problem.reason
    if result.ok and result.head_seq > 0:
        db.session.add(
            AuditCheckpoint(seq=result.head_seq, hash=result.head_hash, check_id=check.id)
        )
    db.session.flush()
    check.result_seq = _append_checked(check, str(status))
    db.session.commit()
    return Outcome(check_id, str(status), result.count)


def _end_in_error(check_id: int, reason: str, *, lease: datetime | None = None) -> bool:
    """End an active check as an error and audit it (the caller commits); False when the
    check is no longer ours (`lease`) or no longer active."""
    check = _lock_if_held(check_id, lease)
    if check is None:
        return False
    check.status = str(CheckStatus.ERROR)
    check.finished_at = utcnow()
    check.lease_until = None
    check.error = reason
    db.session.flush()
    check.result_seq = _append_checked(check, str(CheckStatus.ERROR))
    return True


def _append_checked(check: AuditCheck, outcome: str) -> int | None:
    """Append the audit_checked event for `check`'s result: its seq. The worker acted: no
    actor. None when the chain refuses it: a broken chain can leave its head's hash
    already named by another event, and the unique prev_hash then stops every append.
    The check's result is kept all the same, for the auditor to see."""
    failed = outcome == CheckStatus.FAILED
    payload = {
        "check_id": check.id,
        "scope": check.scope,
        "outcome": outcome,
        "from_seq": check.from_seq,
        "head_seq": check.head_seq,
        "head_hash": check.head_hash,
        "checked": check.checked,
        "problem_seq": check.problem_seq if failed else None,
        "problem": check.problem_reason if failed else check.error,
    }
    try:
        with db.session.begin_nested():
            event = append_event(db.session, EventType.AUDIT_CHECKED, payload=payload)
    except IntegrityError:
        log.error("audit check %s: the audit chain refused its result's event", check.id)
        return None
    return event.seq


def _release(check_id: int, lease: datetime) -> None:
    """Give the check back, queued to start afresh, if `lease` still holds it; commit."""
    db.session.rollback()
    db.session.execute(
        update(AuditCheck)
        .where(
            AuditCheck.id == check_id,
            AuditCheck.status == CheckStatus.RUNNING,
            AuditCheck.lease_until == lease,
        )
        .values(
            status=str(CheckStatus.QUEUED),
            lease_until=None,
            attempts=AuditCheck.attempts - 1,
            started_at=None,
            checked=0,
            total=None,
            from_seq=None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
