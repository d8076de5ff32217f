"""An admin renames a platform, retires it or opens it again. One `platform_updated` event
says what changed, before and after.

A retired platform takes no new requests and no submissions (app.operations.create_request
and submit_request refuse); its requests and history stay as they are. Its pipeline is
changed elsewhere, by versions (issue 16's pipelines); its change pipeline, the stages
that decide changes to its approved accounts (docs/accounts.md), here.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.platforms import Platform
from app.models.users import User
from app.operations.common import what_changed
from app.rules.workflow import InvalidContent, name_refusal

NAME_MAX = 100


def check_platform_name(name: str, *, existing_id: int | None = None) -> dict[str, str]:
    """What is wrong with `name` for a platform (keyed "name"); {} when it will do."""
    name = name.strip()
    if not name:
        return {"name": "Enter the platform's name"}
    refusal = name_refusal("Name", name, NAME_MAX)
    if refusal:
        return {"name": refusal}
    taken = db.session.scalar(select(Platform.id).where(func.lower(Platform.name) == name.lower()))
    if taken is not None and taken != existing_id:
        return {"name": "A platform with this name already exists"}
    return {}


def update_platform(
    platform: Platform,
    actor: User | None,
    *,
    name: str | None = None,
    active: bool | None = None,
    change_pipeline: list[str] | None = None,
    client: Client = NO_CLIENT,
) -> bool:
    """Give `platform` this name, state and change pipeline (the stages that decide
    changes to its approved accounts, in order; None: as it is); False (and no event)
    when nothing changes."""
    before = {
        "name": platform.name,
        "active": platform.active,
        "change_pipeline": list(platform.change_pipeline or []),
    }
    if change_pipeline is not None:
        if not change_pipeline:
            raise InvalidContent(
                {"change_pipeline": "Choose at least one stage to decide account changes"}
            )
        platform.change_pipeline = list(change_pipeline)
    if name is not None:
        errors = check_platform_name(name, existing_id=platform.id)
        if errors:
            raise InvalidContent(errors)
        platform.name = name.strip()
    if active is not None:
        platform.active = active
    after = {
        "name": platform.name,
        "active": platform.active,
        "change_pipeline": list(platform.change_pipeline or []),
    }
    changes = what_changed(before, after)
    if changes is None:
        return False
    db.session.flush()
    append_event(
        db.session,
        EventType.PLATFORM_UPDATED,
        actor=ActorSnapshot.of(actor),
        client=client,
        payload={"platform_id": platform.id, **changes},
    )
    return True
