"""People who use the service, their roles and the stages they may sign."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship, undefer_group, validates

from app.extensions import Model
from app.models.departments import Department
from app.models.types import UTCDateTime
from app.rules.roles import Role


class UserRole(Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)


class UserStage(Model):
    """An approver may sign stage `stage_code`."""

    __tablename__ = "user_stages"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    stage_code: Mapped[str] = mapped_column(ForeignKey("stages.code"), primary_key=True)
    #: A lead of the stage: told when a request is overdue there (`sla tick`'s escalation).
    lead: Mapped[bool] = mapped_column(Boolean, default=False)


class NotificationFrequency(enum.StrEnum):
    """How a person hears from Permit: each message as it happens, or one a day."""

    IMMEDIATE = "immediate"
    DAILY = "daily"


#: The columns sign-in checks, kept out of every other load of a person: a page that shows
#: a requester or an approver by name need not hold their password hash or TOTP secret
#: (and each of these was a column more in every statement that joins people). The code
#: that checks credentials reads them with `with_credentials()`; anything else that needs
#: one reads the whole group in one statement when it is first touched.
CREDENTIAL: dict[str, Any] = {"deferred": True, "deferred_group": "credentials"}


class User(UserMixin, Model):
    """A person. Deactivated, never deleted: decisions and audit events name them."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased, so uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255), **CREDENTIAL)
    #: The department an officer files for; approvers, auditors and admins may have none.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Wrong passwords since the last successful sign-in or lockout (app.security.lockout).
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0, **CREDENTIAL)
    #: Lockouts since the last successful sign-in: each one lasts longer than the one before.
    lockouts: Mapped[int] = mapped_column(Integer, default=0, **CREDENTIAL)
    #: Sign-in refused until this moment; None when not locked.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, **CREDENTIAL)
    #: When the password was last set or changed.
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, **CREDENTIAL)
    #: Base32 TOTP secret (RFC 6238), set at enrolment; None without a second factor.
    totp_secret: Mapped[str | None] = mapped_column(String(64), **CREDENTIAL)
    #: When the person proved the secret with a first code; until then it does not count.
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, **CREDENTIAL)
    #: The time step of the last code accepted: a code is good once (no replay).
    totp_last_counter: Mapped[int | None] = mapped_column(Integer, **CREDENTIAL)
    #: Their choice on the account page (NotificationFrequency).
    notification_frequency: Mapped[str] = mapped_column(
        String(16), default=NotificationFrequency.IMMEDIATE
    )

    department: Mapped[Department | None] = relationship(lazy="joined")
    # Read when asked for, not with every person loaded: a request's requester or a
    # decision's approver is shown by name. Whoever is calling is loaded with both in
    # one statement (`with_roles_and_stages`), and lists of people that need them say so.
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan")
    stage_rows: Mapped[list[UserStage]] = relationship(cascade="all, delete-orphan")

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return normalise_email(value)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(row.role) for row in self.role_rows)

    @roles.setter
    def roles(self, roles: set[Role] | frozenset[Role]) -> None:
        # A role kept keeps its row: a change writes only what was added or taken away.
        kept = {row.role: row for row in self.role_rows}
        self.role_rows = [kept.get(str(role)) or UserRole(role=str(role)) for role in sorted(roles)]

    @property
    def stage_codes(self) -> frozenset[str]:
        """The stages this person may sign (meaningful only with the approver role)."""
        return frozenset(row.stage_code for row in self.stage_rows)

    @stage_codes.setter
    def stage_codes(self, codes: set[str] | frozenset[str]) -> None:
        # A stage kept keeps its row, and with it whether the person leads it.
        kept = {row.stage_code: row for row in self.stage_rows}
        self.stage_rows = [kept.get(code) or UserStage(stage_code=code) for code in sorted(codes)]

    @property
    def lead_stage_codes(self) -> frozenset[str]:
        """The stages this person leads: some of `stage_codes`."""
        return frozenset(row.stage_code for row in self.stage_rows if row.lead)

    @lead_stage_codes.setter
    def lead_stage_codes(self, codes: set[str] | frozenset[str]) -> None:
        if set(codes) - self.stage_codes:
            raise ValueError("A person leads only stages they sign")
        for row in self.stage_rows:
            row.lead = row.stage_code in codes

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None and self.totp_confirmed_at is not None

    def has_role(self, role: Role) -> bool:
        # Asked for each row of a list: no set built per question.
        return self.active and any(row.role == role for row in self.role_rows)

    def can_sign(self, stage_code: str) -> bool:
        return self.has_role(Role.APPROVER) and stage_code in self.stage_codes

    # Flask-Login: a deactivated user cannot sign in or keep a session.
    @property
    def is_active(self) -> bool:
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.email}>"


def with_roles_and_stages(path: Any = None) -> list[Any]:
    """Loader options reading people's roles and stages in the statement that reads them:
    for the person calling (`path` None: the query selects User) or the people a
    relationship reaches (`path`, such as `joinedload(ApiToken.user)`). The statement's
    result must then be made `.unique()`."""
    if path is None:
        return [joinedload(User.role_rows), joinedload(User.stage_rows)]
    return [path.joinedload(User.role_rows), path.joinedload(User.stage_rows)]


def with_credentials() -> Any:
    """The loader option reading a person's credential columns (`CREDENTIAL`) with them."""
    return undefer_group(CREDENTIAL["deferred_group"])


def normalise_email(value: str) -> str:
    return value.strip().lower()


__all__ = ["NotificationFrequency", "Role", "User", "UserRole", "UserStage", "normalise_email"]
