"""Finding the request a reference names, for the person asking: the screens, the API
and the CLI alike."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, undefer

from app.extensions import db
from app.models.platforms import PipelineStage, PipelineVersion
from app.models.requests import AccessRequest
from app.models.users import User
from app.operations.common import mark_locked
from app.rules.access import can_view


class RequestNotFound(LookupError):
    """No request has the reference, or the person may not see it: the same answer for
    both (a 404 on every face, app.web.errors), so a request's existence does not leak
    to other departments."""


def load_request(
    reference: str, person: User, *, for_update: bool = False, with_history: bool = False
) -> AccessRequest:
    """The request with this reference, if `person` may see it; RequestNotFound if not.

    `for_update`: for a call that changes it, as its first read of the request. The row
    is read locked until commit (FOR UPDATE on PostgreSQL), so the version a precondition
    is checked against is the one the change applies to, and the operation's own lock
    (`app.operations.common.lock_request`) has nothing left to read again.

    `with_history`: its revisions and decisions too, now (a write whose answer shows
    them: read before the operation takes the audit chain's lock, not while holding it)."""
    if "\x00" in reference:  # PostgreSQL refuses NUL in a query: no reference has one
        raise RequestNotFound(reference)
    # Its pipeline version, the version's stages and their named sets come in the same
    # statement (a row per stage and named approver: a handful): every write and the
    # request page ask for them, which was three statements more each, then one.
    query = (
        select(AccessRequest)
        .where(AccessRequest.reference == reference.upper())
        .options(
            joinedload(AccessRequest.pipeline_version)
            .joinedload(PipelineVersion.stages)
            .joinedload(PipelineStage.approvers)
        )
    )
    if for_update:
        # OF: the outer-joined current stage is not a row to lock (PostgreSQL refuses).
        # The call's first read of the request, so what it finds is what the lock holds.
        query = query.with_for_update(of=AccessRequest)
    else:
        # A page shows its status, "Approved with conditions" for an approved one whose
        # approval had some: an EXISTS in this statement, where it was one of its own.
        query = query.options(undefer(AccessRequest.conditions_attached))
    if with_history:
        query = query.options(
            selectinload(AccessRequest.revisions), selectinload(AccessRequest.decisions)
        )
    request = db.session.execute(query).unique().scalar_one_or_none()
    if request is None or not can_view(person, request):
        raise RequestNotFound(reference)
    if for_update:
        mark_locked(request)
    return request
