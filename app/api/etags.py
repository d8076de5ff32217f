"""Strong ETags for requests, and If-Match on every call that changes one (RFC 9110
section 13.1.1; 428 from RFC 6585 section 3), so that two clients cannot act on a view of a
request that has moved on.

A request's ETag is `"r<id>-v<version>"`: its version changes with every change
(app.operations bump it), so the tag is strong by construction and costs no hashing.
`version_for_change` answers the HTTP question (428 without If-Match, 412 when it names an
older version) and returns the version for the operation, which asks the same question
again under the row lock (StaleRequest, a 409, if the request moved on in between): the
database check and the HTTP check agree because they compare the same number.

Not flask-smorest's `Blueprint.etag`: it hashes the response body (a weaker, costlier tag
than the version we already keep) and checks If-Match only on PUT, PATCH and DELETE,
while our actions are POSTs.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from flask import request
from werkzeug.http import quote_etag

from app.models.requests import AccessRequest
from app.web.problems import PRECONDITION_FAILED, PRECONDITION_REQUIRED, ApiProblem

#: The If-Match header, as the document describes it on every call that changes a request.
IF_MATCH_PARAMETER: dict[str, Any] = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "description": (
        "The ETag of the request as you last read it. 428 without it; 412 when the "
        "request has changed since (read it again, then decide again)"
    ),
    "schema": {"type": "string"},
}

#: The ETag header, as the document describes it on every answer that carries a request.
ETAG_HEADER: dict[str, Any] = {
    "description": "The request's strong ETag: send it back in If-Match to change it",
    "schema": {"type": "string"},
}


def etag_of(access_request: AccessRequest) -> str:
    """The request's entity tag, unquoted: r<id>-v<version>."""
    return f"r{access_request.id}-v{access_request.version}"


def etag_headers(access_request: AccessRequest) -> dict[str, str]:
    return {"ETag": quote_etag(etag_of(access_request))}


def version_for_change(access_request: AccessRequest) -> int:
    """The version the caller's If-Match names, for the operation to check again."""
    if "If-Match" not in request.headers:
        raise ApiProblem(
            PRECONDITION_REQUIRED,
            "Send If-Match with the ETag from your last read of this request",
            headers=etag_headers(access_request),
        )
    # Strong comparison (a W/ tag never matches); "*" means whatever is current.
    if request.if_match.contains(etag_of(access_request)):
        return access_request.version
    raise ApiProblem(
        PRECONDITION_FAILED,
        "The request has changed since you read it: read it again before you act",
        headers=etag_headers(access_request),
    )


def conditional(view: Any) -> Any:
    """Document a view as needing If-Match (its 412 and 428 included)."""
    doc = deepcopy(getattr(view, "_apidoc", {}))
    manual = doc.setdefault("manual_doc", {})
    manual["parameters"] = [*manual.get("parameters", []), IF_MATCH_PARAMETER]
    responses = doc.setdefault("response", {}).setdefault("responses", {})
    responses.setdefault(412, []).append("PRECONDITION_FAILED")
    responses.setdefault(428, []).append("PRECONDITION_REQUIRED")
    view._apidoc = doc
    return view
