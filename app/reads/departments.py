"""The departments an admin looks after, with how many people and requests each holds:
one statement."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.models import AccessRequest, Department, User


@dataclass(frozen=True)
class DepartmentRow:
    department: Department
    people: int
    requests: int


def departments_with_counts() -> list[DepartmentRow]:
    """Every department, open ones first, then by name."""
    people = (
        select(func.count())
        .select_from(User)
        .where(User.department_id == Department.id)
        .scalar_subquery()
    )
    requests = (
        select(func.count())
        .select_from(AccessRequest)
        .where(AccessRequest.department_id == Department.id)
        .scalar_subquery()
    )
    query = select(Department, people, requests).order_by(Department.active.desc(), Department.name)
    return [DepartmentRow(row[0], row[1], row[2]) for row in db.session.execute(query)]
