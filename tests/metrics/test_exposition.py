"""METRICS_BIND as operators write it."""

from __future__ import annotations

import pytest

from app.metrics.exposition import parse_bind


@pytest.mark.parametrize(
    ("bind", "address"),
    [
        ("127.0.0.1:9464", ("127.0.0.1", 9464)),
        ("[::1]:9464", ("::1", 9464)),
        ("localhost:9464", ("localhost", 9464)),
    ],
)
def test_an_address_and_a_port(bind, address):
    assert parse_bind(bind) == address


@pytest.mark.parametrize("bind", ["9464", "127.0.0.1", "127.0.0.1:port", ":9464"])
def test_anything_else_names_the_setting(bind):
    with pytest.raises(ValueError, match="METRICS_BIND"):
        parse_bind(bind)
