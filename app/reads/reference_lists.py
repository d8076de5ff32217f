"""Departments, platforms and stages as the screens' filter panels and labels list them,
read in one statement.

A filter panel needs the departments and the platforms, the audit log the stages' names
too: three small tables that change only when an admin changes them. Each list used to
be a statement of its own, a round trip each on every visit to the queue, the register
and the audit log; one UNION ALL reads them together. Plain functions of a session.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, String, literal, null, select, union_all

from app.extensions import SessionLike
from app.models import Department, Platform, Stage

_DEPARTMENT, _PLATFORM, _STAGE = "d", "p", "s"


@dataclass(frozen=True)
class ReferenceLists:
    #: (id, code, name) of every department, by name.
    departments: list[tuple[int, str, str]]
    #: (id, name) of every platform, retired ones included, by name.
    platforms: list[tuple[int, str]]
    #: Stage code to the stage's name, such as "no10" to "No10".
    stages: dict[str, str]

    def department_choices(self) -> list[tuple[int, str]]:
        """(id, name) of every department, by name."""
        return [(id_, name) for id_, _code, name in self.departments]

    def department_codes(self) -> list[tuple[str, str]]:
        """(code, name) of every department, by name: the audit log's filter."""
        return [(code, name) for _id, code, name in self.departments]

    def platform_names(self) -> list[str]:
        return [name for _id, name in self.platforms]


def reference_lists(session: SessionLike) -> ReferenceLists:
    """Every department, platform and stage: one statement."""
    no_id = null().cast(Integer)
    no_code = null().cast(String)
    statement = union_all(
        select(
            literal(_DEPARTMENT).label("kind"),
            Department.id.label("id"),
            Department.code.label("code"),
            Department.name.label("name"),
        ),
        select(literal(_PLATFORM), Platform.id, no_code, Platform.name),
        select(literal(_STAGE), no_id, Stage.code, Stage.name),
    ).order_by("kind", "name", "id")  # by name, in the database's collation, as before
    departments: list[tuple[int, str, str]] = []
    platforms: list[tuple[int, str]] = []
    stages: dict[str, str] = {}
    for kind, id_, code, name in session.execute(statement):
        if kind == _DEPARTMENT:
            departments.append((id_, code, name))
        elif kind == _PLATFORM:
            platforms.append((id_, name))
        else:
            stages[code] = name
    return ReferenceLists(departments=departments, platforms=platforms, stages=stages)
