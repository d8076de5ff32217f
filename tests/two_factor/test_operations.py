"""The second factor's operations (app.operations.two_factor), without HTTP: setting it
up, codes and recovery codes at sign-in, lockout, an admin's reset, turning it off."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from app.audit.events import EventType
from app.audit.verify import verify_database
from app.extensions import db
from app.models import RecoveryCode, UserSession
from app.models.types import utcnow
from app.operations.two_factor import (
    check_code,
    confirm_enrolment,
    recovery_codes_left,
    reset_second_factor,
    start_enrolment,
    turn_off_second_factor,
    use_recovery_code,
)
from app.rules.roles import Role
from app.rules.workflow import NotPermitted
from app.security.lockout import LockoutPolicy
from app.security.two_factor import time_step
from app.security.user_sessions import EndReason, open_session
from tests import factories
from tests.audit_trail import events

POLICY = LockoutPolicy(threshold=5)


def code(user) -> str:
    return pyotp.TOTP(user.totp_secret).now()


@pytest.fixture
def newcomer(world):
    """An approver who has not set up a second factor yet."""
    user = factories.make_user(Role.APPROVER, stages=("security",), second_factor=False)
    db.session.commit()
    return user


@pytest.fixture
def enrolled(newcomer):
    """`newcomer` with a second factor, and the recovery codes they were shown."""
    start_enrolment(newcomer)
    codes = confirm_enrolment(newcomer, code(newcomer))
    assert codes is not None
    # Forget the step just used, so a test's first code is not refused as a replay.
    newcomer.totp_last_counter = None
    db.session.commit()
    return newcomer, codes


def test_enrolment_keeps_one_secret_until_it_is_confirmed(newcomer):
    secret = start_enrolment(newcomer)
    assert start_enrolment(newcomer) == secret
    assert newcomer.totp_secret == secret
    assert not newcomer.has_second_factor  # a secret nobody has proved does not count


def test_a_wrong_first_code_changes_nothing(newcomer):
    start_enrolment(newcomer)
    assert confirm_enrolment(newcomer, "000000" if code(newcomer) != "000000" else "111111") is None
    assert not newcomer.has_second_factor
    assert db.session.scalars(select(RecoveryCode)).all() == []
    assert events(EventType.TWO_FACTOR_ENROLLED) == []


@pytest.mark.asvs("2.6.2")
def test_a_first_good_code_turns_it_on_with_ten_hashed_recovery_codes(newcomer):
    start_enrolment(newcomer)
    with time_machine.travel(utcnow(), tick=False):
        codes = confirm_enrolment(newcomer, code(newcomer))
        assert newcomer.totp_last_counter == time_step(utcnow())
    db.session.commit()
    assert codes is not None and len(codes) == 10
    assert newcomer.has_second_factor
    stored = db.session.scalars(select(RecoveryCode)).all()
    assert len(stored) == 10 and {row.user_id for row in stored} == {newcomer.id}
    for row in stored:
        assert row.code_hash.startswith("$argon2id$")
        assert not any(c.replace("-", "") in row.code_hash for c in codes)
    [event] = events(EventType.TWO_FACTOR_ENROLLED)
    assert event.actor_id == newcomer.id
    assert event.payload == {"user_id": newcomer.id, "recovery_codes": 10}
    assert not any(c in str(event.payload) for c in codes)
    assert verify_database(db.session).ok


def test_enrolling_twice_is_refused(enrolled):
    user, _codes = enrolled
    with pytest.raises(NotPermitted):
        start_enrolment(user)
    with pytest.raises(NotPermitted):
        confirm_enrolment(user, code(user))


@pytest.mark.asvs("2.8.1")
def test_the_apps_current_code_passes(enrolled):
    user, _codes = enrolled
    assert check_code(user, code(user), policy=POLICY)
    assert events(EventType.TWO_FACTOR_FAILED) == []


@pytest.mark.asvs("2.8.4")
def test_a_code_used_once_is_refused_and_audited(enrolled):
    user, _codes = enrolled
    with time_machine.travel(utcnow(), tick=False) as clock:
        used = code(user)
        assert check_code(user, used, policy=POLICY)
        clock.shift(timedelta(seconds=10))  # still the same step, well inside its window
        assert not check_code(user, used, policy=POLICY)
    db.session.commit()
    [event] = events(EventType.TWO_FACTOR_FAILED)
    assert event.payload == {
        "user_id": user.id,
        "email": user.email,
        "method": "totp",
        "reason": "wrong_code",
    }
    assert event.actor_id is None
    assert used not in str(event.payload)


@pytest.mark.asvs("2.2.1")
def test_wrong_codes_count_towards_lockout_and_a_locked_account_refuses_the_right_code(
    enrolled,
):
    user, codes = enrolled
    good = code(user)
    wrong = "000000" if good != "000000" else "111111"
    for _ in range(4):
        assert not check_code(user, wrong, policy=POLICY)
    assert user.failed_sign_ins == 4 and user.locked_until is None
    assert not use_recovery_code(user, "zzzzz-zzzzz", policy=POLICY)  # the fifth failure
    db.session.commit()
    assert user.locked_until is not None
    [locked] = events(EventType.ACCOUNT_LOCKED)
    assert locked.payload["user_id"] == user.id

    assert not check_code(user, good, policy=POLICY)
    assert not use_recovery_code(user, codes[0], policy=POLICY)
    assert user.lockouts == 1  # refusing a locked account does not lock it again
    assert [e.payload["reason"] for e in events(EventType.TWO_FACTOR_FAILED)][-2:] == [
        "locked",
        "locked",
    ]
    assert recovery_codes_left(user) == 10  # the right recovery code was not spent


@pytest.mark.asvs("2.2.1")
def test_after_the_lock_runs_out_the_right_code_passes(enrolled):
    user, _codes = enrolled
    for _ in range(5):
        check_code(user, "abcdef", policy=POLICY)
    db.session.commit()
    with time_machine.travel(utcnow() + POLICY.base + timedelta(seconds=1), tick=False):
        assert check_code(user, code(user), policy=POLICY)
    assert [e.payload["reason"] for e in events(EventType.ACCOUNT_UNLOCKED)] == ["expired"]


@pytest.mark.asvs("2.6.1")
def test_a_recovery_code_works_once(enrolled):
    user, codes = enrolled
    assert use_recovery_code(user, codes[0].upper(), policy=POLICY)
    db.session.commit()
    assert recovery_codes_left(user) == 9
    [used] = events(EventType.RECOVERY_CODE_USED)
    assert used.actor_id == user.id
    assert used.payload == {"user_id": user.id, "remaining": 9}

    assert not use_recovery_code(user, codes[0], policy=POLICY)
    [refused] = events(EventType.TWO_FACTOR_FAILED)
    assert refused.payload["method"] == "recovery_code"
    assert use_recovery_code(user, codes[1], policy=POLICY)
    assert recovery_codes_left(user) == 8


def test_another_persons_recovery_code_is_refused(enrolled, world):
    _user, codes = enrolled
    other = factories.make_user(Role.APPROVER, stages=("no10",), second_factor=False)
    start_enrolment(other)
    assert confirm_enrolment(other, code(other)) is not None
    assert not use_recovery_code(other, codes[0], policy=POLICY)


def test_an_admin_reset_removes_the_factor_and_codes_and_ends_every_session(enrolled, world):
    user, _codes = enrolled
    open_session(user)
    open_session(user)
    assert reset_second_factor(user, world.admin)
    db.session.commit()
    assert (user.totp_secret, user.totp_confirmed_at, user.totp_last_counter) == (None,) * 3
    assert recovery_codes_left(user) == 0
    sessions = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id))
    assert {(s.ended_at is not None, s.end_reason) for s in sessions} == {
        (True, str(EndReason.SECOND_FACTOR_RESET))
    }
    [event] = events(EventType.TWO_FACTOR_RESET)
    assert event.actor_id == world.admin.id
    assert event.payload == {"user_id": user.id, "email": user.email, "sessions_ended": 2}
    assert verify_database(db.session).ok


@pytest.mark.asvs("4.1.3")
def test_an_admin_cannot_reset_their_own(world):
    with pytest.raises(NotPermitted):
        reset_second_factor(world.admin, world.admin)
    assert world.admin.has_second_factor
    assert events(EventType.TWO_FACTOR_RESET) == []


def test_resetting_someone_without_a_second_factor_does_nothing(world):
    assert not reset_second_factor(world.officer, world.admin)
    assert events(EventType.TWO_FACTOR_RESET) == []


def test_an_officer_turns_theirs_off_with_a_current_code(world):
    officer = world.officer
    start_enrolment(officer)
    confirm_enrolment(officer, code(officer))
    officer.totp_last_counter = None
    assert not turn_off_second_factor(officer, "abcdef", policy=POLICY)
    assert officer.has_second_factor
    assert turn_off_second_factor(officer, code(officer), policy=POLICY)
    db.session.commit()
    assert not officer.has_second_factor and officer.totp_secret is None
    assert recovery_codes_left(officer) == 0
    [event] = events(EventType.TWO_FACTOR_TURNED_OFF)
    assert event.actor_id == officer.id


@pytest.mark.parametrize("who", ["security", "auditor", "admin"])
def test_people_whose_roles_need_it_cannot_turn_it_off(world, who):
    user = getattr(world, who)
    with pytest.raises(NotPermitted):
        turn_off_second_factor(user, code(user), policy=POLICY)
    assert user.has_second_factor
