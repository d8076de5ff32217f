"""The JSON API at /api/v1: the same operations as the screens, for departments' own tools
and the auditors' SIEM, described by an OpenAPI 3.1 document generated from the code
(flask-smorest) and served at /api/v1/openapi.json.

Callers authenticate with a personal API token (`Authorization: Bearer permit_...`,
app.api.auth); the browser's session cookie is never accepted here, so there is no CSRF
surface. Every error is application/problem+json (app.web.problems). Modules by resource:
requests.py, decisions.py, revisions.py, audit.py, with their schemas in schemas.py, and
admin.py for admin tokens, with admin_schemas.py;
blueprint.py holds the blueprint, this app's Api and the checks before every view;
etags.py the If-Match rules; writes.py runs each change as one unit of work with its
idempotency key (idempotency.py) and the token's audit event.

Where the API lives (`API_URL_PREFIX`, `is_api_request`) is in app.web.client, which the
guards and error pages read too; the document, as the account's API reference reads it,
through app.web.openapi.
"""

from __future__ import annotations

from flask import Flask

from app.web.client import API_URL_PREFIX


def init_api(app: Flask) -> None:
    """Build this app's own flask-smorest Api and register the API blueprint on it.

    One Api per app: flask-smorest keeps the app and its spec on the Api object, so a
    module-level one shared by the several apps a test run makes would mix them up.
    """
    from app.api import admin, audit, decisions, requests, revisions  # noqa: F401  (routes)
    from app.api.blueprint import PermitApi, blueprint, describe
    from app.extensions import csrf

    app.config.setdefault("API_TITLE", "Permit API")
    app.config.setdefault("API_VERSION", "1.0.0")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_URL_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = PermitApi(app)
    describe(api)
    api.register_blueprint(blueprint)
    # Bearer tokens only: a browser cannot be made to send one, so no CSRF token either.
    csrf.exempt(blueprint)
