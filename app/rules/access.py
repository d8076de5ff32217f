"""Who may see a request. Plain Python, like the workflow rules it sits beside.

Seeing is wider than acting: `app.rules.workflow` decides who may change a request.
"""

from __future__ import annotations

from typing import Protocol

from app.rules.roles import Role
from app.rules.workflow import Status


class ViewerLike(Protocol):
    active: bool
    department_id: int | None

    def has_role(self, role: Role) -> bool: ...


class VisibleLike(Protocol):
    department_id: int
    status: str


def can_view(viewer: ViewerLike, request: VisibleLike) -> bool:
    """Auditors and admins see every request; officers their department's; approvers
    every request once it has been submitted (drafts are the department's own business).
    """
    if not viewer.active:
        return False
    if viewer.has_role(Role.AUDITOR) or viewer.has_role(Role.ADMIN):
        return True
    if viewer.has_role(Role.OFFICER) and viewer.department_id == request.department_id:
        return True
    return viewer.has_role(Role.APPROVER) and request.status != Status.DRAFT
