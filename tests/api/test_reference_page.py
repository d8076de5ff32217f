"""The API reference in the web app: the generated document drawn with GOV.UK components,
for signed-in people, with no script or style of its own (our CSP allows neither)."""

from __future__ import annotations

import re

from app.web.openapi import openapi_document
from app.web.problems import all_problem_types

PAGE = "/account/api-reference"


def test_every_operation_of_the_document_is_on_the_page(world, client_for, app):
    response = client_for(world.officer).get(PAGE)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    document = openapi_document(app)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert f"<code>{path}</code>" in page, path
            assert operation["summary"].replace("'", "&#39;") in page, operation["summary"]
    for scope in ("requests:read", "requests:write", "decisions:write", "audit:read"):
        assert f"<code>{scope}</code>" in page
    for problem in all_problem_types():
        assert problem.uri in page
    # The body of a new decision, field by field.
    assert "<code>outcome</code>" in page and "<code>If-Match (header)</code>" in page


def test_the_page_brings_no_script_or_style_of_its_own(world, client_for):
    page = client_for(world.auditor).get(PAGE).get_data(as_text=True)
    scripts = re.findall(r"<script[^>]*>", page)
    # Only the GOV.UK template's own two, each with the response's nonce.
    assert len(scripts) == 2 and all("nonce=" in tag for tag in scripts)
    assert "style=" not in page
    assert "http://" not in page.replace("http://www.w3.org", "")


def test_a_signed_out_person_is_sent_to_sign_in(client, world):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
