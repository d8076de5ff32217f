"""The roles a person can hold. A person may hold several."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    #: Files and manages their department's requests.
    OFFICER = "officer"
    #: Decides the stages they hold.
    APPROVER = "approver"
    #: Reads and exports every decision; changes nothing.
    AUDITOR = "auditor"
    #: Manages users, departments, platforms and pipelines.
    ADMIN = "admin"


#: Each role as people read it, with what it lets them do.
ROLE_LABELS: dict[Role, str] = {
    Role.OFFICER: "Officer",
    Role.APPROVER: "Approver",
    Role.AUDITOR: "Auditor",
    Role.ADMIN: "Admin",
}
ROLE_HINTS: dict[Role, str] = {
    Role.OFFICER: "Files and manages their department's requests",
    Role.APPROVER: "Decides the stages they sign",
    Role.AUDITOR: "Reads and exports every decision, and changes nothing",
    Role.ADMIN: "Manages people, departments, platforms and pipelines",
}
