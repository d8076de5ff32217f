"""Small helpers every web view shares: who the client is, per-request values, safe redirects.

Per-request values live in `flask.g`, which Flask makes new for every request. (A test
that keeps an app context pushed shares one `g` across its requests: the test client in
tests/web/client.py clears it before each request, as a real server would.)
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from flask import g, request

from app.audit.chain import Client

#: Where the JSON API lives. Paths under API_PATH_PREFIX never use the session cookie.
API_URL_PREFIX = "/api/v1"
API_PATH_PREFIX = "/api/"


def is_api_request() -> bool:
    """True for a request to a path under /api/: it carries its own Bearer token, and its
    errors are problem documents, not pages."""
    return request.path.startswith(API_PATH_PREFIX)


def correlation_id() -> str:
    """This request's id (uuid4 hex), written into every audit event it causes."""
    if "correlation_id" not in g:
        g.correlation_id = uuid.uuid4().hex
    return g.correlation_id  # type: ignore[no-any-return]


def client_from_request() -> Client:
    """The audit chain's view of where this request came from: for an API call, with the
    token it came with (never the token itself: its id, prefix and name)."""
    token = g.get("api_token")
    used = None
    if token is not None:
        used = {
            "token_id": token.id,
            "prefix": token.prefix,
            "name": token.name,
            "method": request.method,
            "route": request.url_rule.rule if request.url_rule else request.path,
        }
    return Client(address=request.remote_addr, correlation_id=correlation_id(), api_token=used)


def safe_next_path(value: str | None) -> str | None:
    """`value` if it is a path on this site (like /requests/7?tab=history), else None.

    Refuses anything a browser could take off-site: a scheme or host (https://evil,
    //evil), a backslash (browsers read /\\evil as //evil), and control characters.
    """
    if not value or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value
