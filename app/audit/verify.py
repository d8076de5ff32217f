"""Checking the chain: every hash recomputes, every link holds, no seq is missing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.audit.chain import HASHED_FIELDS, compute_hash, format_time
from app.extensions import SessionLike
from app.models.audit import GENESIS_HASH, AuditEvent

#: Rows fetched per round trip when verifying the database.
BATCH_SIZE = 5000


@dataclass(frozen=True)
class Problem:
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"seq {self.seq}: {self.reason}"


@dataclass(frozen=True)
class VerifyResult:
    count: int
    head_seq: int
    head_hash: str
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


#: Called with the number of events verified so far (it may raise to stop the check).
Progress = Callable[[int], None]


def verify_chain(
    events: Iterable[Mapping[str, Any]],
    *,
    start_seq: int = 1,
    start_prev_hash: str = GENESIS_HASH,
    progress: Progress | None = None,
    progress_every: int = BATCH_SIZE,
) -> VerifyResult:
    """Verify events given as mappings of the hashed fields plus prev_hash and hash.

    Stops at the first problem: a gap in seq, a prev_hash that is not the previous
    event's hash (broken link), or a hash that does not recompute (mismatch). Starting
    part-way along, `start_prev_hash` is the hash of event `start_seq - 1`, trusted.
    `progress(count)` is called after every `progress_every` events found intact.
    """
    expected_seq, expected_prev = start_seq, start_prev_hash
    count, head_seq, head_hash = 0, start_seq - 1, start_prev_hash
    # One comparison per event when nobody listens: -1 is never reached.
    report_at = progress_every if progress is not None else -1
    for event in events:
        seq = event["seq"]
        problem = None
        if seq != expected_seq:
            problem = Problem(
                expected_seq if seq > expected_seq else seq,
                f"gap: expected seq {expected_seq}, found {seq}",
            )
        elif event["prev_hash"] != expected_prev:
            problem = Problem(seq, "broken link: prev_hash is not the previous event's hash")
        elif compute_hash(event["prev_hash"], event) != event["hash"]:
            problem = Problem(seq, "hash mismatch: the stored hash does not match its fields")
        if problem:
            return VerifyResult(count, head_seq, head_hash, problem)
        count += 1
        head_seq, head_hash = seq, event["hash"]
        expected_seq, expected_prev = seq + 1, event["hash"]
        if count == report_at and progress is not None:
            progress(count)
            report_at += progress_every
    return VerifyResult(count, head_seq, head_hash)


def stored_events(
    session: SessionLike, *, start_seq: int = 1, up_to_seq: int | None = None
) -> Iterable[dict[str, Any]]:
    """The stored events from `start_seq` (to `up_to_seq`), in seq order, as mappings
    `verify_chain` reads, fetched in batches."""
    # Plain rows, not ORM objects: a million of those cost minutes in identity bookkeeping.
    columns = [getattr(AuditEvent, name) for name in (*HASHED_FIELDS, "prev_hash", "hash")]
    query = select(*columns).order_by(AuditEvent.seq).execution_options(yield_per=BATCH_SIZE)
    if start_seq > 1:
        query = query.where(AuditEvent.seq >= start_seq)
    if up_to_seq is not None:
        query = query.where(AuditEvent.seq <= up_to_seq)
    for row in session.execute(query):
        fields = row._asdict()
        fields["occurred_at"] = format_time(fields["occurred_at"])
        yield fields


def verify_database(
    session: SessionLike,
    *,
    start_seq: int = 1,
    start_prev_hash: str = GENESIS_HASH,
    up_to_seq: int | None = None,
    progress: Progress | None = None,
    progress_every: int = BATCH_SIZE,
) -> VerifyResult:
    """Verify the stored chain, streaming it in batches: all of it, or from `start_seq`
    (whose previous event's hash is `start_prev_hash`) to `up_to_seq`."""
    return verify_chain(
        stored_events(session, start_seq=start_seq, up_to_seq=up_to_seq),
        start_seq=start_seq,
        start_prev_hash=start_prev_hash,
        progress=progress,
        progress_every=progress_every,
    )
