"""An officer changes a draft, or a request sent back for changes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.requests import AccessRequest
from app.models.users import User
from app.operations.common import bump_version, lock_request
from app.rules.content import check_draft, content_of
from app.rules.workflow import Action, check_expected_version, check_officer_action


def update_request(
    request: AccessRequest,
    actor: User,
    *,
    content: Mapping[str, Any],
    version: int | None = None,
    client: Client = NO_CLIENT,
) -> list[str]:
    """Apply the given fields; return the names of those that changed (none: no event)."""
    lock_request(request)
    check_officer_action(actor, request, Action.EDIT)
    check_expected_version(request, version)
    # Check the draft as it will be saved: an edit naming only one date must still leave
    # the two in order.
    check_draft({**content_of(request), **content}, handle_rule=request.platform.handle_rule)
    changed = sorted(name for name, value in content.items() if getattr(request, name) != value)
    if not changed:
        return []
    for name in changed:
        setattr(request, name, content[name])
    bump_version(request)
    db.session.flush()
    append_event(
        db.session,
        EventType.REQUEST_UPDATED,
        actor=ActorSnapshot.of(actor),
        client=client,
        request=request,
        from_status=request.status,
        to_status=request.status,
        payload={"fields": changed, "version": request.version},
    )
    return changed
