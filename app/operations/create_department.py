"""An admin adds a department: its code (in filters and exports) and its name."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.departments import Department
from app.models.users import User
from app.rules.workflow import InvalidContent, name_refusal, too_long

CODE_MAX = 16
NAME_MAX = 200
#: A department's code: capital letters and digits, starting with a letter (DSIT, HO).
CODE_PATTERN = re.compile(r"[A-Z][A-Z0-9]*")


def check_department_name(name: str, *, existing_id: int | None = None) -> dict[str, str]:
    """What is wrong with `name` for a department (keyed "name"); {} when it will do."""
    name = name.strip()
    if not name:
        return {"name": "Enter the department's name"}
    refusal = name_refusal("Name", name, NAME_MAX)
    if refusal:
        return {"name": refusal}
    taken = db.session.scalar(
        select(Department.id).where(func.lower(Department.name) == name.lower())
    )
    if taken is not None and taken != existing_id:
        return {"name": "A department with this name already exists"}
    return {}


def create_department(
    actor: User | None, *, code: str, name: str, client: Client = NO_CLIENT
) -> Department:
    """Add an active department; `actor` None means the command line."""
    code = code.strip().upper()
    errors: dict[str, str] = {}
    if not code:
        errors["code"] = "Enter the department's code"
    elif len(code) > CODE_MAX:
        errors["code"] = too_long("Code", CODE_MAX)
    elif not CODE_PATTERN.fullmatch(code):
        errors["code"] = "A code holds only capital letters and digits, starting with a letter"
    elif db.session.scalar(select(Department.id).where(Department.code == code)) is not None:
        errors["code"] = "A department with this code already exists"
    errors.update(check_department_name(name))
    if errors:
        raise InvalidContent(errors)
    department = Department(code=code, name=name.strip(), active=True)
    db.session.add(department)
    db.session.flush()
    append_event(
        db.session,
        EventType.DEPARTMENT_CREATED,
        actor=ActorSnapshot.of(actor),
        client=client,
        payload={"code": department.code, "name": department.name},
    )
    return department
