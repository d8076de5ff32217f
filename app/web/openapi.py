"""The API's OpenAPI document, for the faces that show it (the account's API reference)
without importing the API: flask-smorest keeps each app's Api in `app.extensions`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask

if TYPE_CHECKING:
    from flask_smorest import Api


def current_api(app: Flask) -> Api:
    """`app`'s flask-smorest Api (app.api.init_api made it)."""
    return app.extensions["flask-smorest"]["apis"][""]["ext_obj"]  # type: ignore[no-any-return]


def openapi_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI document `app` serves at /api/v1/openapi.json."""
    return current_api(app).spec.to_dict()  # type: ignore[no-any-return]
