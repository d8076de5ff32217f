"""Who a person covers for today, and the delegations an approver has given or holds."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app.deadlines.clock import london_today
from app.extensions import db
from app.models.delegations import Delegation
from app.models.users import User, UserRole, with_roles_and_stages
from app.rules.roles import Role


def covering_for(user: User) -> list[User]:
    """The approvers whose delegation `user` holds today, with their roles and stages:
    one query, none for someone who is not an approver (only approvers cover)."""
    if not user.active or not user.has_role(Role.APPROVER):
        return []
    today = london_today()
    query = (
        select(User)
        .join(Delegation, Delegation.delegator_id == User.id)
        .where(
            Delegation.delegate_id == user.id,
            Delegation.ended_at.is_(None),
            Delegation.starts_on <= today,
            Delegation.ends_on >= today,
            User.active.is_(True),
        )
        .options(*with_roles_and_stages())
        .order_by(User.display_name)
    )
    return list(db.session.scalars(query).unique())


def delegations_of(user: User) -> list[Delegation]:
    """Every delegation `user` has given or holds that has not ended: now or to come."""
    query = (
        select(Delegation)
        .where(
            or_(Delegation.delegator_id == user.id, Delegation.delegate_id == user.id),
            Delegation.ended_at.is_(None),
            Delegation.ends_on >= london_today(),
        )
        .options(joinedload(Delegation.delegator), joinedload(Delegation.delegate))
        .order_by(Delegation.starts_on, Delegation.id)
    )
    return list(db.session.scalars(query))


def colleagues_for(delegator: User) -> list[User]:
    """Who may cover for `delegator`: every other active approver, by name."""
    query = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == str(Role.APPROVER), User.active.is_(True), User.id != delegator.id)
        .order_by(User.display_name)
    )
    return list(db.session.scalars(query))
