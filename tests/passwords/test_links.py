"""One-time set-password links (app.security.password_links): they name one person, work once,
die with any later password change, after SET_PASSWORD_LINK_HOURS, and for a
deactivated person; a changed or forged token names no one."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from app.extensions import db
from app.models.types import utcnow
from app.operations.change_password import change_password
from app.operations.set_password import set_password
from app.rules.roles import Role
from app.security.password_links import (
    link_lifetime,
    make_link_token,
    set_password_url,
    user_for_token,
)
from tests import factories

pytestmark = pytest.mark.asvs("2.3.1")

NEW = "violet harbour quietly"
HOURS = timedelta(hours=72)


@pytest.fixture
def invited(app):
    """A new officer with no password yet, committed."""
    user = factories.make_user(Role.OFFICER, department=factories.make_department())
    user.password_hash = None
    db.session.commit()
    return user


def test_a_link_names_its_person(invited):
    assert user_for_token(make_link_token(invited), HOURS) == invited


def test_a_link_works_once(invited):
    token = make_link_token(invited)
    set_password(invited, new_password=NEW, confirmation=NEW)
    db.session.commit()
    assert user_for_token(token, HOURS) is None


def test_a_reset_link_dies_when_the_person_changes_their_password_another_way(app):
    user = factories.make_user(Role.OFFICER, department=factories.make_department())
    db.session.commit()
    token = make_link_token(user)
    change_password(
        user,
        current_password=factories.PASSWORD,
        new_password=NEW,
        confirmation=NEW,
        keep=None,
    )
    db.session.commit()
    assert user_for_token(token, HOURS) is None


def test_two_links_for_one_person_both_die_when_either_is_used(invited):
    first, second = make_link_token(invited), make_link_token(invited)
    set_password(invited, new_password=NEW, confirmation=NEW)
    db.session.commit()
    assert user_for_token(first, HOURS) is None
    assert user_for_token(second, HOURS) is None


def test_a_link_expires_after_the_configured_hours(app, invited):
    assert link_lifetime(app.config) == timedelta(hours=72)
    with time_machine.travel(utcnow(), tick=False) as clock:
        token = make_link_token(invited)
        clock.shift(timedelta(hours=71, minutes=59))
        assert user_for_token(token, link_lifetime(app.config)) == invited
        clock.shift(timedelta(minutes=2))
        assert user_for_token(token, link_lifetime(app.config)) is None


def test_a_link_does_not_work_for_a_deactivated_person(invited):
    token = make_link_token(invited)
    invited.active = False
    db.session.commit()
    assert user_for_token(token, HOURS) is None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: token.replace(".", "x", 1),
        lambda token: "",
        lambda token: "not-a-token",
    ],
    ids=["signature", "payload", "empty", "garbage"],
)
def test_a_changed_token_names_no_one(invited, tamper):
    assert user_for_token(tamper(make_link_token(invited)), HOURS) is None


def test_a_token_signed_with_another_key_names_no_one(app, invited):
    token = make_link_token(invited)
    app.config["SECRET_KEY"], saved = "another-secret-key-entirely", app.config["SECRET_KEY"]
    try:
        assert user_for_token(token, HOURS) is None
        assert user_for_token(make_link_token(invited), HOURS) == invited
    finally:
        app.config["SECRET_KEY"] = saved
    assert user_for_token(token, HOURS) == invited


def test_the_link_is_under_the_configured_base_url(app, invited):
    token = make_link_token(invited)
    saved = app.config["PERMIT_BASE_URL"]
    try:
        app.config["PERMIT_BASE_URL"] = "https://permit.example.gov.uk"
        assert set_password_url(token) == f"https://permit.example.gov.uk/set-password/{token}"
        app.config["PERMIT_BASE_URL"] = "https://tools.example.gov.uk/permit/"
        assert (
            set_password_url(token) == f"https://tools.example.gov.uk/permit/set-password/{token}"
        )
    finally:
        app.config["PERMIT_BASE_URL"] = saved
