"""The administration API refuses a person's name holding a control character, as the
admin screens do (the rule is app.rules.text's, asked by the operations): a 422
invalid-content problem naming the field, and nothing changed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, User
from app.operations.create_user import create_user
from app.operations.update_user import update_user
from app.rules.roles import Role
from app.rules.workflow import InvalidContent

pytestmark = pytest.mark.asvs("5.1.3")

NAME_REFUSAL = "Name must not contain control characters such as tabs or line breaks"
NAMES = {"tab": "New\tPerson", "line feed": "New Person\n", "NUL": "New\x00Person", "C1": "New\x85"}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def assert_refused(response) -> None:
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert [error["detail"] for error in errors] == [NAME_REFUSAL]


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_inviting_someone_whose_name_holds_a_control_character_is_a_problem(
    api_client_for, world, name
):
    api = api_client_for(world.admin)
    people, events = count(User), count(AuditEvent)
    response = api.post(
        "/api/v1/admin/people",
        json={"email": "new.person@example.gov.uk", "name": name, "roles": ["auditor"]},
    )
    assert_refused(response)
    assert count(User) == people and count(AuditEvent) == events


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_renaming_someone_to_a_name_with_a_control_character_is_a_problem(
    api_client_for, world, name
):
    api = api_client_for(world.admin)
    events = count(AuditEvent)
    response = api.patch(f"/api/v1/admin/people/{world.auditor.id}", json={"name": name})
    assert_refused(response)
    db.session.expire_all()
    assert world.auditor.display_name == "Audrey Auditor"
    assert count(AuditEvent) == events


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_the_operations_refuse_it_too(world, name):
    with pytest.raises(InvalidContent) as refused:
        create_user(
            world.admin,
            email="new.person@example.gov.uk",
            display_name=name,
            password=None,
            roles={Role.AUDITOR},
        )
    assert refused.value.errors == {"display_name": NAME_REFUSAL}
    with pytest.raises(InvalidContent) as refused:
        update_user(
            world.auditor,
            world.admin,
            display_name=name,
            roles=world.auditor.roles,
            department=None,
            stage_codes=(),
        )
    assert refused.value.errors == {"display_name": NAME_REFUSAL}
