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
