"""`flask lifecycle tick`: accounts whose permission has ended expire, and reminders of
openings and reviews go out, each exactly once, however often and wherever it runs."""

from __future__ import annotations

import os
import signal
from collections import Counter
from datetime import date

from sqlalchemy import func, select

from app.audit.events import EventType
from app.audit.verify import verify_database
from app.extensions import db
from app.models import AccountNotice, AuditEvent, OutboxMessage, User
from app.models.accounts import ApprovedAccount
from app.operations.account_lifecycle import change_account_status
from app.rules.accounts import AccountAction, AccountStatus
from tests.accounts.support import account_of, approved_with_conditions, opened
from tests.deadlines.support import TickProcess, london
from tests.notifications.support import wait_for

#: When the requests are approved: Monday 7 December 2026, 10am.
APPROVED_AT = london(2026, 12, 7, 10, 0)


def events_of(kind: EventType) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.event_type == kind).order_by(AuditEvent.seq)
        )
    )


def messages_of(kind: str) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(AuditEvent.request_reference, User.display_name)
        .select_from(OutboxMessage)
        .join(AuditEvent, AuditEvent.seq == OutboxMessage.audit_seq)
        .join(User, User.id == OutboxMessage.recipient_id)
        .where(OutboxMessage.kind == kind)
    )
    return sorted((reference, name) for reference, name in rows)


def test_an_account_expires_the_day_after_its_end_date_and_once(world, clock, lifecycle_tick):
    clock(APPROVED_AT)
    request = approved_with_conditions(
        world, start_date=date(2027, 1, 4), end_date=date(2027, 3, 31)
    )
    opened(request, world.officer, handle="@live", opened_on=date(2026, 12, 7))
    clock(london(2027, 3, 31, 23, 0))  # the last day of the permission, late at night
    assert "Expired 0" in lifecycle_tick().output
    assert account_of(request).status == AccountStatus.OPEN
    clock(london(2027, 4, 1, 0, 30))
    result = lifecycle_tick()
    assert f"Expired {request.reference}: its permission's end date has passed." in result.output
    account = account_of(request)
    assert account.status == AccountStatus.EXPIRED
    [event] = events_of(EventType.APPROVED_ACCOUNT_EXPIRED)
    assert event.actor_id is None and event.request_id == request.id
    assert messages_of("approved_account_expired") == [(request.reference, "Olive Officer")]
    assert "Expired 0" in lifecycle_tick().output  # once
    assert len(events_of(EventType.APPROVED_ACCOUNT_EXPIRED)) == 1
    assert verify_database(db.session).ok


def test_a_suspended_or_unopened_account_expires_too(world, clock, lifecycle_tick):
    clock(APPROVED_AT)
    unopened = approved_with_conditions(world, end_date=date(2027, 1, 31))
    suspended = approved_with_conditions(world, end_date=date(2027, 1, 31))
    account = opened(suspended, world.officer, handle="@live", opened_on=date(2026, 12, 7))
    change_account_status(
        account, world.security, AccountAction.SUSPEND, reason="Paused", version=account.version
    )
    closed = approved_with_conditions(world, end_date=date(2027, 1, 31))
    account = account_of(closed)
    change_account_status(
        account, world.officer, AccountAction.CLOSE, reason="Not needed", version=account.version
    )
    db.session.commit()
    clock(london(2027, 2, 1, 9, 0))
    lifecycle_tick()
    assert account_of(unopened).status == AccountStatus.EXPIRED
    assert account_of(suspended).status == AccountStatus.EXPIRED
    assert account_of(closed).status == AccountStatus.CLOSED  # ended already: left alone


def test_officers_are_reminded_once_to_record_the_opening(world, clock, lifecycle_tick):
    clock(APPROVED_AT)
    request = approved_with_conditions(world)
    # Ten working days after Monday 7 December: Christmas and Boxing Day (and the
    # Monday after, a bank holiday) are not working days, so Monday 21 December is.
    clock(london(2026, 12, 18, 9, 0))
    assert "wrote 0 notices" in lifecycle_tick().output
    clock(london(2026, 12, 21, 9, 0))
    result = lifecycle_tick()
    assert f"Opening reminder {request.reference} (Monday 21 December 2026)" in result.output
    assert messages_of("approved_account_opening_overdue") == [(request.reference, "Olive Officer")]
    clock(london(2026, 12, 22, 9, 0))
    assert "wrote 0 notices" in lifecycle_tick().output
    assert len(events_of(EventType.APPROVED_ACCOUNT_OPENING_OVERDUE)) == 1


def test_security_hears_when_a_review_is_due_then_overdue(world, clock, lifecycle_tick):
    clock(APPROVED_AT)
    request = approved_with_conditions(world, end_date=date(2030, 1, 31))
    account = opened(request, world.officer, handle="@live", opened_on=date(2026, 12, 7))
    assert account.review_due_on == date(2027, 12, 7)
    clock(london(2027, 11, 22, 9, 0))  # 15 days before
    assert "wrote 0 notices" in lifecycle_tick().output
    clock(london(2027, 11, 23, 9, 0))  # 14 days before
    assert "Review due" in lifecycle_tick().output
    security = [(request.reference, "Sally Security"), (request.reference, "Sid Security")]
    assert messages_of("approved_account_review_due") == security
    clock(london(2027, 12, 8, 9, 0))
    assert "Review overdue" in lifecycle_tick().output
    assert messages_of("approved_account_review_overdue") == security
    lifecycle_tick()
    assert len(events_of(EventType.APPROVED_ACCOUNT_REVIEW_DUE)) == 1
    assert len(events_of(EventType.APPROVED_ACCOUNT_REVIEW_OVERDUE)) == 1


def many_ending(world, clock, count: int) -> list[str]:
    """`count` approved accounts whose permission ends on 31 January 2027."""
    clock(APPROVED_AT)
    references = [
        approved_with_conditions(world, end_date=date(2027, 1, 31)).reference for _ in range(count)
    ]
    db.session.remove()  # on SQLite, the write lock is the processes' to take
    return references


def assert_each_expired_once(references: list[str]) -> None:
    db.session.expire_all()
    expired = Counter(e.request_reference for e in events_of(EventType.APPROVED_ACCOUNT_EXPIRED))
    assert set(expired) == set(references) and set(expired.values()) == {1}
    statuses = db.session.scalars(select(ApprovedAccount.status)).all()
    assert set(statuses) == {AccountStatus.EXPIRED}
    sent = Counter(messages_of("approved_account_expired"))
    assert set(sent.values()) == {1}
    assert verify_database(db.session).ok


def test_two_ticks_at_once_expire_each_account_once(database_url, world, clock, tmp_path):
    references = many_ending(world, clock, 20)
    url = db.engine.url.render_as_string(hide_password=False)
    at = london(2027, 2, 1, 9, 0)
    ticks = [TickProcess(url, at, tmp_path / f"tick-{n}.log", group="lifecycle") for n in (1, 2)]
    try:
        assert [tick.wait() for tick in ticks] == [0, 0], [t.output() for t in ticks]
    finally:
        for tick in ticks:
            tick.kill()
    assert_each_expired_once(references)


def test_a_tick_killed_with_sigkill_loses_nothing(database_url, world, clock, tmp_path):
    """kill -9 in the middle of a run: every account is expired with its event and its
    message, or not at all; the next tick finishes the rest, and the chain verifies."""
    references = many_ending(world, clock, 30)
    url = db.engine.url.render_as_string(hide_password=False)
    at = london(2027, 2, 1, 9, 0)
    first = TickProcess(url, at, tmp_path / "tick-1.log", "--every", "60", group="lifecycle")
    try:
        wait_for(lambda: "Expired PRQ" in first.output(), "the first tick to expire one", 60)
        os.kill(first.process.pid, signal.SIGKILL)
        first.wait()
    finally:
        first.kill()
    done_first = first.output().count("Expired PRQ")
    db.session.expire_all()
    expired = db.session.scalar(
        select(func.count()).where(ApprovedAccount.status == str(AccountStatus.EXPIRED))
    )
    events = len(events_of(EventType.APPROVED_ACCOUNT_EXPIRED))
    assert expired == events, "an account expired without its event, or the other way round"
    assert expired >= done_first
    db.session.remove()
    second = TickProcess(url, at, tmp_path / "tick-2.log", group="lifecycle")
    assert second.wait() == 0, second.output()
    assert second.output().count("Expired PRQ") == len(references) - expired
    assert_each_expired_once(references)
    assert db.session.scalar(select(func.count()).select_from(AccountNotice)) == 0


def test_nothing_to_do_says_so(world, clock, lifecycle_tick):
    clock(APPROVED_AT)
    result = lifecycle_tick()
    assert result.exit_code == 0
    assert "Expired 0; wrote 0 notices; 0 already written." in result.output


def test_an_account_reminded_once_is_not_taken_up_again(world, clock, lifecycle_tick):
    """Once its opening reminder is written, an unopened account is no candidate: later
    ticks neither lock it nor try its notice's key again."""
    clock(APPROVED_AT)
    approved_with_conditions(world)
    clock(london(2026, 12, 21, 9, 0))
    assert "wrote 1 notices" in lifecycle_tick().output
    clock(london(2026, 12, 22, 9, 0))
    assert "Expired 0; wrote 0 notices; 0 already written." in lifecycle_tick().output
