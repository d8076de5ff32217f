"""Refuse request bodies the screens never send, before any view reads them.

Every state change on the screens is an HTML form post, so a body of any other type
(JSON, XML, text) is someone else's tool talking to the wrong door: 415, nothing read,
nothing changed (ASVS 13.2.5). Paths under /api/ (the JSON API) check their own body
types, including paths no API view answers: those get the API's 404 problem, not a 415.
"""

from __future__ import annotations

from flask import Flask, abort, request

from app.web.client import is_api_request

#: What an HTML form posts.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def refuse_unexpected_content_type() -> None:
    """415 for a body of a type no form sends, on any path outside the API."""
    # By path, not blueprint: an unknown /api/ path has no blueprint but is still the API's.
    if request.method not in BODY_METHODS or is_api_request():
        return
    has_body = bool(request.content_length) or request.headers.get("Transfer-Encoding")
    if (has_body or request.mimetype) and request.mimetype not in FORM_TYPES:
        abort(415)


def init_app(app: Flask) -> None:
    app.before_request(refuse_unexpected_content_type)
