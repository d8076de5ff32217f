"""Audit checks: verifying the hash chain as a job the worker runs, and the checkpoints a
passing check leaves (app.audit.checks, docs/audit-checks.md)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.types import UTCDateTime, utcnow
from app.models.users import User

#: A seq column: BIGINT as audit_events.seq is, INTEGER on SQLite.
Seq = BigInteger().with_variant(Integer, "sqlite")


class CheckScope(enum.StrEnum):
    #: From the event after the last checkpoint to the head.
    ROUTINE = "routine"
    #: From event 1 to the head.
    FULL = "full"


class CheckStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    #: Every event checked was intact.
    PASSED = "passed"
    #: The chain is broken: problem_seq and problem_reason say where and why.
    FAILED = "failed"
    #: The check could not finish (a database error, or given up after repeated attempts).
    ERROR = "error"


#: Statuses of a check that has not ended: at most one check is in one of them.
ACTIVE_STATUSES = (CheckStatus.QUEUED, CheckStatus.RUNNING)


class AuditCheck(Model):
    """One verification of the chain that someone asked for, and what it found."""

    __tablename__ = "audit_checks"
    __table_args__ = (Index("ix_audit_checks_status", "status", "lease_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: `CheckScope`: routine (from the last checkpoint) or full (from event 1).
    scope: Mapped[str] = mapped_column(String(16))
    #: `CheckStatus`.
    status: Mapped[str] = mapped_column(String(16), default=CheckStatus.QUEUED)
    #: The auditor who asked; None for the command line.
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When a worker last started it (it starts again from the beginning if taken again).
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The first event it reads: 1, or the event after the checkpoint it starts from.
    from_seq: Mapped[int | None] = mapped_column(Seq)
    #: Events to check, from from_seq to the chain's head when it started.
    total: Mapped[int | None] = mapped_column(Seq)
    #: Events checked so far (written every few thousand events while it runs).
    checked: Mapped[int] = mapped_column(Seq, default=0)
    #: The last event found intact, and its hash: the new checkpoint when it passes.
    head_seq: Mapped[int | None] = mapped_column(Seq)
    head_hash: Mapped[str | None] = mapped_column(String(64))
    #: Where and why the chain is broken (status failed).
    problem_seq: Mapped[int | None] = mapped_column(Seq)
    problem_reason: Mapped[str | None] = mapped_column(Text)
    #: Why the check could not finish (status error).
    error: Mapped[str | None] = mapped_column(Text)
    #: Times a worker has taken it: after a few, it ends as an error instead.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: A worker holds the check until this moment, renewed at each progress write; after
    #: it, another worker may take the check and start it again.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The audit_checked event that records the result.
    result_seq: Mapped[int | None] = mapped_column(Seq)

    requested_by: Mapped[User | None] = relationship(lazy="joined")

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def __repr__(self) -> str:
        return f"<AuditCheck {self.id} {self.scope} {self.status} {self.checked}/{self.total}>"


class AuditCheckpoint(Model):
    """An event a passing check found intact, with its hash: a routine check starts from
    the latest, and every check confirms that event still has that hash."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The last event the check verified.
    seq: Mapped[int] = mapped_column(Seq, index=True)
    #: That event's hash when it was verified.
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The check that verified it.
    check_id: Mapped[int] = mapped_column(ForeignKey("audit_checks.id"), index=True)

    check: Mapped[AuditCheck] = relationship()

    def __repr__(self) -> str:
        return f"<AuditCheckpoint seq {self.seq} by check {self.check_id}>"
