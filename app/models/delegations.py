"""Cover for an absent approver: a delegate decides their stages "on behalf of" them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model, db
from app.models.types import UTCDateTime, utcnow
from app.models.users import User


class Delegation(Model):
    """From `starts_on` to `ends_on` (London dates, both included), `delegate` may decide
    what `delegator` may, on their behalf, unless it was ended early (`ended_at`).

    Rows are never deleted: decisions taken under one name it in their audit event.
    """

    __tablename__ = "delegations"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("delegate_id <> delegator_id", name="not_to_oneself"),
        Index("ix_delegations_delegate_id_ends_on", "delegate_id", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The absent approver.
    delegator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The colleague who covers.
    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    #: Who set it: the delegator, or an admin for them.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When it was ended before `ends_on`, and by whom; None while it runs its course.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    delegator: Mapped[User] = relationship(foreign_keys=[delegator_id], lazy="joined")
    delegate: Mapped[User] = relationship(foreign_keys=[delegate_id], lazy="joined")

    def covers(self, day: date) -> bool:
        """Whether the delegate may act for the delegator on London date `day`."""
        return self.ended_at is None and self.starts_on <= day <= self.ends_on

    def __repr__(self) -> str:
        return f"<Delegation {self.delegator_id}->{self.delegate_id}>"


def delegations_covering(
    day: date, *, delegate_id: int | None = None, delegator_ids: Iterable[int] | None = None
) -> list[Delegation]:
    """The delegations in force on London date `day`: those held by `delegate_id`, or
    given by any of `delegator_ids`."""
    query = select(Delegation).where(
        Delegation.ended_at.is_(None), Delegation.starts_on <= day, Delegation.ends_on >= day
    )
    if delegate_id is not None:
        query = query.where(Delegation.delegate_id == delegate_id)
    if delegator_ids is not None:
        query = query.where(Delegation.delegator_id.in_(sorted(set(delegator_ids))))
    return list(db.session.scalars(query.order_by(Delegation.id)))
