"""The JSON API at /api/v1: the same operations as the screens, for departments' own tools
and the auditors' SIEM, described by an OpenAPI 3.1 document generated from the code
(flask-smorest) and served at /api/v1/openapi.json.

Callers authenticate with a personal API token (`Authorization: Bearer permit_...`,
app.api.auth); the browser's session cookie is never accepted here, so there is no CSRF
surface. Every error is application/problem+json (app.api.problems). Modules by resource:
requests.py, decisions.py, revisions.py, audit.py, with their schemas in schemas.py;
blueprint.py holds the blueprint, this app's Api and the checks before every view;
etags.py the If-Match rules; writes.py runs each change as one unit of work with its
idempotency key (idempotency.py) and the token's audit event.

This module stays light (guards.py imports `is_api_request`); `init_api` imports the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask, request

if TYPE_CHECKING:
    from flask_smorest import Api

#: Where the API lives. Paths under PATH_PREFIX never use the session cookie.
URL_PREFIX = "/api/v1"
PATH_PREFIX = "/api/"


def is_api_request() -> bool:
    """True for a request to a path under /api/: it carries its own Bearer token."""
    return request.path.startswith(PATH_PREFIX)


def init_api(app: Flask) -> None:
    """Build this app's own flask-smorest Api and register the API blueprint on it.

    One Api per app: flask-smorest keeps the app and its spec on the Api object, so a
    module-level one shared by the several apps a test run makes would mix them up.
    """
    from app.api import audit, decisions, requests, revisions  # noqa: F401  (routes)
    from app.api.blueprint import PermitApi, blueprint, describe
    from app.cli.api import api_cli
    from app.extensions import csrf

    app.config.setdefault("API_TITLE", "Permit API")
    app.config.setdefault("API_VERSION", "1.0.0")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", URL_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = PermitApi(app)
    describe(api)
    api.register_blueprint(blueprint)
    # Bearer tokens only: a browser cannot be made to send one, so no CSRF token either.
    csrf.exempt(blueprint)
    # Registered here rather than in register_commands: the API's command belongs with it.
    app.cli.add_command(api_cli)


def current_api(app: Flask) -> Api:
    """`app`'s flask-smorest Api."""
    return app.extensions["flask-smorest"]["apis"][""]["ext_obj"]  # type: ignore[no-any-return]


def openapi_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI document `app` serves at /api/v1/openapi.json."""
    return current_api(app).spec.to_dict()  # type: ignore[no-any-return]
