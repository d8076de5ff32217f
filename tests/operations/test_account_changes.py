"""Changes to an approved account: asked for by its officers, decided stage by stage by
the platform's change pipeline, applied by the last approval; history kept."""

from __future__ import annotations

import pytest

from app.audit.events import EventType
from app.extensions import db
from app.operations.account_changes import decide_account_change, file_account_change
from app.operations.account_lifecycle import change_account_status
from app.rules.accounts import AccountAction, ChangeStatus
from app.rules.roles import Role
from app.rules.workflow import (
    InvalidContent,
    InvalidTransition,
    NotYourDepartment,
    NotYourStage,
    Outcome,
    SecondStage,
    StaleRequest,
)
from tests.accounts.support import account_of, approved_with_conditions, opened
from tests.factories import make_user
from tests.operations.support import head_seq, one_event


def an_open_account(world):
    return opened(approved_with_conditions(world), world.officer)


def ask(world, account, person=None, **changes):
    values = {
        "handle": account.handle,
        "owner": account.owner,
        "purpose": account.purpose,
        "reason": "The team was renamed",
        "version": account.version,
    }
    values.update(changes)
    change = file_account_change(account, person or world.officer, **values)
    db.session.commit()
    return change


def test_a_change_waits_for_security_then_applies(world):
    account = an_open_account(world)
    seq = head_seq()
    change = ask(world, account, world.colleague, handle="@dsit_new", owner="Colin Colleague")
    event = one_event(seq)
    assert event.event_type == EventType.APPROVED_ACCOUNT_CHANGE_REQUESTED
    assert event.stage == "security"
    assert event.payload["before"] == {"handle": "@dsit_live", "owner": "Olive Officer"}
    assert event.payload["after"] == {"handle": "@dsit_new", "owner": "Colin Colleague"}
    assert change.pipeline == ["security"] and change.current_stage == "security"
    assert account_of(account.request).handle == "@dsit_live"  # not until approved
    decide_account_change(
        change, world.security, stage="security", version=change.version, outcome=Outcome.APPROVE
    )
    db.session.commit()
    account = account_of(account.request)
    assert account.handle == "@dsit_new" and account.owner == "Colin Colleague"
    assert account.change(1).status == ChangeStatus.APPROVED


def test_the_platforms_change_pipeline_decides_in_order(world):
    world.platform.change_pipeline = ["security", "cabinet_office"]
    both = make_user(Role.APPROVER, stages=("security", "cabinet_office"), name="Bo Both")
    db.session.commit()
    account = an_open_account(world)
    change = ask(world, account, purpose="Reach more people")
    decide_account_change(
        change, both, stage="security", version=change.version, outcome=Outcome.APPROVE
    )
    db.session.commit()
    assert change.current_stage == "cabinet_office"
    assert account_of(account.request).purpose != "Reach more people"
    with pytest.raises(SecondStage):  # nobody signs two stages of one change
        decide_account_change(
            change, both, stage="cabinet_office", version=change.version, outcome=Outcome.APPROVE
        )
    db.session.rollback()
    decide_account_change(
        change,
        world.cabinet_office,
        stage="cabinet_office",
        version=change.version,
        outcome=Outcome.APPROVE,
    )
    db.session.commit()
    assert account_of(account.request).purpose == "Reach more people"


def test_a_rejection_ends_it_with_a_reason_and_changes_nothing(world):
    account = an_open_account(world)
    change = ask(world, account, handle="@other")
    with pytest.raises(InvalidContent):
        decide_account_change(
            change, world.security, stage="security", version=change.version, outcome=Outcome.REJECT
        )
    db.session.rollback()
    decide_account_change(
        change,
        world.security,
        stage="security",
        version=change.version,
        outcome=Outcome.REJECT,
        reason="That handle misleads",
    )
    db.session.commit()
    account = account_of(account.request)
    assert account.handle == "@dsit_live"
    assert account.change(1).status == ChangeStatus.REJECTED


def test_who_may_ask_and_decide(world):
    account = an_open_account(world)
    with pytest.raises(NotYourDepartment):
        ask(world, account, world.outsider, handle="@x")
    db.session.rollback()
    account = account_of(account.request)
    change = ask(world, account, handle="@x")
    for person in (world.no10, world.cabinet_office, world.officer):
        with pytest.raises(NotYourStage):
            decide_account_change(
                change, person, stage="security", version=change.version, outcome=Outcome.APPROVE
            )
        db.session.rollback()


def test_refused_changes(world):
    account = an_open_account(world)
    with pytest.raises(InvalidContent):  # nothing changes
        ask(world, account)
    db.session.rollback()
    with pytest.raises(InvalidContent):
        ask(world, account_of(account.request), handle="  ")
    db.session.rollback()
    change = ask(world, account_of(account.request), handle="@x")
    with pytest.raises(InvalidTransition):  # one at a time
        ask(world, account_of(account.request), handle="@y")
    db.session.rollback()
    with pytest.raises(StaleRequest):
        decide_account_change(
            change,
            world.security,
            stage="security",
            version=change.version - 1,
            outcome=Outcome.APPROVE,
        )
    db.session.rollback()


def test_a_revoked_account_cannot_be_changed(world):
    account = an_open_account(world)
    change_account_status(
        account, world.security, AccountAction.REVOKE, reason="Done", version=account.version
    )
    db.session.commit()
    with pytest.raises(InvalidTransition):
        ask(world, account_of(account.request), handle="@x")
