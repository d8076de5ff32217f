"""What every operation on a person's account checks: that the service keeps an admin."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.users import User, UserRole
from app.rules.roles import Role
from app.rules.workflow import NotPermitted

LAST_ADMIN = (
    "{name} is the only active admin: make someone else an admin first, or nobody could "
    "manage the service"
)


class LastAdmin(NotPermitted):
    """The change would leave the service with no active admin."""

    code = "last_admin"


def check_keeps_an_admin(user: User) -> None:
    """Raise LastAdmin if `user` is the only active admin (about to lose the role or be
    deactivated).

    Two admins demoting each other at once must not both pass. The active admins' rows
    are locked first (FOR UPDATE on PostgreSQL; SQLite's write lock already holds), and
    then counted again: under READ COMMITTED the locking statement reads from before any
    wait for the lock, the second read sees what the transaction it waited for
    committed."""
    active_admins = (
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == str(Role.ADMIN), User.active.is_(True))
    )
    db.session.execute(active_admins.with_for_update(of=User)).all()
    admins = db.session.scalars(active_admins).all()
    if set(admins) <= {user.id}:
        raise LastAdmin(LAST_ADMIN.format(name=user.display_name))
