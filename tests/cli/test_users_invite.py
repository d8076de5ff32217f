"""`flask users create --invite` and `flask users invite`: one-time set-password links
printed for an administrator to send, and the password policy on `users create`."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.rules.roles import Role
from app.security.password_links import link_lifetime, user_for_token
from app.security.password_policy import TOO_LONG
from tests import factories
from tests.cli.conftest import count, events_of

pytestmark = pytest.mark.usefixtures("reference")

LINK = re.compile(r"^(http\S+/set-password/(\S+))$", re.M)
EMAIL = "new.officer@example.gov.uk"


def invite_new(run, *options: str, email: str = EMAIL):
    return run(
        "users",
        "create",
        "--email",
        email,
        "--name",
        "Nell Officer",
        "--role",
        "officer",
        "--department",
        "DSIT",
        "--invite",
        *options,
    )


def printed_link(output: str) -> tuple[str, str]:
    match = LINK.search(output)
    assert match, output
    return match.group(1), match.group(2)


def user_with(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def lifetime(app):
    return link_lifetime(app.config)


@pytest.mark.asvs("2.3.1")
def test_create_with_invite_makes_a_user_without_a_password_and_prints_a_link(app, run):
    result = invite_new(run)

    assert result.exit_code == 0, result.output
    assert f"Created {EMAIL}" in result.output
    assert "It works once, for 72 hours" in result.output
    link, token = printed_link(result.output)
    assert link.startswith("http://127.0.0.1:5000/set-password/")
    user = user_with(EMAIL)
    assert user is not None and user.password_hash is None
    assert user_for_token(token, lifetime(app)) == user


def test_create_with_invite_reads_no_password(run):
    result = run(
        "users",
        "create",
        "--email",
        EMAIL,
        "--name",
        "Nell Officer",
        "--role",
        "officer",
        "--department",
        "DSIT",
        "--invite",
        input="this line is not read as a password\n",
    )
    assert result.exit_code == 0, result.output
    user = user_with(EMAIL)
    assert user is not None and user.password_hash is None


def test_the_link_is_under_permit_base_url(app, run):
    app.config["PERMIT_BASE_URL"] = "https://permit.example.gov.uk/"
    try:
        result = invite_new(run)
    finally:
        app.config["PERMIT_BASE_URL"] = "http://127.0.0.1:5000"
    link, _ = printed_link(result.output)
    assert link.startswith("https://permit.example.gov.uk/set-password/")


def test_issuing_a_link_is_audited_without_the_link(run):
    result = invite_new(run)
    _, token = printed_link(result.output)

    [created] = events_of("user_created")
    [issued] = events_of("password_link_issued")
    assert issued.seq == created.seq + 1
    assert issued.actor_id is None  # the command line
    user = user_with(EMAIL)
    assert user is not None
    assert issued.payload == {
        "user_id": user.id,
        "email": EMAIL,
        "reason": "new_account",
        "valid_hours": 72,
    }
    assert token not in repr(issued.payload) and token not in (issued.comment or "")


def test_an_invite_that_fails_creates_nothing_and_issues_nothing(run):
    result = run(
        "users", "create", "--email", EMAIL, "--name", "Nell", "--role", "officer", "--invite"
    )
    assert result.exit_code != 0
    assert "An officer needs a department" in result.output
    assert count(User) == 0
    assert events_of("password_link_issued") == []


@pytest.mark.asvs("2.3.1")
def test_invite_prints_a_fresh_reset_link_for_an_existing_user(app, run):
    user = factories.make_user(Role.OFFICER, email="olive@example.gov.uk")
    db.session.commit()

    result = run("users", "invite", "Olive@Example.gov.uk")

    assert result.exit_code == 0, result.output
    assert "Send olive@example.gov.uk this link" in result.output
    _, token = printed_link(result.output)
    assert user_for_token(token, lifetime(app)) is not None
    [issued] = events_of("password_link_issued")
    assert issued.payload["reason"] == "reset"
    assert issued.payload["user_id"] == user.id


def test_invite_refuses_an_unknown_or_deactivated_user(run):
    factories.make_user(Role.OFFICER, email="leaver@example.gov.uk", active=False)
    db.session.commit()

    unknown = run("users", "invite", "nobody@example.gov.uk")
    leaver = run("users", "invite", "leaver@example.gov.uk")

    assert unknown.exit_code != 0 and "No user with email nobody@example.gov.uk" in unknown.output
    assert leaver.exit_code != 0 and "deactivated" in leaver.output
    assert "set-password" not in unknown.output + leaver.output
    assert events_of("password_link_issued") == []


@pytest.mark.asvs("2.1.1", "2.1.2", "2.1.7")
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Password1234", "Password is too easy to guess"),
        ("nell officer 2026", "must not include your name or email address"),
        ("x" * 129, TOO_LONG),
    ],
    ids=["common", "own-name", "too-long"],
)
def test_a_password_on_standard_input_goes_through_the_policy(run, password, message):
    result = run(
        "users",
        "create",
        "--email",
        EMAIL,
        "--name",
        "Nell Officer",
        "--role",
        "officer",
        "--department",
        "DSIT",
        input=f"{password}\n",
    )
    assert result.exit_code != 0
    assert message in result.output
    assert password not in result.output
    assert count(User) == 0
