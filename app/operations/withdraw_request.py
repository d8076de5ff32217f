"""An officer withdraws a request before it has a final outcome."""

from __future__ import annotations

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.deadlines.clock import set_stage_clock
from app.extensions import db
from app.models.requests import AccessRequest
from app.models.types import utcnow
from app.models.users import User
from app.notifications.rules import queue_for
from app.operations.common import bump_version, lock_request
from app.rules.workflow import (
    Action,
    check_expected_version,
    check_officer_action,
    check_text_length,
)


def withdraw_request(
    request: AccessRequest,
    actor: User,
    *,
    reason: str = "",
    version: int | None = None,
    client: Client = NO_CLIENT,
) -> None:
    lock_request(request)
    target = check_officer_action(actor, request, Action.WITHDRAW)
    check_expected_version(request, version)
    check_text_length("reason", "Reason", reason)
    source, stage = request.status, request.current_stage
    request.status = str(target)
    request.current_stage = None
    set_stage_clock(request, utcnow())  # stops it
    bump_version(request)
    db.session.flush()
    event = append_event(
        db.session,
        EventType.REQUEST_WITHDRAWN,
        actor=ActorSnapshot.of(actor),
        client=client,
        request=request,
        from_status=source,
        to_status=target,
        stage=stage,
        comment=reason.strip() or None,
        payload={"version": request.version},
    )
    queue_for(event, request)
