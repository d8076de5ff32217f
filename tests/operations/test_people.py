"""An admin changes a person's details, deactivates and reactivates them: one event each,
saying what changed before and after; nobody changes their own roles; the service keeps
an active admin."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.events import EventType
from app.extensions import db
from app.models import User
from app.operations.deactivate_user import deactivate_user
from app.operations.people import LastAdmin
from app.operations.reactivate_user import reactivate_user
from app.operations.update_user import update_user
from app.rules.roles import Role
from app.rules.workflow import InvalidContent, NotPermitted
from tests import factories
from tests.operations.support import assert_actor, head_seq, one_event, refused
from tests.operations.test_concurrency import race


def change(user: User, actor: User | None, **details):
    current = {
        "display_name": user.display_name,
        "roles": user.roles,
        "department": user.department,
        "stage_codes": user.stage_codes,
        "lead_stage_codes": user.lead_stage_codes,
    }
    return update_user(user, actor, **{**current, **details})


def test_a_change_is_one_event_with_what_changed_before_and_after(world):
    seq = head_seq()
    changed = change(
        world.security,
        world.admin,
        roles={Role.APPROVER, Role.OFFICER},
        department=world.department,
        stage_codes={"security", "no10"},
        lead_stage_codes={"no10"},
    )
    db.session.commit()

    assert changed is True
    person = db.session.get(User, world.security.id)
    assert person.roles == {Role.APPROVER, Role.OFFICER}
    assert person.stage_codes == {"security", "no10"} and person.lead_stage_codes == {"no10"}
    event = one_event(seq)
    assert event.event_type == EventType.USER_UPDATED
    assert event.payload == {
        "user_id": person.id,
        "email": person.email,
        "before": {
            "department": None,
            "leads": [],
            "roles": ["approver"],
            "stages": ["security"],
        },
        "after": {
            "department": "DSIT",
            "leads": ["no10"],
            "roles": ["approver", "officer"],
            "stages": ["no10", "security"],
        },
    }
    assert_actor(event, world.admin)


def test_only_what_changed_is_in_the_event(world):
    seq = head_seq()
    change(world.officer, world.admin, display_name="Olive Officer-Smith")
    db.session.commit()
    assert one_event(seq).payload["before"] == {"display_name": "Olive Officer"}
    assert one_event(seq).payload["after"] == {"display_name": "Olive Officer-Smith"}


def test_nothing_changed_writes_no_event(world):
    seq = head_seq()
    assert change(world.officer, world.admin) is False
    db.session.commit()
    assert head_seq() == seq


def test_roles_added_and_taken_away_are_what_the_person_then_holds(world):
    change(world.officer, world.admin, roles={Role.OFFICER, Role.AUDITOR})
    db.session.commit()
    change(world.officer, world.admin, roles={Role.AUDITOR})
    db.session.commit()
    assert db.session.get(User, world.officer.id).roles == {Role.AUDITOR}


def test_nobody_changes_their_own_roles(world):
    db.session.commit()
    refusal = refused(NotPermitted, lambda: change(world.admin, world.admin, roles={Role.AUDITOR}))
    assert "your own roles" in refusal.message


def test_an_admin_may_change_their_own_name(world):
    assert change(world.admin, world.admin, display_name="Adam Admin-Jones") is True


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({"roles": set()}, "roles"),
        ({"roles": {Role.OFFICER}, "stage_codes": set(), "department": None}, "department"),
        ({"stage_codes": set(), "lead_stage_codes": set()}, "stages"),
        ({"lead_stage_codes": {"no10"}}, "leads"),
        ({"stage_codes": {"nowhere"}}, "stages"),
        ({"display_name": "   "}, "display_name"),
        ({"display_name": "x" * 201}, "display_name"),
    ],
)
def test_details_that_do_not_fit_are_refused_and_change_nothing(world, details, field):
    db.session.commit()
    refusal = refused(InvalidContent, lambda: change(world.security, world.admin, **details))
    assert field in refusal.errors


def test_the_only_active_admin_keeps_the_role(world):
    db.session.commit()
    refusal = refused(LastAdmin, lambda: change(world.admin, None, roles={Role.AUDITOR}))
    assert "only active admin" in refusal.message
    refused(LastAdmin, lambda: deactivate_user(world.admin, None))


def test_a_deactivated_admin_does_not_count(world):
    factories.make_user(Role.ADMIN, active=False)
    db.session.commit()
    refused(LastAdmin, lambda: deactivate_user(world.admin, None))


def test_with_a_second_active_admin_either_may_go(world):
    other = factories.make_user(Role.ADMIN)
    db.session.commit()
    assert change(world.admin, other, roles={Role.AUDITOR}) is True
    db.session.commit()
    refused(LastAdmin, lambda: deactivate_user(other, None))


def test_reactivating_is_an_event_and_the_person_is_active_again(world):
    deactivate_user(world.officer, world.admin)
    db.session.commit()
    seq = head_seq()
    assert reactivate_user(world.officer, world.admin) is True
    db.session.commit()
    assert db.session.get(User, world.officer.id).active is True
    event = one_event(seq)
    assert event.event_type == EventType.USER_REACTIVATED
    assert event.payload == {
        "user_id": world.officer.id,
        "email": world.officer.email,
        "before": {"active": False},
        "after": {"active": True},
    }
    assert_actor(event, world.admin)


def test_reactivating_an_active_person_writes_nothing(world):
    seq = head_seq()
    assert reactivate_user(world.officer, world.admin) is False
    assert head_seq() == seq


def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, world):
    other = factories.make_user(Role.ADMIN)
    db.session.commit()
    first, second = world.admin.id, other.id

    def demote(target_id: int):
        def act(_request, actor):
            target = db.session.get(User, target_id)
            change(target, actor, roles={Role.AUDITOR})

        return act

    results = race(app, None, [(first, demote(second)), (second, demote(first))])

    assert sorted(type(result).__name__ for result in results) == ["LastAdmin", "str"], results
    db.session.expire_all()
    admins = [
        person
        for person in db.session.scalars(select(User)).all()
        if Role.ADMIN in person.roles and person.active
    ]
    assert len(admins) == 1
