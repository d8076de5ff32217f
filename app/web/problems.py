"""Errors under /api/ as application/problem+json (RFC 9457): never an HTML page.

    {"type": "https://permit.service.gov.uk/problems/not-your-stage", "title": "...",
     "status": 403, "detail": "You cannot sign this stage", "errors": [...]}

Each workflow refusal (app.rules.workflow) has a problem type of its own, so a client can tell
"not your stage" from "someone decided first" without reading the words. Plain HTTP
errors with nothing to add (an unknown path, a method the path does not take, a body too
large) are type "about:blank", as RFC 9457 asks. Validation errors carry `errors`: one
item per field, with a JSON pointer into the body (`pointer`) or the name of the query
parameter (`parameter`), as in RFC 9457's own example.

`app.web.errors` calls `problem_for_http_error` and `problem_for_refusal` for every error on
a path under /api/; views raise `ApiProblem` for problems of their own.
"""

from __future__ import annotations

import http
import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Response, request
from werkzeug.exceptions import HTTPException, default_exceptions

from app.rules.workflow import (
    ConditionsRequired,
    InvalidContent,
    InvalidPipeline,
    InvalidTransition,
    NotPermitted,
    NotYourDepartment,
    NotYourStage,
    OwnRequest,
    ReasonRequired,
    Refusal,
    SecondStage,
    StaleRequest,
)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://permit.service.gov.uk/problems/"
security_log = logging.getLogger("permit.security")


@dataclass(frozen=True)
class ProblemType:
    #: The last part of the type URI; None for "about:blank" (a plain HTTP status).
    slug: str | None
    status: int
    title: str

    @property
    def uri(self) -> str:
        return TYPE_BASE + self.slug if self.slug else "about:blank"


_TYPES: list[ProblemType] = []


def _problem(slug: str, status: int, title: str) -> ProblemType:
    problem = ProblemType(slug, status, title)
    _TYPES.append(problem)
    return problem


# Authentication and scopes.
UNAUTHORIZED = _problem("unauthorized", 401, "A valid API token is needed")
INSUFFICIENT_SCOPE = _problem("insufficient-scope", 403, "The token may not do this")
# The request as sent.
INVALID_BODY = _problem("invalid-body", 400, "The body is not valid JSON")
VALIDATION_FAILED = _problem("validation-failed", 422, "The request has invalid values")
UNSUPPORTED_MEDIA_TYPE = _problem("unsupported-media-type", 415, "The body must be JSON")
PRECONDITION_REQUIRED = _problem("precondition-required", 428, "Send If-Match with the ETag")
PRECONDITION_FAILED = _problem(
    "precondition-failed", 412, "The request has changed since the ETag you sent"
)
RATE_LIMITED = _problem("rate-limited", 429, "Too many calls: wait before trying again")
# The service itself.
SERVICE_UNAVAILABLE = _problem(
    "service-unavailable", 503, "The service cannot reach its database: try again later"
)
# Idempotency keys.
INVALID_IDEMPOTENCY_KEY = _problem(
    "invalid-idempotency-key", 400, "The Idempotency-Key must be 1 to 255 printable ASCII"
)
IDEMPOTENCY_KEY_REUSED = _problem(
    "idempotency-key-reused", 422, "This Idempotency-Key was used for a different call"
)
IDEMPOTENCY_KEY_IN_USE = _problem(
    "idempotency-key-in-use", 409, "A call with this Idempotency-Key is still running"
)
# The workflow's refusals (app.rules.workflow), by refusal code.
NOT_YOUR_STAGE = _problem("not-your-stage", 403, "You cannot sign this stage")
OWN_REQUEST = _problem("own-request", 403, "You cannot decide a request you filed")
SECOND_STAGE = _problem("second-stage", 403, "You have decided another stage of this request")
NOT_PERMITTED = _problem("not-permitted", 403, "You may not do this")
STALE_REQUEST = _problem("stale-request", 409, "The request moved on while you acted")
INVALID_TRANSITION = _problem("invalid-transition", 409, "The request's status does not allow this")
INVALID_PIPELINE = _problem(
    "invalid-pipeline", 409, "The platform's pipeline of stages is not valid"
)
REFUSED = _problem("refused", 409, "The workflow does not allow this")
REASON_REQUIRED = _problem("reason-required", 422, "A reason is needed for this decision")
CONDITIONS_REQUIRED = _problem(
    "conditions-required", 422, "Conditions are needed for an approval with conditions"
)
INVALID_CONTENT = _problem("invalid-content", 422, "The request's content cannot be saved")
# Plain HTTP: nothing to add to the status (RFC 9457 section 4.2.1).
NOT_FOUND = ProblemType(None, 404, "Not Found")

#: Each refusal class's problem, most specific first (the first match wins).
REFUSAL_PROBLEMS: tuple[tuple[type[Refusal], ProblemType], ...] = (
    # Another department's request, or one the caller cannot act on as an officer: told
    # it does not exist, as the screens do, so its existence does not leak.
    (NotYourDepartment, NOT_FOUND),
    (NotYourStage, NOT_YOUR_STAGE),
    (OwnRequest, OWN_REQUEST),
    (SecondStage, SECOND_STAGE),
    (NotPermitted, NOT_PERMITTED),
    (StaleRequest, STALE_REQUEST),
    (InvalidTransition, INVALID_TRANSITION),
    (InvalidPipeline, INVALID_PIPELINE),
    (ReasonRequired, REASON_REQUIRED),
    (ConditionsRequired, CONDITIONS_REQUIRED),
    (InvalidContent, INVALID_CONTENT),
    (Refusal, REFUSED),
)

#: Where a refusal's message lands in the body, for the refusals about one field.
REFUSAL_FIELDS: dict[type[Refusal], str] = {
    ReasonRequired: "reason",
    ConditionsRequired: "conditions",
}


def all_problem_types() -> list[ProblemType]:
    """Every problem type with a URI of its own, for the document and the reference page."""
    return list(_TYPES)


class ApiProblem(HTTPException):
    """A problem a view or check raises: `raise ApiProblem(PRECONDITION_FAILED, "...")`."""

    def __init__(
        self,
        problem: ProblemType,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.code = problem.status
        self.problem = problem
        self.detail = detail
        self.errors = errors
        self.extra_headers = dict(headers or {})


def problem_response(
    problem: ProblemType,
    detail: str | None = None,
    *,
    status: int | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": problem.uri,
        "title": problem.title,
        "status": status or problem.status,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = Response(
        json.dumps(body, ensure_ascii=False),
        status=status or problem.status,
        content_type=PROBLEM_JSON,
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if response.status_code in (401, 403, 429):
        _log_refusal(problem, response.status_code)
    return response


def _log_refusal(problem: ProblemType, status: int) -> None:
    """Refusals are security events (ASVS 7.1.3), as on the screens: never the body."""
    security_log.warning(
        "api call refused",
        extra={"status": status, "problem": problem.uri, "endpoint": request.endpoint},
    )


def problem_for_refusal(refusal: Refusal) -> Response:
    """The problem a workflow refusal becomes."""
    problem = next(p for kind, p in REFUSAL_PROBLEMS if isinstance(refusal, kind))
    errors = None
    if isinstance(refusal, InvalidContent):
        errors = [
            {"detail": message, "pointer": f"#/{name}"} for name, message in refusal.errors.items()
        ]
    elif type(refusal) in REFUSAL_FIELDS:
        errors = [{"detail": refusal.message, "pointer": f"#/{REFUSAL_FIELDS[type(refusal)]}"}]
    if problem is NOT_FOUND:
        return problem_response(NOT_FOUND, "There is no such request")
    return problem_response(problem, refusal.message, errors=errors)


def problem_for_http_error(error: HTTPException) -> Response:
    """The problem an HTTP error becomes: ours as raised, webargs' validation errors with
    their fields, the rest as "about:blank" with the status's own words."""
    if isinstance(error, ApiProblem):
        return problem_response(
            error.problem, error.detail, errors=error.errors, headers=error.extra_headers
        )
    code = error.code or 500
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if code == 422 and isinstance(messages, Mapping):
        return problem_response(
            VALIDATION_FAILED,
            "Correct the values named in errors",
            errors=list(validation_errors(messages)),
            headers=headers,
        )
    if code == 400 and isinstance(messages, Mapping):
        return problem_response(INVALID_BODY, "Send the body as a JSON object", headers=headers)
    if code == 429:
        return problem_response(RATE_LIMITED, "Wait before calling again", headers=headers)
    phrase = _phrase(code)
    return problem_response(ProblemType(None, code, phrase), _detail(error), headers=headers)


def _phrase(code: int) -> str:
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        return "Error"


def _detail(error: HTTPException) -> str | None:
    """A view's own words for an error, never Werkzeug's stock ones or a 500's details."""
    code = error.code or 500
    stock = default_exceptions.get(code)
    if code >= 500 or not error.description:
        return None
    if stock is not None and error.description == stock.description:
        return None
    return error.description


def validation_errors(messages: Mapping[str, Any]) -> Iterator[dict[str, str]]:
    """webargs' messages ({"json": {"purpose": ["..."]}}) as RFC 9457 error items."""
    for location, found in messages.items():
        yield from _walk(location, found, [])


def _walk(location: str, found: Any, path: list[str]) -> Iterator[dict[str, str]]:
    if isinstance(found, Mapping):
        for name, inner in found.items():
            yield from _walk(location, inner, path if name == "_schema" else [*path, str(name)])
    elif isinstance(found, list | tuple):
        for item in found:
            yield from _walk(location, item, path)
    else:
        if location == "json":
            pointer = "#" + "".join("/" + _escape(part) for part in path)
            yield {"detail": str(found), "pointer": pointer}
        elif location == "headers":
            yield {"detail": str(found), "header": path[0] if path else ""}
        else:
            yield {"detail": str(found), "parameter": path[0] if path else ""}


def _escape(part: str) -> str:
    """A JSON pointer's reference token (RFC 6901)."""
    return part.replace("~", "~0").replace("/", "~1")
