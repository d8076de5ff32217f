"""An officer starts a draft request for their department."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.platforms import Platform
from app.models.requests import AccessRequest, ReferenceCounter
from app.models.types import utcnow
from app.models.users import User
from app.rules.content import check_draft
from app.rules.roles import Role
from app.rules.workflow import (
    InvalidContent,
    NotYourDepartment,
    RetiredDepartment,
    Status,
    check_active,
)


def next_reference(year: int) -> str:
    """The next reference in `year`, such as PRQ-2026-00042; locks the year's counter.

    One statement: the year's row is made or moved on, and its new number returned."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(ReferenceCounter).values(year=year, last_number=1)
    number = db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["year"],
            set_={"last_number": ReferenceCounter.last_number + 1},
        ).returning(ReferenceCounter.last_number)
    ).scalar_one()
    return f"PRQ-{year}-{number:05d}"


def create_request(
    actor: User,
    *,
    platform: Platform,
    content: Mapping[str, Any],
    client: Client = NO_CLIENT,
) -> AccessRequest:
    """Create a draft from `content` (which must name its kind); the actor is the requester."""
    check_active(actor)
    if not actor.has_role(Role.OFFICER) or actor.department_id is None:
        raise NotYourDepartment("Only a department's officers can start a request")
    if actor.department is not None and not actor.department.active:
        raise RetiredDepartment(
            f"{actor.department.name} has been retired: it cannot start new requests"
        )
    if not platform.active:
        raise InvalidContent({"platform": "This platform is no longer taking requests"})
    if "kind" not in content:
        raise InvalidContent({"kind": "Select what the request is for"})
    check_draft(content, handle_rule=platform.handle_rule)
    now = utcnow()
    request = AccessRequest(
        reference=next_reference(now.year),
        department_id=actor.department_id,
        platform=platform,
        requester=actor,
        status=str(Status.DRAFT),
        current_stage=None,
        version=1,
        created_at=now,
        updated_at=now,
        **content,
    )
    db.session.add(request)
    db.session.flush()
    # A new draft has neither: known without asking the database.
    set_committed_value(request, "revisions", [])
    set_committed_value(request, "decisions", [])
    append_event(
        db.session,
        EventType.REQUEST_CREATED,
        actor=ActorSnapshot.of(actor),
        client=client,
        request=request,
        to_status=Status.DRAFT,
        payload={
            "department": actor.department.code if actor.department else None,
            "platform": platform.name,
            "kind": str(content["kind"]),
        },
    )
    return request
