"""Checking the chain: every hash recomputes, every link holds, no seq is missing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


def verify_chain(
    events: Iterable[Mapping[str, Any]],
    *,
    start_seq: int = 1,
    start_prev_hash: str = GENESIS_HASH,
) -> VerifyResult:
    """Verify events given as mappings of the hashed fields plus prev_hash and hash.

    Stops at the first problem: a gap in seq, a prev_hash that is not the previous
    event's hash (broken link), or a hash that does not recompute (mismatch).
    """
    expected_seq, expected_prev = start_seq, start_prev_hash
    count, head_seq, head_hash = 0, start_seq - 1, start_prev_hash
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
    return VerifyResult(count, head_seq, head_hash)


def _stored_events(session: SessionLike) -> Iterable[dict[str, Any]]:
    # Plain rows, not ORM objects: a million of those cost minutes in identity bookkeeping.
    columns = [getattr(AuditEvent, name) for name in (*HASHED_FIELDS, "prev_hash", "hash")]
    query = select(*columns).order_by(AuditEvent.seq).execution_options(yield_per=BATCH_SIZE)
    for row in session.execute(query):
        fields = row._asdict()
        fields["occurred_at"] = format_time(fields["occurred_at"])
        yield fields


def verify_database(session: SessionLike) -> VerifyResult:
    """Verify the whole stored chain, streaming it in batches."""
    return verify_chain(_stored_events(session))
