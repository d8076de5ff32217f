"""The Pwned Passwords check (k-anonymity) against a local range server: what leaves the
service, what comes back, and what happens when the service cannot answer."""

from __future__ import annotations

import logging
import re

import pytest

from app.security.password_policy import BREACHED, is_breached, password_problems
from tests.passwords.conftest import sha1_hex

pytestmark = pytest.mark.asvs("2.1.7")

PASSWORD = "violet harbour quietly"


def test_only_the_first_five_hex_characters_of_the_sha1_leave_the_service(range_server):
    is_breached(PASSWORD, range_server.url)

    [path] = range_server.paths
    sent = path.removeprefix("/range/")
    assert re.fullmatch(r"[0-9A-F]{5}", sent)
    assert sent == sha1_hex(PASSWORD)[:5]
    assert sha1_hex(PASSWORD)[5:] not in path
    assert PASSWORD not in path


def test_padding_is_asked_for(range_server):
    is_breached(PASSWORD, range_server.url)
    [headers] = range_server.headers
    assert headers.get("Add-Padding") == "true"


def test_a_suffix_in_the_response_means_breached(range_server):
    range_server.add(PASSWORD, count=3)
    assert is_breached(PASSWORD, range_server.url) is True
    assert password_problems(PASSWORD, pwned_url=range_server.url) == [BREACHED]


def test_a_password_not_in_the_response_is_not_breached(range_server):
    range_server.add("another password entirely")
    assert is_breached(PASSWORD, range_server.url) is False
    assert password_problems(PASSWORD, pwned_url=range_server.url) == []


def test_padding_lines_with_a_count_of_zero_do_not_count(range_server):
    range_server.add(PASSWORD, count=0)
    assert is_breached(PASSWORD, range_server.url) is False


def test_a_weak_password_is_refused_without_asking_the_service(range_server):
    password_problems("Password1234", pwned_url=range_server.url)
    password_problems("short", pwned_url=range_server.url)
    assert range_server.paths == []


def test_when_the_service_is_down_the_password_is_accepted_with_a_warning(range_server, caplog):
    url = range_server.url
    range_server.stop()  # nothing listens on that port now

    with caplog.at_level(logging.WARNING, logger="permit.passwords"):
        problems = password_problems(PASSWORD, pwned_url=url)

    assert problems == []
    [record] = [r for r in caplog.records if r.name == "permit.passwords"]
    assert record.levelno == logging.WARNING
    assert "Pwned Passwords check unavailable" in record.getMessage()
    logged = repr(record.__dict__)
    assert PASSWORD not in logged
    assert sha1_hex(PASSWORD)[:5] not in logged  # not even the prefix sent
    assert sha1_hex(PASSWORD)[:5].lower() not in logged


def test_when_the_service_is_slow_the_password_is_accepted_with_a_warning(range_server, caplog):
    range_server.add(PASSWORD)
    range_server.delay = 1.0

    with caplog.at_level(logging.WARNING, logger="permit.passwords"):
        problems = password_problems(PASSWORD, pwned_url=range_server.url, pwned_timeout=0.2)

    assert problems == []
    assert any("unavailable" in r.getMessage() for r in caplog.records)
