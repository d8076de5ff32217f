"""Refuse request bodies the screens never send, before any view reads them.

Every state change on the screens is an HTML form post, so a body of any other type
(JSON, XML, text) is someone else's tool talking to the wrong door: 415, nothing read,
nothing changed (ASVS 13.2.5). Blueprints with their own body types (a JSON API) are
listed in OWN_CONTENT_TYPES and check their own.
"""

from __future__ import annotations

from flask import Flask, abort, request

#: What an HTML form posts.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
#: Blueprints that accept other body types and check them themselves.
OWN_CONTENT_TYPES: frozenset[str] = frozenset({"api"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def refuse_unexpected_content_type() -> None:
    if request.method not in BODY_METHODS or request.blueprint in OWN_CONTENT_TYPES:
        return
    has_body = bool(request.content_length) or request.headers.get("Transfer-Encoding")
    if (has_body or request.mimetype) and request.mimetype not in FORM_TYPES:
        abort(415)


def init_app(app: Flask) -> None:
    app.before_request(refuse_unexpected_content_type)
