"""An approved account's life, operation by operation: each step one event on the
request's history, checked against the rules, and a refusal changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.events import EventType
from app.audit.verify import verify_database
from app.deadlines.clock import london_today
from app.extensions import db
from app.models.accounts import ApprovedAccount
from app.operations.account_lifecycle import (
    change_account_status,
    confirm_closure,
    confirm_condition,
    confirm_review,
    expire_account,
    record_opening,
)
from app.rules.accounts import AccountAction, AccountStatus
from app.rules.workflow import (
    InvalidContent,
    InvalidTransition,
    NotPermitted,
    NotYourDepartment,
    StaleRequest,
    Status,
)
from tests.accounts.support import (
    CABINET_CONDITIONS,
    SECURITY_CONDITIONS,
    account_of,
    approved_with_conditions,
)
from tests.operations.support import assert_actor, head_seq, one_event, request_in


def open_account(world, account, **overrides):
    values = {
        "handle": "@dsit_live",
        "url": "https://www.tiktok.com/@dsit_live",
        "opened_on": london_today(),
        "owner": "Olive Officer",
        "version": account.version,
    }
    values.update(overrides)
    record_opening(account, world.officer, **values)
    db.session.commit()


def test_approval_starts_the_account_with_a_condition_per_approval(world):
    request = approved_with_conditions(world)
    account = account_of(request)
    assert account.status == AccountStatus.AWAITING_OPENING
    assert account.handle == request.account_handle
    assert account.owner == request.senior_responsible_owner
    assert account.ends_on == request.end_date
    assert [(c.number, c.stage_code, c.text) for c in account.conditions] == [
        (1, "security", SECURITY_CONDITIONS),
        (2, "cabinet_office", CABINET_CONDITIONS),
    ]
    assert account.review_due_on is None  # not open yet


def test_rejected_and_in_review_requests_have_no_account(world):
    assert request_in(world, Status.REJECTED).account is None
    assert request_in(world, Status.IN_REVIEW).account is None


def test_opening_records_the_live_account_and_schedules_its_review(world):
    account = account_of(approved_with_conditions(world, end_date=date(2030, 1, 31)))
    seq = head_seq()
    open_account(world, account)
    event = one_event(seq)
    assert event.event_type == EventType.APPROVED_ACCOUNT_OPENED
    assert_actor(event, world.officer)
    assert event.request_id == account.request_id
    assert event.payload["account_status"] == {"from": "awaiting_opening", "to": "open"}
    assert event.payload["handle"] == "@dsit_live"
    account = account_of(account.request)
    assert account.status == AccountStatus.OPEN
    today = london_today()
    assert account.opened_on == today
    assert account.review_due_on == today.replace(year=today.year + 1)


def test_no_review_is_due_after_the_permission_ends(world):
    account = account_of(approved_with_conditions(world, end_date=london_today() + timedelta(30)))
    open_account(world, account)
    assert account_of(account.request).review_due_on is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"handle": "  "}, "handle"),
        ({"owner": ""}, "owner"),
        ({"opened_on": None}, "opened_on"),
        ({"opened_on": date(2999, 1, 1)}, "opened_on"),
        ({"url": "tiktok.com/@x"}, "url"),
        ({"url": "https://x y"}, "url"),
        ({"handle": "a\x00b"}, "handle"),
    ],
)
def test_a_bad_opening_record_is_refused_and_changes_nothing(world, overrides, field):
    account = account_of(approved_with_conditions(world))
    seq = head_seq()
    with pytest.raises(InvalidContent) as caught:
        open_account(world, account, **overrides)
    db.session.rollback()
    assert field in caught.value.errors
    assert head_seq() == seq
    assert account_of(account.request).status == AccountStatus.AWAITING_OPENING


def test_only_the_departments_officers_record_the_opening(world):
    account = account_of(approved_with_conditions(world))
    for person in (world.outsider, world.security, world.auditor, world.admin):
        with pytest.raises(NotPermitted):
            record_opening(
                account,
                person,
                handle="@x",
                url="",
                opened_on=london_today(),
                owner="X",
                version=account.version,
            )
        db.session.rollback()


def test_a_stale_version_is_refused(world):
    account = account_of(approved_with_conditions(world))
    stale = account.version
    open_account(world, account)
    account = account_of(account.request)
    with pytest.raises(StaleRequest):
        change_account_status(
            account, world.security, AccountAction.SUSPEND, reason="Misuse", version=stale
        )
    db.session.rollback()
    assert account_of(account.request).status == AccountStatus.OPEN


def test_conditions_are_confirmed_one_by_one_with_evidence(world):
    account = account_of(approved_with_conditions(world))
    open_account(world, account)
    account = account_of(account.request)
    with pytest.raises(InvalidContent):
        confirm_condition(account, world.officer, number=1, evidence=" ", version=account.version)
    db.session.rollback()
    seq = head_seq()
    confirm_condition(
        account,
        world.colleague,
        number=1,
        evidence="Cabinet in room 4, key with the head of digital",
        version=account.version,
    )
    db.session.commit()
    event = one_event(seq)
    assert event.event_type == EventType.APPROVED_ACCOUNT_CONDITION_CONFIRMED
    assert event.payload["condition"] == 1
    assert event.payload["open_conditions"] == 1
    assert event.comment == "Cabinet in room 4, key with the head of digital"
    account = account_of(account.request)
    assert [c.number for c in account.open_conditions] == [2]
    assert account.condition(1).confirmed_by_id == world.colleague.id
    with pytest.raises(InvalidContent):  # once only
        confirm_condition(account, world.officer, number=1, evidence="x", version=account.version)
    db.session.rollback()


def test_security_reviews_an_open_account(world):
    account = account_of(approved_with_conditions(world, end_date=date(2031, 1, 1)))
    open_account(world, account)
    account = account_of(account.request)
    with pytest.raises(NotPermitted):  # Cabinet Office suspends and revokes, but does not review
        confirm_review(
            account, world.cabinet_office, note="Fine", next_review_on=None, version=account.version
        )
    db.session.rollback()
    later = london_today() + timedelta(days=90)
    confirm_review(
        account, world.security, note="Checked posts", next_review_on=later, version=account.version
    )
    db.session.commit()
    account = account_of(account.request)
    assert account.last_reviewed_on == london_today()
    assert account.review_due_on == later
    with pytest.raises(InvalidContent):
        confirm_review(
            account,
            world.security,
            note="Again",
            next_review_on=london_today(),
            version=account.version,
        )
    db.session.rollback()


def test_suspend_reinstate_revoke_then_the_closure_is_confirmed(world):
    account = account_of(approved_with_conditions(world))
    open_account(world, account)
    steps = [
        (world.security, AccountAction.SUSPEND, AccountStatus.SUSPENDED),
        (world.cabinet_office, AccountAction.REINSTATE, AccountStatus.OPEN),
        (world.cabinet_office_2, AccountAction.REVOKE, AccountStatus.REVOKED),
    ]
    for person, action, status in steps:
        account = account_of(account.request)
        seq = head_seq()
        change_account_status(
            account, person, action, reason=f"{action} because", version=account.version
        )
        db.session.commit()
        event = one_event(seq)
        assert event.comment == f"{action} because"
        assert event.payload["account_status"]["to"] == status
        assert account_of(account.request).status == status
    account = account_of(account.request)
    assert account.review_due_on is None
    with pytest.raises(NotYourDepartment):
        confirm_closure(
            account, world.outsider, how="closed", statement="Gone", version=account.version
        )
    db.session.rollback()
    with pytest.raises(InvalidContent):
        confirm_closure(account, world.officer, how="lost", statement="?", version=account.version)
    db.session.rollback()
    confirm_closure(
        account,
        world.officer,
        how="handed_over",
        statement="To the press office",
        version=account.version,
    )
    db.session.commit()
    account = account_of(account.request)
    assert account.closure_statement == "Handed over: To the press office"
    with pytest.raises(InvalidTransition):  # once only
        confirm_closure(
            account, world.officer, how="closed", statement="x", version=account.version
        )
    db.session.rollback()
    assert verify_database(db.session).ok


@pytest.mark.parametrize(
    ("person", "action"),
    [
        ("no10", AccountAction.SUSPEND),
        ("officer", AccountAction.SUSPEND),
        ("auditor", AccountAction.REVOKE),
        ("security", AccountAction.CLOSE),
    ],
)
def test_who_may_change_the_status(world, person, action):
    account = account_of(approved_with_conditions(world))
    open_account(world, account)
    account = account_of(account.request)
    with pytest.raises(NotPermitted):
        change_account_status(
            account, getattr(world, person), action, reason="Because", version=account.version
        )
    db.session.rollback()


def test_reason_is_required(world):
    account = account_of(approved_with_conditions(world))
    with pytest.raises(InvalidContent):
        change_account_status(
            account, world.security, AccountAction.REVOKE, reason="  ", version=account.version
        )


@pytest.mark.parametrize(
    ("before", "action"),
    [
        (AccountStatus.AWAITING_OPENING, AccountAction.SUSPEND),
        (AccountStatus.AWAITING_OPENING, AccountAction.REINSTATE),
        (AccountStatus.OPEN, AccountAction.REINSTATE),
    ],
)
def test_moves_the_status_does_not_allow_are_refused(world, before, action):
    account = account_of(approved_with_conditions(world))
    if before is AccountStatus.OPEN:
        open_account(world, account)
        account = account_of(account.request)
    with pytest.raises(InvalidTransition):
        change_account_status(
            account, world.security, action, reason="Because", version=account.version
        )


def test_the_department_closes_its_account(world):
    account = account_of(approved_with_conditions(world))
    open_account(world, account)
    account = account_of(account.request)
    change_account_status(
        account,
        world.officer,
        AccountAction.CLOSE,
        reason="The campaign ended",
        version=account.version,
    )
    db.session.commit()
    account = account_of(account.request)
    assert account.status == AccountStatus.CLOSED
    with pytest.raises(InvalidTransition):
        change_account_status(
            account, world.security, AccountAction.REVOKE, reason="x", version=account.version
        )


def test_expiry_happens_once_after_the_end_date(world):
    ends = london_today() - timedelta(days=1)
    account = account_of(
        approved_with_conditions(world, start_date=ends - timedelta(60), end_date=ends)
    )
    assert not expire_account(account, today=ends)  # the end date itself is still permitted
    db.session.rollback()
    seq = head_seq()
    assert expire_account(account_of(account.request), today=london_today())
    db.session.commit()
    event = one_event(seq)
    assert event.event_type == EventType.APPROVED_ACCOUNT_EXPIRED
    assert event.actor_id is None
    assert account_of(account.request).status == AccountStatus.EXPIRED
    assert not expire_account(account_of(account.request), today=london_today())
    db.session.commit()
    assert head_seq() == seq + 1


def test_an_account_per_approved_request(world):
    approved_with_conditions(world)
    approved_with_conditions(world)
    assert db.session.scalar(select(func.count()).select_from(ApprovedAccount)) == 2
