"""An admin adds, renames and retires departments: one event each, with before and after;
a retired department starts no new requests and takes nobody new, and keeps what it has."""

from __future__ import annotations

import pytest

from app.audit.events import EventType
from app.extensions import db
from app.models import Department
from app.operations.create_department import create_department
from app.operations.create_request import create_request
from app.operations.create_user import create_user
from app.operations.submit_request import submit_request
from app.operations.update_department import update_department
from app.operations.update_user import update_user
from app.rules.roles import Role
from app.rules.workflow import InvalidContent, RetiredDepartment, Status
from tests.factories import complete_content
from tests.operations.support import assert_actor, head_seq, one_event, refused


def test_a_new_department_is_an_event(world):
    seq = head_seq()
    department = create_department(world.admin, code=" dfe ", name="Department for Education")
    db.session.commit()
    assert (department.code, department.name, department.active) == (
        "DFE",
        "Department for Education",
        True,
    )
    event = one_event(seq)
    assert event.event_type == EventType.DEPARTMENT_CREATED
    assert event.payload == {"code": "DFE", "name": "Department for Education"}
    assert_actor(event, world.admin)


@pytest.mark.parametrize(
    ("code", "name", "field"),
    [
        ("", "Department for Education", "code"),
        ("DF-E", "Department for Education", "code"),
        ("1DFE", "Department for Education", "code"),
        ("X" * 17, "Department for Education", "code"),
        ("DSIT", "Department for Education", "code"),  # taken
        ("DFE", "", "name"),
        ("DFE", "home office", "name"),  # taken, whatever the case
        ("DFE", "x" * 201, "name"),
    ],
)
def test_a_bad_department_is_refused_and_changes_nothing(world, code, name, field):
    db.session.commit()
    before = db.session.query(Department).count()
    refusal = refused(InvalidContent, lambda: create_department(world.admin, code=code, name=name))
    assert field in refusal.errors
    assert db.session.query(Department).count() == before


def test_renaming_and_retiring_say_what_changed(world):
    seq = head_seq()
    assert update_department(world.other_department, world.admin, name="The Home Office")
    db.session.commit()
    assert one_event(seq).payload == {
        "code": "HO",
        "before": {"name": "Home Office"},
        "after": {"name": "The Home Office"},
    }
    seq = head_seq()
    assert update_department(world.other_department, world.admin, active=False)
    db.session.commit()
    event = one_event(seq)
    assert event.event_type == EventType.DEPARTMENT_UPDATED
    assert event.payload["before"] == {"active": True}
    assert event.payload["after"] == {"active": False}


def test_nothing_changed_writes_no_event(world):
    seq = head_seq()
    assert update_department(world.department, world.admin, name=world.department.name) is False
    assert head_seq() == seq


def test_a_retired_department_starts_no_new_request_but_carries_on_with_its_own(world):
    draft = world.draft()
    update_department(world.department, world.admin, active=False)
    db.session.commit()
    refusal = refused(
        RetiredDepartment,
        lambda: create_request(world.officer, platform=world.platform, content=complete_content()),
    )
    assert "has been retired" in refusal.message
    submit_request(draft, world.officer)
    assert draft.status == Status.IN_REVIEW


def test_a_retired_department_takes_nobody_new_but_keeps_its_people(world):
    update_department(world.other_department, world.admin, active=False)
    db.session.commit()
    refusal = refused(
        InvalidContent,
        lambda: create_user(
            world.admin,
            email="new@example.gov.uk",
            display_name="New Person",
            password=None,
            roles={Role.OFFICER},
            department=world.other_department,
        ),
    )
    assert "is retired" in refusal.errors["department"]
    # Someone already in it may still have their other details changed.
    assert update_user(
        world.outsider,
        world.admin,
        display_name="Otto Outsider-Jones",
        roles=world.outsider.roles,
        department=world.other_department,
        stage_codes=(),
    )
