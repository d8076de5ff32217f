"""`flask lifecycle tick`: approved accounts whose permission has ended are expired, and
the reminders due today are written, each once.

- An account not yet ended (awaiting opening, open, suspended) whose end date is before
  today (London) expires.
- An account awaiting opening ACCOUNT_OPENING_REMINDER_WORKING_DAYS working days after
  its approval: its officer is reminded, once.
- An open or suspended account whose review falls due within ACCOUNT_REVIEW_NOTICE_DAYS:
  Security is told, once per due date; once the date has passed, told it is overdue, once.

One transaction per account. Each is locked with `FOR UPDATE SKIP LOCKED` on its request
row (one held by an operation, or by a tick on another host, is left for the next tick),
read again, and acted on: an expiry checks the status under the lock, a notice claims
its unique key first (app.operations.account_notices). So ticks on several hosts at
once write each effect once. On SQLite every transaction holds the write lock, so ticks
on one machine take turns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import exists, select

from app.deadlines.clock import calendar, london_today
from app.deadlines.working_days import london_day
from app.extensions import db
from app.models.accounts import AccountNotice, ApprovedAccount
from app.models.requests import AccessRequest
from app.operations.account_lifecycle import expire_account
from app.operations.account_notices import NoticeKind, raise_account_notice
from app.rules.accounts import AccountStatus

log = logging.getLogger(__name__)

_LIVE = [
    str(AccountStatus.AWAITING_OPENING),
    str(AccountStatus.OPEN),
    str(AccountStatus.SUSPENDED),
]
_RUNNING = [str(AccountStatus.OPEN), str(AccountStatus.SUSPENDED)]


@dataclass(frozen=True)
class Noticed:
    reference: str
    kind: NoticeKind
    due_on: date
    told: int


@dataclass
class LifecycleReport:
    expired: list[str] = field(default_factory=list)
    written: list[Noticed] = field(default_factory=list)
    #: Notices due that an earlier tick (or another host) had already written.
    already: int = 0
    #: References left for the next tick: locked by someone else, or they failed.
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def run_lifecycle_tick(stopping: Callable[[], bool] = lambda: False) -> LifecycleReport:
    """Expire what has ended and write the notices due today; `stopping` ends it early,
    between accounts."""
    report = LifecycleReport()
    today = london_today()
    for account_id, reference in _candidates(today):
        if stopping():
            break
        try:
            _tick_account(account_id, reference, today, report)
        except Exception:
            db.session.rollback()
            log.exception("lifecycle tick failed for %s", reference)
            report.failed.append(reference)
    return report


def _candidates(today: date) -> list[tuple[int, str]]:
    """Every account with something that may be due today (one query)."""
    notice_days = int(current_app.config["ACCOUNT_REVIEW_NOTICE_DAYS"])
    opening_days = int(current_app.config["ACCOUNT_OPENING_REMINDER_WORKING_DAYS"])
    opening_cutoff = datetime.combine(
        today - timedelta(days=opening_days - 1), time.min, tzinfo=UTC
    )
    reminded = exists().where(
        AccountNotice.account_id == ApprovedAccount.id,
        AccountNotice.kind == str(NoticeKind.OPENING_OVERDUE),
    )
    rows = db.session.execute(
        select(ApprovedAccount.id, AccessRequest.reference)
        .join(AccessRequest, AccessRequest.id == ApprovedAccount.request_id)
        .where(
            (ApprovedAccount.status.in_(_LIVE) & (ApprovedAccount.ends_on < today))
            | (
                # Not opened, approved long enough ago (calendar days are never more than
                # working days), and not reminded yet.
                (ApprovedAccount.status == str(AccountStatus.AWAITING_OPENING))
                & (ApprovedAccount.approved_at <= opening_cutoff)
                & ~reminded
            )
            | (
                ApprovedAccount.status.in_(_RUNNING)
                & (ApprovedAccount.review_due_on <= today + timedelta(days=notice_days))
            )
        )
        .order_by(ApprovedAccount.id)
    ).all()
    db.session.rollback()
    return [(account_id, reference) for account_id, reference in rows]


def _tick_account(account_id: int, reference: str, today: date, report: LifecycleReport) -> None:
    locked = db.session.scalar(
        select(AccessRequest.id)
        .join(ApprovedAccount, ApprovedAccount.request_id == AccessRequest.id)
        .where(ApprovedAccount.id == account_id)
        .with_for_update(of=AccessRequest, skip_locked=True)
    )
    if locked is None:
        db.session.rollback()
        report.skipped.append(reference)
        return
    account = db.session.get(ApprovedAccount, account_id, populate_existing=True)
    assert account is not None
    if expire_account(account, today=today):
        report.expired.append(reference)
    for kind, due_on in _notices_due(account, today):
        told = raise_account_notice(account, kind, due_on)
        if told is None:
            report.already += 1
        else:
            report.written.append(Noticed(reference, kind, due_on, told))
    db.session.commit()


def _notices_due(account: ApprovedAccount, today: date) -> list[tuple[NoticeKind, date]]:
    status = AccountStatus(account.status)
    due: list[tuple[NoticeKind, date]] = []
    if status is AccountStatus.AWAITING_OPENING:
        days = int(current_app.config["ACCOUNT_OPENING_REMINDER_WORKING_DAYS"])
        remind_on = calendar().add_working_days(london_day(account.approved_at), days)
        if today >= remind_on:
            due.append((NoticeKind.OPENING_OVERDUE, remind_on))
    elif status in (AccountStatus.OPEN, AccountStatus.SUSPENDED) and account.review_due_on:
        notice_days = int(current_app.config["ACCOUNT_REVIEW_NOTICE_DAYS"])
        if today > account.review_due_on:
            due.append((NoticeKind.REVIEW_OVERDUE, account.review_due_on))
        elif today >= account.review_due_on - timedelta(days=notice_days):
            due.append((NoticeKind.REVIEW_DUE, account.review_due_on))
    return due
