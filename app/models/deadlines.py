"""The deadline notices `sla tick` has written: each one once, however many ticks run."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.types import UTCDateTime, utcnow


class DeadlineNotice(Model):
    """A reminder, overdue notice or escalation about one stage of one revision.

    The unique key is what makes the tick idempotent and safe on several hosts at once:
    a tick inserts the row in the same transaction as the notice's audit event and outbox
    messages, so a second tick (or a second host) cannot write the notice again.
    """

    __tablename__ = "deadline_notices"
    __table_args__ = (UniqueConstraint("request_id", "revision", "stage_code", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("access_requests.id"))
    #: The revision number waiting: a resubmission starts every stage, and its notices, again.
    revision: Mapped[int] = mapped_column(Integer)
    stage_code: Mapped[str] = mapped_column(ForeignKey("stages.code"))
    #: app.deadlines.schedule.NoticeKind: due_soon, overdue or escalated.
    kind: Mapped[str] = mapped_column(String(16))
    #: The due date the notice was about.
    due_on: Mapped[date] = mapped_column(Date)
    #: The audit event that records it. Set in the same transaction, just after the row
    #: claims its key (so that a tick that loses the race never touches the audit chain).
    audit_seq: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
