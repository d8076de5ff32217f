"""Stand-ins for people, requests and decisions: the shapes `app.rules.workflow`'s checks need."""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.rules.roles import Role
from app.rules.workflow import Status

DEPARTMENT = 1
OTHER_DEPARTMENT = 2
#: The id of the officer who created the request; nobody below has it by accident.
REQUESTER = 100


@dataclass
class Person:
    id: int
    roles: frozenset[Role] = frozenset()
    department_id: int | None = None
    stages: frozenset[str] = frozenset()
    active: bool = True

    # As the User model: a deactivated person holds no role.
    def has_role(self, role: object) -> bool:
        return self.active and role in self.roles

    def can_sign(self, stage_code: str) -> bool:
        return self.has_role(Role.APPROVER) and stage_code in self.stages


@dataclass
class Request:
    status: str = Status.IN_REVIEW
    version: int = 3
    department_id: int = DEPARTMENT
    requester_id: int = REQUESTER
    current_stage: str | None = "security"


@dataclass
class Decided:
    approver_id: int
    stage_code: str
    on_behalf_of_id: int | None = None
    revision_id: int = 1


OFFICER = Person(1, frozenset({Role.OFFICER}), DEPARTMENT)
OUTSIDER = Person(2, frozenset({Role.OFFICER}), OTHER_DEPARTMENT)
SECURITY = Person(3, frozenset({Role.APPROVER}), stages=frozenset({"security"}))
NO10 = Person(4, frozenset({Role.APPROVER}), stages=frozenset({"no10"}))
AUDITOR = Person(5, frozenset({Role.AUDITOR}))
ADMIN = Person(6, frozenset({Role.ADMIN}))


def but(person: Person, **changes: object) -> Person:
    """A copy of `person` with some attributes changed."""
    return replace(person, **changes)  # type: ignore[arg-type]
