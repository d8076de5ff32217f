"""Revisions: a request's content exactly as each submission froze it, with its SHA-256
(docs/audit-format.md section 7), which the audit trail's submission events also carry."""

from __future__ import annotations

from typing import Any

from flask import abort

from app.api.auth import caller, requires
from app.api.blueprint import blueprint
from app.api.schemas import RevisionListSchema, RevisionSchema
from app.models.requests import RequestRevision
from app.reads.requests import load_request
from app.security.api_tokens import Scope

TAGS = ["revisions"]
#: Largest revision number a URL may name (an INTEGER column).
NUMBER_MAX = 2**31 - 1


@blueprint.route("/requests/<reference>/revisions", methods=["GET"], tags=TAGS)
@requires(Scope.REQUESTS_READ)
@blueprint.response(200, RevisionListSchema)
@blueprint.alt_response(404, response="NOT_FOUND")
def list_revisions(reference: str) -> dict[str, Any]:
    """List a request's revisions

    Oldest first: 1 is the first submission, 2 the first resubmission, and so on. A
    draft has none.
    """
    return {"items": load_request(reference, caller()).revisions}


@blueprint.route(f"/requests/<reference>/revisions/<int(max={NUMBER_MAX}):number>", tags=TAGS)
@requires(Scope.REQUESTS_READ)
@blueprint.response(200, RevisionSchema)
@blueprint.alt_response(404, response="NOT_FOUND")
def read_revision(reference: str, number: int) -> RequestRevision:
    """Read one revision of a request

    Its content as submitted (canonical form: dates as text), the SHA-256 of that
    content, and the stages it had to pass.
    """
    for revision in load_request(reference, caller()).revisions:
        if revision.number == number:
            return revision
    abort(404)
