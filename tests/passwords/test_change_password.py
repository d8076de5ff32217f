"""Changing one's own password, as an operation (app.operations.change_password)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.chain import Client
from app.audit.events import EventType
from app.extensions import db
from app.models import UserSession
from app.operations.change_password import (
    LOCKED,
    SAME_AS_CURRENT,
    WRONG_CURRENT,
    change_password,
)
from app.rules.roles import Role
from app.rules.workflow import InvalidContent
from app.security.lockout import LockoutPolicy
from app.security.password_policy import MISMATCH, TOO_SHORT
from app.security.passwords import verify_password
from app.security.user_sessions import open_session
from tests import factories
from tests.audit_trail import events

NEW = "violet harbour quietly"


@pytest.fixture
def user(app):
    person = factories.make_user(Role.OFFICER, department=factories.make_department())
    db.session.commit()
    return person


def change(user, *, current=factories.PASSWORD, new=NEW, confirmation=None, **options):
    return change_password(
        user,
        current_password=current,
        new_password=new,
        confirmation=new if confirmation is None else confirmation,
        keep=options.pop("keep", None),
        **options,
    )


@pytest.mark.asvs("2.1.5", "2.1.6", "3.3.3")
def test_a_change_sets_the_password_and_ends_every_other_session(user):
    here, _ = open_session(user)
    elsewhere, _ = open_session(user)
    db.session.commit()

    ended = change(user, keep=here, client=Client("192.0.2.7", "c0ffee"))
    db.session.commit()

    assert ended == 1
    assert verify_password(user.password_hash, NEW)
    assert not verify_password(user.password_hash, factories.PASSWORD)
    assert user.password_changed_at is not None
    db.session.refresh(here)
    db.session.refresh(elsewhere)
    assert here.ended_at is None
    assert elsewhere.ended_at is not None and elsewhere.end_reason == "password_changed"
    [event] = events(EventType.PASSWORD_CHANGED)
    assert event.actor_id == user.id
    assert event.payload == {"user_id": user.id, "sessions_ended": 1}
    assert event.client_address == "192.0.2.7" and event.correlation_id == "c0ffee"
    assert NEW not in repr(event.payload) and factories.PASSWORD not in repr(event.payload)


@pytest.mark.asvs("2.1.6")
def test_a_wrong_current_password_changes_nothing_and_counts_towards_lockout(user):
    before = user.password_hash
    with pytest.raises(InvalidContent) as refused:
        change(user, current="not-my-password")
    db.session.commit()  # as the view does: the count is kept

    assert refused.value.errors == {"current_password": WRONG_CURRENT}
    assert user.password_hash == before
    assert user.failed_sign_ins == 1
    assert events(EventType.PASSWORD_CHANGED) == []


@pytest.mark.asvs("2.2.1")
def test_wrong_current_passwords_lock_the_account_and_then_even_the_right_one_is_refused(user):
    policy = LockoutPolicy(threshold=3)
    for _ in range(3):
        with pytest.raises(InvalidContent):
            change(user, current="not-my-password", lockout=policy)
        db.session.commit()
    assert user.locked_until is not None
    assert len(events(EventType.ACCOUNT_LOCKED)) == 1

    with pytest.raises(InvalidContent) as refused:
        change(user, lockout=policy)
    assert refused.value.errors == {"current_password": LOCKED}
    assert verify_password(user.password_hash, factories.PASSWORD)


@pytest.mark.parametrize(
    ("new", "confirmation", "errors"),
    [
        ("short", "short", {"new_password": TOO_SHORT}),
        (NEW, NEW + "!", {"confirm_password": MISMATCH}),
        (factories.PASSWORD, factories.PASSWORD, {"new_password": SAME_AS_CURRENT}),
    ],
    ids=["too-short", "mismatch", "same-as-current"],
)
def test_a_refused_new_password_changes_nothing(user, new, confirmation, errors):
    before = user.password_hash
    with pytest.raises(InvalidContent) as refused:
        change(user, new=new, confirmation=confirmation)
    assert refused.value.errors == errors
    assert user.password_hash == before
    assert user.failed_sign_ins == 0
    assert events(EventType.PASSWORD_CHANGED) == []


def test_a_right_current_password_clears_earlier_failures(user):
    with pytest.raises(InvalidContent):
        change(user, current="not-my-password")
    change(user)
    assert user.failed_sign_ins == 0


def test_the_kept_session_is_the_only_one_left_open(user):
    sessions = [open_session(user)[0] for _ in range(3)]
    change(user, keep=sessions[1])
    db.session.commit()
    still_open = db.session.scalars(
        select(UserSession.id).where(UserSession.ended_at.is_(None))
    ).all()
    assert still_open == [sessions[1].id]
