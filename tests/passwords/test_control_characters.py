"""No control characters in a new password (app.rules.text): a tab, a line break, NUL, an
escape, DEL or a C1 character is refused with one clear message, by the policy and so by
every operation that sets a password, and nothing changes. Sign-in is not affected: it
verifies whatever password was set."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.operations.change_password import change_password
from app.operations.set_password import set_password
from app.rules.roles import Role
from app.rules.workflow import InvalidContent
from app.security.password_policy import CONTROL_CHARACTERS, password_problems
from app.security.passwords import verify_password
from tests import factories
from tests.audit_trail import events

pytestmark = pytest.mark.asvs("5.1.3")

GOOD = "violet harbour quietly"
#: Each kind of control character, inside a password that would otherwise do.
WITH_CONTROLS = {
    "tab": "violet\tharbour quietly",
    "line feed": "violet harbour quietly\n",
    "carriage return": "violet\rharbour quietly",
    "NUL": "violet harbour\x00quietly",
    "escape": "violet \x1b[31mharbour quietly",
    "DEL": "violet harbour quietly\x7f",
    "C1 next line": "violet harbour\x85quietly",
}


def test_the_message_says_what_is_wrong():
    assert CONTROL_CHARACTERS == (
        "Password must not contain control characters such as tabs or line breaks"
    )


@pytest.mark.parametrize("password", WITH_CONTROLS.values(), ids=WITH_CONTROLS.keys())
def test_the_policy_refuses_a_control_character(password):
    assert password_problems(password) == [CONTROL_CHARACTERS]
    assert password_problems("\t" * 200) == [CONTROL_CHARACTERS]  # before any length check


@pytest.mark.parametrize("password", ["violet harbour quietly", "violet  harbour  ünïcödé 🦊"])
def test_spaces_and_printable_unicode_are_still_allowed(password):
    assert password_problems(password) == []


@pytest.fixture
def user(app):
    person = factories.make_user(Role.OFFICER, department=factories.make_department())
    db.session.commit()
    return person


@pytest.mark.parametrize("password", WITH_CONTROLS.values(), ids=WITH_CONTROLS.keys())
def test_setting_or_changing_a_password_with_one_changes_nothing(user, password):
    with pytest.raises(InvalidContent) as refused:
        set_password(user, new_password=password, confirmation=password)
    assert refused.value.errors == {"new_password": CONTROL_CHARACTERS}
    with pytest.raises(InvalidContent) as refused:
        change_password(
            user,
            current_password=factories.PASSWORD,
            new_password=password,
            confirmation=password,
            keep=None,
        )
    assert refused.value.errors == {"new_password": CONTROL_CHARACTERS}
    db.session.rollback()
    db.session.refresh(user)
    assert verify_password(user.password_hash, factories.PASSWORD)
    assert user.password_changed_at is None
    assert events("password_set") == [] and events("password_changed") == []
