"""An officer answers "changes requested": a new revision, and the pipeline starts again.

Earlier approvals were of other content, so every stage decides again from the first.
"""

from __future__ import annotations

from app.audit.chain import NO_CLIENT, Client
from app.audit.events import EventType
from app.models.requests import AccessRequest, RequestRevision
from app.models.users import User
from app.operations.submit_request import file_revision
from app.rules.workflow import Action


def resubmit_request(
    request: AccessRequest,
    actor: User,
    *,
    version: int | None = None,
    client: Client = NO_CLIENT,
) -> RequestRevision:
    return file_revision(
        request,
        actor,
        action=Action.RESUBMIT,
        event_type=EventType.REQUEST_RESUBMITTED,
        version=version,
        client=client,
    )
