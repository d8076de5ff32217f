"""The request page, `/requests/<reference>`: its contents are app.reads.request_page's."""

from __future__ import annotations

from flask import Response, make_response, render_template
from flask_login import current_user

from app.reads.request_page import request_page
from app.reads.requests import load_request
from app.screens.requests import blueprint


@blueprint.get("/<reference>")
def show(reference: str) -> Response:
    access_request = load_request(reference, current_user)
    page = request_page(access_request, current_user)
    response = make_response(render_template("requests/show.html", page=page))
    # The page shows who decided what: keep it out of shared and browser caches.
    response.headers["Cache-Control"] = "no-store"
    return response
