"""Setting a password through a one-time link, as an operation (app.operations.set_password)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.events import EventType
from app.extensions import db
from app.models import UserSession
from app.models.types import utcnow
from app.operations.set_password import SAME_AS_OLD, set_password
from app.rules.roles import Role
from app.rules.workflow import InvalidContent
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


def test_a_first_password_is_set_and_recorded(user):
    user.password_hash = None
    db.session.commit()

    set_password(user, new_password=NEW, confirmation=NEW)
    db.session.commit()

    assert verify_password(user.password_hash, NEW)
    assert user.password_changed_at is not None
    [event] = events(EventType.PASSWORD_SET)
    assert event.actor_id == user.id
    assert event.payload == {"user_id": user.id, "first_password": True, "sessions_ended": 0}


@pytest.mark.asvs("3.3.3")
def test_a_reset_ends_every_session(user):
    for _ in range(2):
        open_session(user)
    db.session.commit()

    assert set_password(user, new_password=NEW, confirmation=NEW) == 2
    db.session.commit()

    assert db.session.scalars(select(UserSession).where(UserSession.ended_at.is_(None))).all() == []
    [event] = events(EventType.PASSWORD_SET)
    assert event.payload["first_password"] is False
    assert event.payload["sessions_ended"] == 2


def test_a_reset_unlocks_a_locked_account_and_says_so(user):
    user.failed_sign_ins, user.lockouts = 3, 2
    user.locked_until = utcnow() + timedelta(minutes=10)
    db.session.commit()

    set_password(user, new_password=NEW, confirmation=NEW)
    db.session.commit()

    assert (user.failed_sign_ins, user.lockouts, user.locked_until) == (0, 0, None)
    [event] = events(EventType.ACCOUNT_UNLOCKED)
    assert event.payload == {"user_id": user.id, "email": user.email, "reason": "password_set"}


@pytest.mark.parametrize(
    ("new", "confirmation", "errors"),
    [
        ("short", "short", {"new_password": TOO_SHORT}),
        (NEW, "something else", {"confirm_password": MISMATCH}),
        (factories.PASSWORD, factories.PASSWORD, {"new_password": SAME_AS_OLD}),
    ],
    ids=["too-short", "mismatch", "same-as-old"],
)
def test_a_refused_password_changes_nothing(user, new, confirmation, errors):
    before = user.password_hash
    with pytest.raises(InvalidContent) as refused:
        set_password(user, new_password=new, confirmation=confirmation)
    assert refused.value.errors == errors
    assert user.password_hash == before
    assert events(EventType.PASSWORD_SET) == []
