"""An admin changes a person's name, roles, department, the stages they sign and the
stages they lead. One `user_updated` event says what changed, before and after.

Nobody changes their own roles (another admin must, so one stolen session cannot make
itself more), and the service always keeps an active admin (app.operations.people).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.departments import Department
from app.models.users import User
from app.operations.common import what_changed
from app.operations.create_user import LEADS_NOT_SIGNED, check_user_fields
from app.operations.people import check_keeps_an_admin
from app.rules.roles import Role
from app.rules.workflow import InvalidContent, NotPermitted

OWN_ROLES = "You cannot change your own roles: ask another admin"


def update_user(
    user: User,
    actor: User | None,
    *,
    display_name: str,
    roles: Iterable[Role],
    department: Department | None,
    stage_codes: Iterable[str],
    lead_stage_codes: Iterable[str] = (),
    client: Client = NO_CLIENT,
) -> bool:
    """Give `user` these details; False (and no event) when nothing changes. `actor` None
    means the command line."""
    roles, stage_codes = frozenset(roles), frozenset(stage_codes)
    leads = frozenset(lead_stage_codes)
    if actor is not None and actor.id == user.id and roles != user.roles:
        raise NotPermitted(OWN_ROLES)
    check_user_fields(
        email=user.email,
        display_name=display_name,
        roles=roles,
        department=department,
        stage_codes=stage_codes,
        existing_id=user.id,
        current_department_id=user.department_id,
    )
    if leads - stage_codes:
        raise InvalidContent({"leads": LEADS_NOT_SIGNED})
    if user.active and Role.ADMIN in user.roles and Role.ADMIN not in roles:
        check_keeps_an_admin(user)
    before = details_of(user)
    user.display_name = display_name.strip()
    user.department = department
    user.roles = roles
    user.stage_codes = stage_codes
    user.lead_stage_codes = leads
    after = details_of(user)
    changes = what_changed(before, after)
    if changes is None:
        return False
    db.session.flush()
    append_event(
        db.session,
        EventType.USER_UPDATED,
        actor=ActorSnapshot.of(actor),
        client=client,
        payload={"user_id": user.id, "email": user.email, **changes},
    )
    return True


def details_of(user: User) -> dict[str, Any]:
    """What an admin may change, as the audit event writes it."""
    return {
        "display_name": user.display_name,
        "roles": sorted(str(role) for role in user.roles),
        "department": user.department.code if user.department else None,
        "stages": sorted(user.stage_codes),
        "leads": sorted(user.lead_stage_codes),
    }
