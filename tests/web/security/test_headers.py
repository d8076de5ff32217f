"""Security headers on every response (Flask-Talisman) and no caching of pages."""

from __future__ import annotations

import re

import pytest

from app import create_app
from config import TestConfig as PermitConfig
from tests.web.client import sign_in


def policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {
        part.strip().split(" ", 1)[0]: part.strip().split(" ", 1)[1]
        for part in header.split(";")
        if part.strip()
    }


@pytest.mark.asvs("14.4.3", "14.4.6", "14.4.7", "14.4.4", "14.4.5")
@pytest.mark.parametrize("path", ["/sign-in", "/healthz", "/no-such-page"])
def test_every_response_carries_the_security_headers(client, world, path):
    response = client.get(path)
    csp = policy(response)
    assert csp["default-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.asvs("14.4.3")
def test_the_inline_script_is_allowed_by_this_responses_nonce_only(client, world):
    response = client.get("/sign-in")
    html = response.get_data(as_text=True)
    nonce = re.search(r"'nonce-([^']+)'", policy(response)["script-src"]).group(1)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline)
    assert policy(client.get("/sign-in"))["script-src"] != policy(response)["script-src"]


@pytest.mark.asvs("8.2.1")
def test_pages_with_request_content_are_never_cached(client_for, world):
    request = world.submitted()
    client = client_for(world.officer)
    for path in ("/requests/", f"/requests/{request.reference}", "/sign-in"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


@pytest.mark.asvs("14.4.5", "9.1.1")
def test_production_sends_hsts_and_sends_plain_http_to_https(database_url, monkeypatch):
    config = PermitConfig(database_url)
    config.FORCE_HTTPS = True
    app = create_app(config)
    client = app.test_client()
    redirect = client.get("/sign-in", base_url="http://permit.example")
    assert redirect.status_code == 302
    assert redirect.headers["Location"].startswith("https://permit.example/")
    secure = client.get("/healthz", base_url="https://permit.example")
    hsts = secure.headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31_536_000  # a year


def test_development_sends_no_hsts(client, world):
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers


def test_signing_in_keeps_the_headers(client, world):
    response = sign_in(client, world.officer, follow_redirects=True)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.asvs("13.2.5")
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", '{"email": "a@example.gov.uk", "password": "x"}'),
        ("text/plain", "email=a@example.gov.uk"),
        ("application/xml", "<sign-in/>"),
    ],
)
def test_a_post_that_is_not_a_form_is_refused_unread(client, world, content_type, body):
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import AuditEvent

    response = client.post("/sign-in", data=body, content_type=content_type)
    assert response.status_code == 415
    assert "This page only accepts forms" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
