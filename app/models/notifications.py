"""The outbox: each message to a person, written in the transaction of the change that
causes it, and delivered later by `flask notify work` (app.notifications.worker)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.requests import AccessRequest
from app.models.types import UTCDateTime, utcnow
from app.models.users import User


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    #: Kept for the person's daily digest (they chose one): `flask notify digest` takes it.
    HELD = "held"
    #: Told in a digest (`digest_id`), not on its own.
    DIGESTED = "digested"


class OutboxMessage(Model):
    """One message to one person about one event. The audit event it follows and its
    kind make it unique: writing it twice is refused by the database."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        UniqueConstraint("audit_seq", "recipient_id", "kind"),
        # One digest per person per day, however often `notify digest` runs.
        UniqueConstraint("recipient_id", "kind", "digest_day"),
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What it tells (app.notifications.rules.Kind): stage_waiting, changes_requested...
    kind: Mapped[str] = mapped_column(String(40))
    #: The audit event whose change caused it; None for a digest, which gathers several.
    audit_seq: Mapped[int | None] = mapped_column(Integer)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("access_requests.id"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The address when it was written: a later change of address does not redirect it.
    recipient_email: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    #: The facts GOV.UK Notify's template for `kind` fills in (app.notifications.messages).
    personalisation: Mapped[dict] = mapped_column(JSON, default=dict)
    #: A digest's day (Europe/London), which makes it unique per person per day.
    digest_day: Mapped[date | None] = mapped_column(Date)
    #: A held message: the digest that told it, once one has.
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    #: Delivery attempts so far, counted when a worker claims the message.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: Not to be tried before this moment (backoff after a temporary failure).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: A worker holds the message until this moment; after it, another may take it.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")

    recipient: Mapped[User] = relationship(lazy="joined")
    request: Mapped[AccessRequest | None] = relationship()

    def message_id(self, domain: str) -> str:
        """The message's id on every attempt, so a redelivery is recognisably the same."""
        return f"<permit-outbox-{self.id}@{domain}>"

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} to {self.recipient_email} {self.status}>"
