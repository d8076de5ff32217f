"""An admin chooses which roles must sign in with single sign-on."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.sign_on import RoleSignInPolicy
from app.models.users import User
from app.rules.roles import Role
from app.rules.workflow import NotPermitted, check_active


def sso_roles() -> set[Role]:
    """The roles that must sign in with single sign-on now."""
    return {
        Role(role)
        for role in db.session.scalars(
            select(RoleSignInPolicy.role).where(RoleSignInPolicy.sso_required.is_(True))
        )
    }


def set_sign_in_policy(
    actor: User, *, sso_required: Iterable[Role], client: Client = NO_CLIENT
) -> bool:
    """Make exactly `sso_required` the roles that must use single sign-on; False, writing
    nothing, when that is so already."""
    check_active(actor)
    if not actor.has_role(Role.ADMIN):
        raise NotPermitted("Only admins choose how people sign in")
    wanted = set(sso_required)
    before = sso_roles()
    if wanted == before:
        return False
    rows = {row.role: row for row in db.session.scalars(select(RoleSignInPolicy))}
    for role in Role:
        row = rows.get(str(role))
        if row is None:
            row = RoleSignInPolicy(role=str(role))
            db.session.add(row)
        row.sso_required = role in wanted
    db.session.flush()
    append_event(
        db.session,
        EventType.SIGN_IN_POLICY_CHANGED,
        actor=ActorSnapshot.of(actor),
        client=client,
        payload={
            "before": {"sso_required": sorted(str(r) for r in before)},
            "after": {"sso_required": sorted(str(r) for r in wanted)},
        },
    )
    return True
