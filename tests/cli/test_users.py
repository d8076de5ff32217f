"""`flask users create` and `flask users deactivate`."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.rules.roles import Role
from app.security.passwords import verify_password
from tests import factories
from tests.cli.conftest import count, events_of

PASSWORD = "correct-horse-battery"

pytestmark = pytest.mark.usefixtures("reference")


def create(run, *options: str, email: str = "new.officer@example.gov.uk", password=PASSWORD):
    return run("users", "create", "--email", email, *options, input=f"{password}\n")


def officer(run, **kwargs):
    return create(
        run, "--name", "Nell Officer", "--role", "officer", "--department", "DSIT", **kwargs
    )


def user_with(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def test_create_makes_an_active_officer_with_a_hashed_password(run):
    result = officer(run)

    assert result.exit_code == 0, result.output
    assert "Created new.officer@example.gov.uk" in result.output
    user = user_with("new.officer@example.gov.uk")
    assert user is not None
    assert user.active
    assert user.display_name == "Nell Officer"
    assert user.roles == {Role.OFFICER}
    assert user.department is not None and user.department.code == "DSIT"
    assert PASSWORD not in (user.password_hash or "")
    assert verify_password(user.password_hash, PASSWORD)
    assert not verify_password(user.password_hash, PASSWORD + "x")


def test_create_writes_a_user_created_event(run):
    officer(run)

    (event,) = events_of("user_created")
    user = user_with("new.officer@example.gov.uk")
    assert user is not None
    assert event.actor_id is None  # the command line, not a signed-in person
    assert event.payload["user_id"] == user.id
    assert event.payload["email"] == "new.officer@example.gov.uk"
    assert event.payload["roles"] == ["officer"]
    assert event.payload["department"] == "DSIT"
    assert PASSWORD not in str(event.payload)


def test_create_stores_the_email_lower_cased(run):
    result = officer(run, email="Nell.Officer@DSIT.Example.GOV.UK")

    assert result.exit_code == 0, result.output
    assert user_with("nell.officer@dsit.example.gov.uk") is not None


def test_create_makes_an_approver_for_the_stages_given(run):
    result = create(
        run, "--name", "Sue Signer", "--role", "approver", "--stage", "security", "--stage", "no10"
    )

    assert result.exit_code == 0, result.output
    user = user_with("new.officer@example.gov.uk")
    assert user is not None
    assert user.roles == {Role.APPROVER}
    assert user.stage_codes == {"security", "no10"}


@pytest.mark.parametrize(
    "taken",
    ["new.officer@example.gov.uk", "NEW.OFFICER@EXAMPLE.GOV.UK", " New.Officer@example.gov.uk"],
)
def test_create_refuses_an_email_already_taken_in_any_case(run, taken):
    officer(run)

    result = officer(run, email=taken)

    assert result.exit_code != 0
    assert "already exists" in result.output
    assert count(User) == 1
    assert len(events_of("user_created")) == 1


@pytest.mark.parametrize(
    ("options", "password", "message"),
    [
        (
            ("--role", "officer", "--department", "XYZ"),
            PASSWORD,
            "No department with code XYZ",
        ),
        (("--role", "officer", "--department", "DSIT"), "elevenchars", "12 characters or more"),
        (("--role", "officer", "--department", "DSIT"), "", "12 characters or more"),
        (("--role", "approver"), PASSWORD, "An approver needs at least one stage"),
        (("--role", "approver", "--stage", "press_office"), PASSWORD, "Unknown stage"),
        (("--role", "officer"), PASSWORD, "An officer needs a department"),
    ],
    ids=[
        "unknown-department",
        "short-password",
        "no-password",
        "approver-without-stage",
        "unknown-stage",
        "officer-without-department",
    ],
)
def test_create_refuses_incomplete_or_wrong_details(run, options, password, message):
    result = create(run, "--name", "Nell Officer", *options, password=password)

    assert result.exit_code != 0
    assert message in result.output
    assert count(User) == 0
    assert events_of("user_created") == []


def test_create_accepts_a_password_of_exactly_12_characters(run):
    result = officer(run, password="twelve-chars")
    assert result.exit_code == 0, result.output


def test_deactivate_stops_the_user_but_keeps_their_row(run):
    user_id = factories.make_user(Role.OFFICER, email="leaver@example.gov.uk").id
    db.session.commit()

    result = run("users", "deactivate", "--email", "Leaver@Example.gov.uk")

    assert result.exit_code == 0, result.output
    assert "Deactivated leaver@example.gov.uk" in result.output
    leaver = user_with("leaver@example.gov.uk")
    assert leaver is not None
    assert not leaver.active
    (event,) = events_of("user_deactivated")
    assert event.payload == {
        "user_id": user_id,
        "email": "leaver@example.gov.uk",
        "sessions_ended": 0,
        "before": {"active": True},
        "after": {"active": False},
    }


def test_deactivate_says_so_when_the_user_is_already_inactive(run):
    factories.make_user(Role.OFFICER, email="leaver@example.gov.uk", active=False)
    db.session.commit()

    result = run("users", "deactivate", "--email", "leaver@example.gov.uk")

    assert result.exit_code == 0, result.output
    assert "already inactive" in result.output
    assert events_of("user_deactivated") == []


def test_deactivate_an_unknown_email_is_an_error(run):
    result = run("users", "deactivate", "--email", "nobody@example.gov.uk")

    assert result.exit_code != 0
    assert "No user with email nobody@example.gov.uk" in result.output
    assert events_of("user_deactivated") == []
