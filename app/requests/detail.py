"""The request page, for everyone who may see the request. Placeholder."""

from __future__ import annotations

from flask import render_template

from app.requests import blueprint
from app.requests.loading import load_request


@blueprint.get("/<reference>")
def show(reference: str) -> str:
    access_request = load_request(reference)
    return render_template("requests/show.html", access_request=access_request)
