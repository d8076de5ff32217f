"""The reminders `lifecycle tick` writes about approved accounts, each exactly once.

A notice is a row in `account_notices` whose unique key (account, kind, date) claims it,
its audit event on the request's history, and the outbox messages
`app.notifications.rules` says it causes, all in the caller's transaction. The key goes
first, in a SAVEPOINT: should another tick (or host) have claimed it, its IntegrityError
undoes this notice alone and the audit chain is never touched.
"""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy.exc import IntegrityError

from app.audit.chain import append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.accounts import AccountNotice, ApprovedAccount
from app.notifications.rules import queue_for


class NoticeKind(enum.StrEnum):
    #: Approved some working days ago, and its opening not yet recorded.
    OPENING_OVERDUE = "opening_overdue"
    #: Its review is due within ACCOUNT_REVIEW_NOTICE_DAYS.
    REVIEW_DUE = "review_due"
    #: Its review date has passed.
    REVIEW_OVERDUE = "review_overdue"


EVENT_TYPES: dict[NoticeKind, EventType] = {
    NoticeKind.OPENING_OVERDUE: EventType.APPROVED_ACCOUNT_OPENING_OVERDUE,
    NoticeKind.REVIEW_DUE: EventType.APPROVED_ACCOUNT_REVIEW_DUE,
    NoticeKind.REVIEW_OVERDUE: EventType.APPROVED_ACCOUNT_REVIEW_OVERDUE,
}


def raise_account_notice(account: ApprovedAccount, kind: NoticeKind, due_on: date) -> int | None:
    """Write notice `kind` about `account` and date `due_on`, once: how many people it
    told, or None if it had been written already."""
    try:
        with db.session.begin_nested():
            db.session.add(AccountNotice(account_id=account.id, kind=str(kind), due_on=due_on))
            db.session.flush()
    except IntegrityError:
        return None
    request = account.request
    event = append_event(
        db.session,
        EVENT_TYPES[kind],
        request=request,
        payload={
            "due_on": due_on.isoformat(),
            "account_status": {"from": account.status, "to": account.status},
            "account_version": account.version,
        },
    )
    return len(queue_for(event, request))
