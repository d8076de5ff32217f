"""People who use the service, their roles and the stages they may sign."""

from __future__ import annotations

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.extensions import Model
from app.models.departments import Department
from app.roles import Role


class UserRole(Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)


class UserStage(Model):
    """An approver may sign stage `stage_code`."""

    __tablename__ = "user_stages"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    stage_code: Mapped[str] = mapped_column(ForeignKey("stages.code"), primary_key=True)


class User(UserMixin, Model):
    """A person. Deactivated, never deleted: decisions and audit events name them."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased, so uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: The department an officer files for; approvers, auditors and admins may have none.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    department: Mapped[Department | None] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    stage_rows: Mapped[list[UserStage]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return normalise_email(value)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(row.role) for row in self.role_rows)

    @roles.setter
    def roles(self, roles: set[Role] | frozenset[Role]) -> None:
        self.role_rows = [UserRole(role=str(role)) for role in sorted(roles)]

    @property
    def stage_codes(self) -> frozenset[str]:
        """The stages this person may sign (meaningful only with the approver role)."""
        return frozenset(row.stage_code for row in self.stage_rows)

    @stage_codes.setter
    def stage_codes(self, codes: set[str] | frozenset[str]) -> None:
        self.stage_rows = [UserStage(stage_code=code) for code in sorted(codes)]

    def has_role(self, role: Role) -> bool:
        return self.active and role in self.roles

    def can_sign(self, stage_code: str) -> bool:
        return self.has_role(Role.APPROVER) and stage_code in self.stage_codes

    # Flask-Login: a deactivated user cannot sign in or keep a session.
    @property
    def is_active(self) -> bool:
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.email}>"


def normalise_email(value: str) -> str:
    return value.strip().lower()


__all__ = ["Role", "User", "UserRole", "UserStage", "normalise_email"]
