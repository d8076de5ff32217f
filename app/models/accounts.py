"""Approved accounts: what an approved request's department does with its permission,
the conditions it must keep, and the notices `lifecycle tick` has written."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.types import UTCDateTime, utcnow
from app.models.users import User
from app.rules.accounts import NOTE_MAX, URL_MAX
from app.rules.content import HANDLE_MAX, SHORT_TEXT_MAX

if TYPE_CHECKING:
    from app.models.requests import AccessRequest, Decision


class ApprovedAccount(Model):
    """One approved request's account, from approval to its end.

    Written in the transaction that approves the request, awaiting opening; it changes
    only through the operations of app.operations.account_lifecycle, each with its event.
    """

    __tablename__ = "approved_accounts"
    __table_args__ = (
        # The tick looks for accounts that end or fall due for review.
        Index("ix_approved_accounts_status_ends_on", "status", "ends_on"),
        Index("ix_approved_accounts_status_review_due_on", "status", "review_due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("access_requests.id"), unique=True)
    #: `app.rules.accounts.AccountStatus` value.
    status: Mapped[str] = mapped_column(String(32))
    #: When it reached its status.
    status_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The live handle: the request's proposed one until the officers record the opening.
    handle: Mapped[str] = mapped_column(String(HANDLE_MAX), default="")
    #: The account's web address, when the officers give one.
    url: Mapped[str] = mapped_column(String(URL_MAX), default="")
    opened_on: Mapped[date | None] = mapped_column(Date)
    #: The named person who owns the account in the department.
    owner: Mapped[str] = mapped_column(String(SHORT_TEXT_MAX), default="")
    #: What the account is for: the request's purpose, until an approved change says else.
    purpose: Mapped[str] = mapped_column(Text, default="")
    #: The last day of the permission: the end date the request asked for (None: none).
    ends_on: Mapped[date | None] = mapped_column(Date)
    #: When Security next reviews it; None before it opens or when it ends first.
    review_due_on: Mapped[date | None] = mapped_column(Date)
    last_reviewed_on: Mapped[date | None] = mapped_column(Date)
    #: After a revocation: when the officers confirmed it was closed or handed over.
    closure_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closure_statement: Mapped[str] = mapped_column(Text, default="")
    #: Changes with every step: a form names the version it was drawn from.
    version: Mapped[int] = mapped_column(Integer, default=1)

    request: Mapped[AccessRequest] = relationship(back_populates="account")
    conditions: Mapped[list[AccountCondition]] = relationship(
        back_populates="account", order_by="AccountCondition.number", lazy="selectin"
    )
    changes: Mapped[list[AccountChange]] = relationship(
        back_populates="account", order_by="AccountChange.number"
    )

    @property
    def department_id(self) -> int:
        return self.request.department_id

    @property
    def closure_confirmed(self) -> bool:
        return self.closure_confirmed_at is not None

    @property
    def open_conditions(self) -> list[AccountCondition]:
        return [c for c in self.conditions if c.confirmed_at is None]

    def condition(self, number: int) -> AccountCondition | None:
        return next((c for c in self.conditions if c.number == number), None)

    def change(self, number: int) -> AccountChange | None:
        return next((c for c in self.changes if c.number == number), None)

    @property
    def pending_change(self) -> AccountChange | None:
        return next((c for c in self.changes if c.status == "in_review"), None)


class AccountCondition(Model):
    """One approver's conditions, a checklist item the officers confirm with evidence."""

    __tablename__ = "account_conditions"
    __table_args__ = (UniqueConstraint("account_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("approved_accounts.id"))
    #: 1, 2, ... in the order the approvals were given.
    number: Mapped[int] = mapped_column(Integer)
    #: The conditions as the approver wrote them.
    text: Mapped[str] = mapped_column(Text)
    stage_code: Mapped[str] = mapped_column(ForeignKey("stages.code"))
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    #: What the officer says shows the condition is kept.
    evidence: Mapped[str] = mapped_column(String(NOTE_MAX), default="")
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[ApprovedAccount] = relationship(back_populates="conditions")
    decision: Mapped[Decision] = relationship()
    confirmed_by: Mapped[User | None] = relationship(lazy="joined")


class AccountNotice(Model):
    """A reminder `lifecycle tick` wrote about one account: its key makes it once.

    The tick inserts the row in the same transaction as the notice's audit event and
    outbox messages, so a second tick, on this host or another, cannot write it again.
    """

    __tablename__ = "account_notices"
    __table_args__ = (UniqueConstraint("account_id", "kind", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("approved_accounts.id"))
    #: `app.operations.account_notices.NoticeKind` value.
    kind: Mapped[str] = mapped_column(String(32))
    #: The date the notice is about: the opening's reminder date, or the review's due date.
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AccountChange(Model):
    """The officers ask to change an approved account's handle, owner or purpose; it goes
    through the platform's change pipeline, stage by stage, and applies once approved."""

    __tablename__ = "account_changes"
    __table_args__ = (UniqueConstraint("account_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("approved_accounts.id"))
    #: 1, 2, ... per account.
    number: Mapped[int] = mapped_column(Integer)
    #: The fields asked for, by name (app.rules.accounts.CHANGE_FIELDS): {"before": {...},
    #: "after": {...}}, holding only what changes.
    fields: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    #: `app.rules.accounts.ChangeStatus` value.
    status: Mapped[str] = mapped_column(String(16))
    #: The stage codes it must pass, frozen when it was asked for.
    pipeline: Mapped[list] = mapped_column(JSON)
    current_stage: Mapped[str | None] = mapped_column(ForeignKey("stages.code"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[ApprovedAccount] = relationship(back_populates="changes")
    filed_by: Mapped[User] = relationship(lazy="joined")
    decisions: Mapped[list[AccountChangeDecision]] = relationship(
        back_populates="change", order_by="AccountChangeDecision.id", lazy="selectin"
    )


class AccountChangeDecision(Model):
    """One approver's decision on one stage of an account change."""

    __tablename__ = "account_change_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("account_changes.id"), index=True)
    stage_code: Mapped[str] = mapped_column(ForeignKey("stages.code"))
    approver_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: "approve" or "reject".
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    change: Mapped[AccountChange] = relationship(back_populates="decisions")
    approver: Mapped[User] = relationship(lazy="joined")
