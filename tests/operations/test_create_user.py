"""create_user: an admin, or the command line, creates a user."""

from __future__ import annotations

import pytest

from app.audit.events import EventType
from app.extensions import db
from app.operations.create_user import EMAIL_MAX, NAME_MAX, create_user
from app.rules.roles import Role
from app.rules.workflow import InvalidContent
from app.security.passwords import verify_password
from tests.operations.support import assert_actor, head_seq, one_event, refused


def new_user(world, actor="admin", **changes):
    fields = {
        "email": "  Pat.Approver@Example.GOV.uk ",
        "display_name": "  Pat Approver ",
        "password": "a-long-enough-password",
        "roles": {Role.APPROVER},
        "department": None,
        "stage_codes": {"no10"},
    } | changes
    return create_user(getattr(world, actor) if actor else None, **fields)


def test_an_admin_creates_an_approver(world):
    seq = head_seq()
    user = new_user(world)
    db.session.commit()

    assert user.active
    assert user.email == "pat.approver@example.gov.uk"
    assert user.display_name == "Pat Approver"
    assert user.roles == {Role.APPROVER}
    assert user.stage_codes == {"no10"}
    assert user.can_sign("no10")
    assert not user.can_sign("security")
    assert verify_password(user.password_hash, "a-long-enough-password")

    event = one_event(seq)
    assert event.event_type == EventType.USER_CREATED
    assert event.request_id is None
    assert event.payload == {
        "user_id": user.id,
        "email": "pat.approver@example.gov.uk",
        "roles": ["approver"],
        "department": None,
        "stages": ["no10"],
        "leads": [],
    }
    assert_actor(event, world.admin)


def test_the_command_line_creates_an_officer_without_a_password(world):
    seq = head_seq()
    user = new_user(
        world,
        actor=None,
        email="olga@example.gov.uk",
        password=None,
        roles={Role.OFFICER, Role.APPROVER},
        department=world.other_department,
        stage_codes={"security", "cabinet_office"},
    )
    db.session.commit()
    assert user.password_hash is None
    assert user.department_id == world.other_department.id
    event = one_event(seq)
    assert (event.actor_id, event.actor_email, event.actor_roles) == (None, None, [])
    assert event.payload["department"] == "HO"
    assert event.payload["roles"] == ["approver", "officer"]
    assert event.payload["stages"] == ["cabinet_office", "security"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "pat@localhost"}, "email"),
        ({"email": "pat approver@example.gov.uk"}, "email"),
        ({"email": "x" * (EMAIL_MAX - 14) + "@example.gov.uk"}, "email"),
        ({"display_name": "   "}, "display_name"),
        ({"display_name": "x" * (NAME_MAX + 1)}, "display_name"),
        ({"roles": set(), "stage_codes": set()}, "roles"),
        ({"roles": {Role.OFFICER}, "stage_codes": set()}, "department"),
        ({"stage_codes": set()}, "stages"),
        ({"roles": {Role.AUDITOR}}, "stages"),
        ({"stage_codes": {"no10", "treasury"}}, "stages"),
    ],
    ids=[
        "no-at",
        "no-domain-dot",
        "space",
        "too-long",
        "blank-name",
        "long-name",
        "no-role",
        "officer-without-department",
        "approver-without-stage",
        "stage-without-approver",
        "unknown-stage",
    ],
)
def test_incoherent_details_are_refused_field_by_field(world, changes, field):
    error = refused(InvalidContent, lambda: new_user(world, **changes))
    assert set(error.errors) == {field}


def test_an_email_address_is_taken_whatever_its_case(world):
    new_user(world)
    db.session.commit()
    error = refused(InvalidContent, lambda: new_user(world, email="PAT.approver@example.gov.UK"))
    assert error.errors == {"email": "A user with this email address already exists"}
