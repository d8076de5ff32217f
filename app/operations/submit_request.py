"""An officer submits a draft: its content is frozen as revision 1 and stage 1 decides."""

from __future__ import annotations

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.deadlines.clock import set_stage_clock
from app.extensions import db
from app.models.requests import AccessRequest, RequestRevision
from app.models.types import utcnow
from app.models.users import User
from app.notifications.rules import queue_for
from app.operations.common import bump_version, lock_request
from app.rules.content import canonical_content, check_complete, content_of, content_sha256
from app.rules.workflow import (
    Action,
    InvalidContent,
    check_expected_version,
    check_officer_action,
    check_pipeline,
)


def file_revision(
    request: AccessRequest,
    actor: User,
    *,
    action: Action,
    event_type: EventType,
    version: int | None,
    client: Client,
) -> RequestRevision:
    """Freeze the content as a new revision and start the pipeline at its first stage."""
    lock_request(request)
    target = check_officer_action(actor, request, action)
    check_expected_version(request, version)
    if not request.platform.active:
        raise InvalidContent({"platform": "This platform is no longer taking requests"})
    content = content_of(request)
    check_complete(content, handle_rule=request.platform.handle_rule)
    # The version it was first submitted under, through every revision (issue 16): an
    # edit of the platform's pipeline applies to new submissions only.
    if request.pipeline_version is None:
        request.pipeline_version = request.platform.pipeline_version
    version_used = request.pipeline_version
    pipeline = version_used.stage_codes if version_used is not None else []
    check_pipeline(pipeline)
    canonical = canonical_content(content)
    now = utcnow()
    revision = RequestRevision(
        request=request,
        number=len(request.revisions) + 1,
        content=canonical,
        content_sha256=content_sha256(canonical),
        pipeline=pipeline,
        submitted_by=actor,
        submitted_at=now,
    )
    db.session.add(revision)
    source = request.status
    request.status = str(target)
    request.current_stage = pipeline[0]
    request.submitted_at = now
    set_stage_clock(request, now)  # the first stage's clock starts afresh
    bump_version(request)
    db.session.flush()
    event = append_event(
        db.session,
        event_type,
        actor=ActorSnapshot.of(actor),
        client=client,
        request=request,
        from_status=source,
        to_status=target,
        stage=pipeline[0],
        payload={
            "revision": revision.number,
            "content_sha256": revision.content_sha256,
            "pipeline": pipeline,
            "pipeline_version": version_used.number if version_used is not None else None,
            "version": request.version,
        },
    )
    queue_for(event, request)
    return revision


def submit_request(
    request: AccessRequest,
    actor: User,
    *,
    version: int | None = None,
    client: Client = NO_CLIENT,
) -> RequestRevision:
    return file_revision(
        request,
        actor,
        action=Action.SUBMIT,
        event_type=EventType.REQUEST_SUBMITTED,
        version=version,
        client=client,
    )
