"""Requests: list, read, start a draft, change it, submit, resubmit and withdraw.

Each view is the screens' view without the HTML (app.screens.requests.views): load the request
for the person asking (404 when they may not see it), check If-Match, call one operation
with the version the caller saw, and answer with the request as it now stands and its new
ETag. The rules are the operations' and app.rules.workflow's; app.api.writes commits.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, url_for
from sqlalchemy import ColumnElement, and_, false, or_, select, true

from app.api.auth import caller, requires
from app.api.blueprint import blueprint
from app.api.etags import ETAG_HEADER, conditional, etag_headers, version_for_change
from app.api.schemas import (
    NewRequestSchema,
    RequestChangesSchema,
    RequestListArgsSchema,
    RequestPageSchema,
    RequestSchema,
    WithdrawalSchema,
    encode_cursor,
    summary_of,
)
from app.api.writes import Answer, write
from app.extensions import db
from app.models.departments import Department
from app.models.platforms import Platform
from app.models.requests import AccessRequest
from app.models.users import User
from app.operations.create_request import create_request
from app.operations.resubmit_request import resubmit_request
from app.operations.submit_request import submit_request
from app.operations.update_request import update_request
from app.operations.withdraw_request import withdraw_request
from app.reads.requests import load_request
from app.rules.access import can_view
from app.rules.roles import Role
from app.rules.workflow import InvalidContent, Status
from app.security.api_tokens import Scope
from app.web.client import client_from_request

TAGS = ["requests"]
LOCATION_HEADER: dict[str, Any] = {
    "description": "Where the new request is",
    "schema": {"type": "string"},
}


def visible_to(viewer: User) -> ColumnElement[bool]:
    """app.rules.access.can_view as SQL, to list a page at a time. can_view stays the rule:
    every row listed passes it too, and tests/api hold the two together."""
    if not viewer.active:
        return false()
    if viewer.has_role(Role.AUDITOR) or viewer.has_role(Role.ADMIN):
        return true()
    clauses = []
    if viewer.has_role(Role.OFFICER) and viewer.department_id is not None:
        clauses.append(AccessRequest.department_id == viewer.department_id)
    if viewer.has_role(Role.APPROVER):
        clauses.append(AccessRequest.status != str(Status.DRAFT))
    return or_(*clauses) if clauses else false()


#: A list reads what RequestSummarySchema shows, as plain rows (no ORM objects), named
#: as the summary names them (app.api.schemas.summary_of), and what can_view checks.
SUMMARY_COLUMNS = (
    AccessRequest.id,
    AccessRequest.department_id,
    AccessRequest.reference,
    AccessRequest.status,
    Department.code.label("department"),
    Platform.name.label("platform"),
    AccessRequest.kind,
    AccessRequest.account_handle,
    AccessRequest.current_stage,
    AccessRequest.version,
    AccessRequest.created_at,
    AccessRequest.updated_at,
    AccessRequest.submitted_at,
)


@blueprint.route("/requests", methods=["GET"], tags=TAGS)
@requires(Scope.REQUESTS_READ)
@blueprint.arguments(RequestListArgsSchema, location="query")
@blueprint.response(200, RequestPageSchema)
def list_requests(args: dict[str, Any]) -> Response:
    """List the requests you can see

    Newest first, a page at a time: `next` is the URL of the next page, with the same
    filters, or null on the last page. Officers see their department's requests,
    approvers every request once submitted, auditors every request.
    """
    viewer = caller()
    query = (
        select(*SUMMARY_COLUMNS)
        .join(Department, Department.id == AccessRequest.department_id)
        .join(Platform, Platform.id == AccessRequest.platform_id)
        .where(visible_to(viewer))
    )
    if "status" in args:
        query = query.where(AccessRequest.status == args["status"])
    if "department" in args:
        query = query.where(Department.code == args["department"])
    if "platform" in args:
        query = query.where(Platform.name == args["platform"])
    if "stage" in args:
        query = query.where(
            and_(
                AccessRequest.status == str(Status.IN_REVIEW),
                AccessRequest.current_stage == args["stage"],
            )
        )
    if "cursor" in args:
        query = query.where(AccessRequest.id < args["cursor"])
    limit = args["limit"]
    rows = list(db.session.execute(query.order_by(AccessRequest.id.desc()).limit(limit + 1)))
    page = rows[:limit]
    following = None
    if len(rows) > limit:
        filters = {
            name: args[name]
            for name in ("status", "department", "platform", "stage")
            if name in args
        }
        following = url_for(
            ".list_requests", cursor=encode_cursor(page[-1].id), limit=limit, **filters
        )
    # The page as RequestPageSchema documents it, built without marshmallow (summary_of).
    items = [summary_of(row) for row in page if can_view(viewer, row)]
    return jsonify({"items": items, "next": following})


@blueprint.route("/requests", methods=["POST"], tags=TAGS)
@requires(Scope.REQUESTS_WRITE)
@write(idempotent=True)
@blueprint.arguments(NewRequestSchema)
@blueprint.response(201, RequestSchema, headers={"ETag": ETAG_HEADER, "Location": LOCATION_HEADER})
def new_request(body: dict[str, Any]) -> Answer:
    """Start a draft request for your department

    Name the platform and what the request is for; any other content may be given now
    or later (PATCH). Nothing is checked for completeness until you submit.
    """
    content = dict(body)
    platform = db.session.scalar(select(Platform).where(Platform.name == content.pop("platform")))
    if platform is None:
        raise InvalidContent({"platform": "There is no platform with this name"})
    access_request = create_request(
        caller(), platform=platform, content=content, client=client_from_request()
    )
    location = url_for(".read_request", reference=access_request.reference)
    return access_request, 201, {**etag_headers(access_request), "Location": location}


@blueprint.route("/requests/<reference>", methods=["GET"], tags=TAGS)
@requires(Scope.REQUESTS_READ)
@blueprint.response(200, RequestSchema, headers={"ETag": ETAG_HEADER})
@blueprint.alt_response(404, response="NOT_FOUND")
def read_request(reference: str) -> Answer:
    """Read a request

    With its content, its workflow state and every decision on it. The ETag names this
    version of it: send it in If-Match to change it.
    """
    access_request = load_request(reference, caller())
    return access_request, etag_headers(access_request)


@blueprint.route("/requests/<reference>", methods=["PATCH"], tags=TAGS)
@requires(Scope.REQUESTS_WRITE)
@write(idempotent=False)
@conditional
@blueprint.arguments(RequestChangesSchema)
@blueprint.response(200, RequestSchema, headers={"ETag": ETAG_HEADER})
@blueprint.alt_response(404, response="NOT_FOUND")
def change_request(changes: dict[str, Any], reference: str) -> Answer:
    """Change a draft, or a request sent back for changes

    Only the fields given change. Each change is checked as it would be saved (types,
    lengths, dates in order); completeness is checked when you submit.
    """
    access_request = load_request(reference, caller(), for_update=True, with_history=True)
    version = version_for_change(access_request)
    update_request(
        access_request,
        caller(),
        content=changes,
        version=version,
        client=client_from_request(),
    )
    return access_request, etag_headers(access_request)


@blueprint.route("/requests/<reference>/submit", methods=["POST"], tags=TAGS)
@requires(Scope.REQUESTS_WRITE)
@write(idempotent=True)
@conditional
@blueprint.response(200, RequestSchema, headers={"ETag": ETAG_HEADER})
@blueprint.alt_response(404, response="NOT_FOUND")
def submit(reference: str) -> Answer:
    """Submit a draft for approval

    Its content is frozen as revision 1 and the platform's first stage must decide. A
    request that is not complete is refused (422, invalid-content, each missing answer
    in `errors`).
    """
    access_request = load_request(reference, caller(), for_update=True, with_history=True)
    version = version_for_change(access_request)
    submit_request(access_request, caller(), version=version, client=client_from_request())
    return access_request, etag_headers(access_request)


@blueprint.route("/requests/<reference>/resubmit", methods=["POST"], tags=TAGS)
@requires(Scope.REQUESTS_WRITE)
@write(idempotent=True)
@conditional
@blueprint.response(200, RequestSchema, headers={"ETag": ETAG_HEADER})
@blueprint.alt_response(404, response="NOT_FOUND")
def resubmit(reference: str) -> Answer:
    """Resubmit a request sent back for changes

    Its content is frozen as a new revision and every stage decides again, from the
    first: earlier approvals were of other content.
    """
    access_request = load_request(reference, caller(), for_update=True, with_history=True)
    version = version_for_change(access_request)
    resubmit_request(access_request, caller(), version=version, client=client_from_request())
    return access_request, etag_headers(access_request)


@blueprint.route("/requests/<reference>/withdraw", methods=["POST"], tags=TAGS)
@requires(Scope.REQUESTS_WRITE)
@write(idempotent=True)
@conditional
@blueprint.arguments(WithdrawalSchema, required=False)
@blueprint.response(200, RequestSchema, headers={"ETag": ETAG_HEADER})
@blueprint.alt_response(404, response="NOT_FOUND")
def withdraw(withdrawal: dict[str, Any], reference: str) -> Answer:
    """Withdraw a request before it has a final outcome

    A draft, a request in review or one sent back for changes may be withdrawn; the
    reason, if given, goes into the audit trail.
    """
    access_request = load_request(reference, caller(), for_update=True, with_history=True)
    version = version_for_change(access_request)
    withdraw_request(
        access_request,
        caller(),
        reason=withdrawal.get("reason", ""),
        version=version,
        client=client_from_request(),
    )
    return access_request, etag_headers(access_request)
