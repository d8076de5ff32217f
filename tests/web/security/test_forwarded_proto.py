"""Whether a request came over HTTPS is decided once, by the proxy setting: with
`PERMIT_PROXY_HOPS` at 0 an `X-Forwarded-Proto` header is a client's claim and changes
nothing; with hops set, the configured proxies' value is believed, by ProxyFix and by
Talisman's HSTS and HTTPS redirect alike."""

from __future__ import annotations

import pytest
from flask import Flask

from app import create_app
from config import TestConfig as PermitConfig

pytestmark = pytest.mark.asvs("9.1.1", "14.4.5")

PLAIN_HTTP = "http://permit.example"
FORWARDED_HTTPS = {"X-Forwarded-Proto": "https"}


def production_like(database_url: str, hops: int) -> Flask:
    """HTTPS forced and HSTS on, as with PERMIT_ENV=production, behind `hops` proxies."""
    config = PermitConfig(database_url)
    config.FORCE_HTTPS = True
    config.PROXY_FIX_HOPS = hops
    return create_app(config)


def test_without_a_proxy_a_forwarded_https_is_ignored(database_url):
    client = production_like(database_url, hops=0).test_client()
    plain = client.get("/sign-in", base_url=PLAIN_HTTP)
    claimed = client.get("/sign-in", base_url=PLAIN_HTTP, headers=FORWARDED_HTTPS)
    assert "Strict-Transport-Security" not in claimed.headers
    assert (claimed.status_code, claimed.headers.get("Location")) == (
        plain.status_code,
        plain.headers.get("Location"),
    )
    assert claimed.status_code == 302
    assert claimed.headers["Location"].startswith("https://permit.example/")


def test_behind_one_proxy_its_forwarded_https_is_believed(database_url):
    client = production_like(database_url, hops=1).test_client()
    response = client.get("/sign-in", base_url=PLAIN_HTTP, headers=FORWARDED_HTTPS)
    assert response.status_code == 200
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_a_forwarded_https_from_fewer_proxies_than_configured_is_ignored(database_url):
    # Two proxies trusted but one value: ProxyFix believes none of it, and so must Talisman.
    client = production_like(database_url, hops=2).test_client()
    response = client.get("/sign-in", base_url=PLAIN_HTTP, headers=FORWARDED_HTTPS)
    assert "Strict-Transport-Security" not in response.headers
    assert response.status_code == 302
    assert response.headers["Location"].startswith("https://permit.example/")
