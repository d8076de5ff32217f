"""An admin renames a department, retires it or opens it again. One `department_updated`
event says what changed, before and after.

A retired department starts no new requests and takes no new people; its requests,
people and audit events stay as they are (nothing a request or an event refers to is
ever deleted). Its code never changes: exports and filters carry it.
"""

from __future__ import annotations

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.departments import Department
from app.models.users import User
from app.operations.common import what_changed
from app.operations.create_department import check_department_name
from app.rules.workflow import InvalidContent


def update_department(
    department: Department,
    actor: User | None,
    *,
    name: str | None = None,
    active: bool | None = None,
    client: Client = NO_CLIENT,
) -> bool:
    """Give `department` this name and state (None: as it is); False (and no event) when
    nothing changes."""
    before = {"name": department.name, "active": department.active}
    if name is not None:
        errors = check_department_name(name, existing_id=department.id)
        if errors:
            raise InvalidContent(errors)
        department.name = name.strip()
    if active is not None:
        department.active = active
    after = {"name": department.name, "active": department.active}
    changes = what_changed(before, after)
    if changes is None:
        return False
    db.session.flush()
    append_event(
        db.session,
        EventType.DEPARTMENT_UPDATED,
        actor=ActorSnapshot.of(actor),
        client=client,
        payload={"code": department.code, **changes},
    )
    return True
