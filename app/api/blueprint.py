"""The API's blueprint and its flask-smorest Api: what the generated document says about
everything at once (the Bearer scheme, the problem responses, the tags), the per-token
rate limit, and the checks every call passes before its view (token, body type).

One blueprint named "api" for every resource, each operation tagged with its resource:
app.web.request_checks leaves bodies of the blueprint named "api" to us, and a nested
blueprint would have another name.
"""

from __future__ import annotations

import hashlib
import http
from typing import Any

from flask import current_app, request
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response

from app.api.auth import authenticate
from app.api.schemas import ProblemSchema
from app.extensions import limiter
from app.security.api_tokens import SCOPE_DESCRIPTIONS, parse_token
from app.web.client import API_URL_PREFIX
from app.web.problems import PROBLEM_JSON, UNSUPPORTED_MEDIA_TYPE, ApiProblem, all_problem_types

#: The resources, as the document's tags, in the order the reference page shows them.
TAGS: tuple[tuple[str, str], ...] = (
    (
        "requests",
        "Requests for permission to use a restricted platform: the officer's side of the "
        "workflow. Officers see their department's requests, approvers every request once "
        "submitted, auditors every request.",
    ),
    ("decisions", "Approvers' decisions on the stage of a request that is waiting for them."),
    ("revisions", "The content of a request exactly as submitted, frozen, with its SHA-256."),
    (
        "audit",
        "The hash-chained audit trail (docs/audit-format.md): events, exports with their "
        "manifests, and the chain head to publish as an anchor.",
    ),
    (
        "administration",
        "For admins: departments, platforms and their versioned pipelines with quorum rules, "
        "people, and cover for absent approvers. Every change is audited with its before "
        "and after, as on the admin screens.",
    ),
)

blueprint = Blueprint(
    "api",
    __name__,
    url_prefix=API_URL_PREFIX,
    description="Permit's JSON API",
)


class PermitApi(Api):  # type: ignore[misc]
    """flask-smorest's Api with our errors: problem+json in the document, and no JSON
    error handler of its own (app.web.errors answers every error, the API's included)."""

    DEFAULT_RESPONSE_CONTENT_TYPE = "application/json"

    def _register_error_handlers(self) -> None:
        # flask-smorest would answer every HTTPException of the whole app with its own
        # JSON; app.web.errors decides instead (problem+json under /api/, pages elsewhere).
        pass

    def _register_responses(self) -> None:
        """Each status's response in the document: a problem (RFC 9457)."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = ProblemSchema
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "A problem (RFC 9457)", "schema": ProblemSchema}
        prepare_response(default, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)

    def register_blueprint(self, blp: Blueprint, **options: Any) -> None:
        # As Api.register_blueprint, without a tag named after the blueprint: operations
        # are tagged by resource (TAGS).
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        blp.register_views_in_doc(self, self._app, self.spec, name=name, parameters=None)


def describe(api: PermitApi) -> None:
    """What the document says once for every operation: who may call, and the tags."""
    scopes = "\n".join(f"- `{scope}`: {text}" for scope, text in SCOPE_DESCRIPTIONS.items())
    api.spec.components.security_scheme(
        "bearerAuth",
        {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A personal API token, made on the web app's 'API tokens' page (Your "
                "account): `Authorization: Bearer permit_<prefix>_<secret>`. Its scopes "
                "can never exceed its owner's roles, checked on every call:\n\n" + scopes
            ),
        },
    )
    api.spec.options["security"] = [{"bearerAuth": []}]
    api.spec.options["info"] = {
        "description": (
            "Every error is `application/problem+json` (RFC 9457). Problem types:\n\n"
            + "\n".join(
                f"- `{problem.uri}` ({problem.status}): {problem.title}"
                for problem in all_problem_types()
            )
        )
    }
    for name, description in TAGS:
        api.spec.tag({"name": name, "description": description})


# Before every view -----------------------------------------------------------------------

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def check_content_type() -> None:
    """A body must be JSON (ASVS 13.2.5): anything else is refused before it is read."""
    if request.method not in BODY_METHODS:
        return
    has_body = bool(request.content_length) or "Transfer-Encoding" in request.headers
    if (has_body or request.mimetype) and not request.is_json:
        raise ApiProblem(
            UNSUPPORTED_MEDIA_TYPE,
            "Send the body as application/json",
            headers={"Accept-Post": "application/json", "Accept-Patch": "application/json"},
        )


blueprint.before_request(authenticate)
blueprint.before_request(check_content_type)


# Rate limit ------------------------------------------------------------------------------


def rate_limit_key() -> str:
    """One budget per token. Keyed by a hash of the whole token sent, not its prefix: the
    prefix is shown on pages and in the audit trail, and whoever knows only that must not
    be able to spend a token's budget. Calls without a token share their address's."""
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and parse_token(credentials.strip()) is not None:
        digest = hashlib.sha256(credentials.strip().encode("ascii")).hexdigest()[:32]
        return "api-token:" + digest
    return "api-address:" + (request.remote_addr or "unknown")


def _api_limit() -> str:
    return str(current_app.config["API_RATELIMIT"])


# One budget shared by every route of the blueprint (RateLimit-* headers on each answer).
limiter.shared_limit(_api_limit, scope="api", key_func=rate_limit_key)(blueprint)
