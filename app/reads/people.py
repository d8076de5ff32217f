"""The people an admin looks through: filtered by words in their name or email address,
role, department and whether their account is active, in name order.

One statement for the people, their department, roles and stages, however many match.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models.users import User, UserRole, with_roles_and_stages
from app.rules.roles import Role

#: The longest search text: longer than any name or email address.
TEXT_MAX = 254


@dataclass(frozen=True)
class PeopleQuery:
    #: Part of a name or an email address, any case ("" for everyone).
    text: str = ""
    role: Role | None = None
    department_id: int | None = None
    #: True for active accounts only, False for deactivated ones, None for both.
    active: bool | None = None


def find_people(query: PeopleQuery) -> list[User]:
    """Everyone matching `query`, by name then email address."""
    statement = (
        select(User)
        .options(joinedload(User.department), *with_roles_and_stages())
        .order_by(User.display_name, User.email)
    )
    text = query.text.strip()
    if text:
        pattern = "%" + _escaped(text.lower()) + "%"
        statement = statement.where(
            or_(
                User.email.like(pattern, escape="\\"),
                User.display_name.ilike(pattern, escape="\\"),
            )
        )
    if query.role is not None:
        statement = statement.where(
            exists().where(UserRole.user_id == User.id, UserRole.role == str(query.role))
        )
    if query.department_id is not None:
        statement = statement.where(User.department_id == query.department_id)
    if query.active is not None:
        statement = statement.where(User.active.is_(query.active))
    return list(db.session.scalars(statement).unique())


def _escaped(text: str) -> str:
    """`text` matched as itself by LIKE: its % and _ are not wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
