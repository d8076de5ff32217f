"""Repeated wrong passwords lock an account for a growing interval; the messages never
say so, and every failure, lock and unlock is in the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.audit.events import EventType
from app.extensions import db
from app.models import AuditEvent
from app.models.types import utcnow
from app.screens.auth.forms import SIGN_IN_FAILED_MESSAGE
from app.security.lockout import LockoutPolicy
from tests.factories import PASSWORD
from tests.web.client import sign_in

pytestmark = pytest.mark.asvs("2.2.1")


def event_types() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.event_type).order_by(AuditEvent.seq)))


def fail(client, user, times: int) -> None:
    for _ in range(times):
        response = sign_in(client, user, "wrong-password-guess")
        assert SIGN_IN_FAILED_MESSAGE in response.get_data(as_text=True)


def test_four_wrong_passwords_do_not_lock_and_a_success_starts_the_count_again(client, world):
    fail(client, world.officer, 4)
    assert sign_in(client, world.officer, PASSWORD).status_code == 302  # 4 do not lock
    db.session.refresh(world.officer)
    assert world.officer.failed_sign_ins == 0  # success starts the count again


def test_the_lock_hides_itself_and_is_audited(app, client, world):
    with time_machine.travel(utcnow(), tick=False):
        fail(client, world.officer, 5)
        response = sign_in(client, world.officer, PASSWORD)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert SIGN_IN_FAILED_MESSAGE in html and "locked" not in html.lower()
    assert event_types()[-3:] == ["sign_in_failed", "account_locked", "sign_in_failed"]
    locked = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.event_type == EventType.ACCOUNT_LOCKED)
        .order_by(AuditEvent.seq)
    )
    assert locked.payload == {
        "user_id": world.officer.id,
        "email": world.officer.email,
        "minutes": 5,
        "lockouts": 1,
    }
    refused = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.event_type == EventType.SIGN_IN_FAILED)
        .order_by(AuditEvent.seq)
    ).all()
    assert refused[-1].payload["reason"] == "locked"


def test_the_lock_expires_and_each_further_lock_lasts_twice_as_long(client, world):
    with time_machine.travel(utcnow(), tick=False) as clock:
        fail(client, world.officer, 5)
        clock.shift(timedelta(minutes=4, seconds=59))
        assert sign_in(client, world.officer, PASSWORD).status_code == 200  # still locked
        clock.shift(timedelta(seconds=2))
        fail(client, world.officer, 5)  # the lock ran out; five more lock it again...
        clock.shift(timedelta(minutes=9))
        assert sign_in(client, world.officer, PASSWORD).status_code == 200  # ...for 10 minutes
        clock.shift(timedelta(minutes=1, seconds=1))
        assert sign_in(client, world.officer, PASSWORD).status_code == 302

    locks = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.event_type == EventType.ACCOUNT_LOCKED)
        .order_by(AuditEvent.seq)
    ).all()
    assert [event.payload["minutes"] for event in locks] == [5, 10]
    unlocks = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == EventType.ACCOUNT_UNLOCKED)
    ).all()
    assert len(unlocks) == 2


def test_unknown_addresses_cost_the_same_and_lock_nothing(client, world):
    for _ in range(6):
        sign_in(client, "nobody@example.gov.uk", "wrong-password-guess")
    assert EventType.ACCOUNT_LOCKED not in event_types()


def test_the_lock_length_doubles_up_to_a_ceiling():
    policy = LockoutPolicy(base=timedelta(minutes=5), ceiling=timedelta(hours=24))
    assert [policy.duration(n) for n in (1, 2, 3)] == [
        timedelta(minutes=5),
        timedelta(minutes=10),
        timedelta(minutes=20),
    ]
    assert policy.duration(30) == timedelta(hours=24)
