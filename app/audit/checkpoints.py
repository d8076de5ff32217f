"""Verifying the chain from a checkpoint or from the start, as checks do (docs/audit-checks.md).

A checkpoint is the last event a passing check found intact, and its hash. A routine
check confirms that event is still there, still recomputes and still has that hash, then
verifies every later event from that hash; a full check verifies from event 1 and then
confirms the checkpoint's event too. So a rewrite of history already checked, even one
with every later hash recomputed, is noticed at the checkpoint.

The worker's checks (app.audit.checks) and `flask audit verify` both verify through
`verify_scope`, on `snapshot_session()`: a connection of its own that only reads and, on
SQLite, never holds the write lock (app.database.SNAPSHOT_READ).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.chain import compute_hash
from app.audit.verify import BATCH_SIZE, Problem, VerifyResult, stored_events, verify_database
from app.database import SNAPSHOT_READ
from app.extensions import SessionLike, db
from app.models.audit import GENESIS_HASH
from app.models.audit_checks import AuditCheckpoint, CheckScope


def last_checkpoint(session: SessionLike) -> AuditCheckpoint | None:
    """The checkpoint furthest along the chain (the latest, when two are at one seq)."""
    query = select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc(), AuditCheckpoint.id.desc())
    return session.scalars(query.limit(1)).first()


def from_seq_for(scope: CheckScope, checkpoint: AuditCheckpoint | None) -> int:
    """The first event a check of `scope` reads, given the latest checkpoint."""
    if scope is CheckScope.ROUTINE and checkpoint is not None:
        return checkpoint.seq + 1
    return 1


@contextmanager
def snapshot_session() -> Iterator[Session]:
    """A session on a connection of its own that only reads, never holding SQLite's write
    lock: the other transactions carry on while it streams the chain."""
    with db.engine.connect() as connection:
        connection.execution_options(**{SNAPSHOT_READ: True})
        session = Session(bind=connection)
        try:
            yield session
        finally:
            session.close()


def verify_scope(
    reader: SessionLike,
    scope: CheckScope,
    checkpoint: AuditCheckpoint | None,
    up_to_seq: int,
    *,
    progress: Callable[[int], None] | None = None,
    progress_every: int = BATCH_SIZE,
) -> VerifyResult:
    """Verify the stored chain up to `up_to_seq` as a check of `scope` does, given the
    latest checkpoint (only its seq, hash and time are read: it may be detached).

    Routine: the checkpoint's event must still be there, recompute, and have the hash it
    had; then every later event is verified, starting from that hash. Full: every event
    from 1, and then the checkpoint's event must still have its hash. Without a
    checkpoint, both verify from event 1.
    """
    if scope is CheckScope.ROUTINE and checkpoint is not None:
        problem = _checkpoint_problem(reader, checkpoint, up_to_seq, recompute=True)
        if problem is not None:
            return VerifyResult(0, checkpoint.seq, checkpoint.hash, problem)
        start_seq, start_prev_hash = checkpoint.seq + 1, checkpoint.hash
    else:
        start_seq, start_prev_hash = 1, GENESIS_HASH
    result = verify_database(
        reader,
        start_seq=start_seq,
        start_prev_hash=start_prev_hash,
        up_to_seq=up_to_seq,
        progress=progress,
        progress_every=progress_every,
    )
    if result.ok and scope is CheckScope.FULL and checkpoint is not None:
        problem = _checkpoint_problem(reader, checkpoint, up_to_seq, recompute=False)
        if problem is not None:
            return VerifyResult(result.count, result.head_seq, result.head_hash, problem)
    return result


def _checkpoint_problem(
    reader: SessionLike, checkpoint: AuditCheckpoint, up_to_seq: int, *, recompute: bool
) -> Problem | None:
    """What is wrong with the checkpoint's event now, or None: it must still be there,
    with the hash it had when it was checked (and, with `recompute`, a hash that still
    recomputes from its fields: a full check has just recomputed it)."""
    seq = checkpoint.seq
    when = f"the check of {checkpoint.created_at:%Y-%m-%d %H:%M} UTC"
    if seq > up_to_seq:
        return Problem(seq, f"missing: the log ends at event {up_to_seq}, but {when} verified it")
    event = next(iter(stored_events(reader, start_seq=seq, up_to_seq=seq)), None)
    if event is None:
        return Problem(seq, f"missing: {when} verified it")
    if event["hash"] != checkpoint.hash:
        return Problem(seq, f"rewritten: its hash is not the one {when} recorded")
    if recompute and compute_hash(event["prev_hash"], event) != event["hash"]:
        return Problem(seq, "hash mismatch: the stored hash does not match its fields")
    return None
