"""Sign-in is rate limited per client address and per account (Flask-Limiter), with the
counters in Redis when configured so that every instance shares them; the client address
comes from ProxyFix with a set number of hops, never from a header taken on trust."""

from __future__ import annotations

import uuid

import pytest
import redis
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import AuditEvent
from config import TestConfig as PermitConfig
from tests import optional
from tests.web.client import make_client, sign_in

REDIS_URL = "redis://127.0.0.1:6379/0"

pytestmark = pytest.mark.asvs("2.2.1", "11.1.4")


def attempts(client, email: str, times: int, **kwargs) -> list[int]:
    return [
        sign_in(client, email, "wrong-password-guess", **kwargs).status_code for _ in range(times)
    ]


def test_one_account_tried_too_often_gets_429_with_retry_after(app, client, world):
    app.config["RATELIMIT_SIGN_IN_PER_ACCOUNT"] = "3 per minute"
    try:
        codes = attempts(client, world.officer.email, 4)
        response = sign_in(client, world.officer.email, "wrong-password-guess")
    finally:
        app.config["RATELIMIT_SIGN_IN_PER_ACCOUNT"] = PermitConfig.RATELIMIT_SIGN_IN_PER_ACCOUNT
    assert codes == [200, 200, 200, 429]
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many attempts" in response.get_data(as_text=True)
    # Refused before the password was checked: only three failures reached the trail.
    failures = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "sign_in_failed")
    ).all()
    assert len(failures) == 3


def test_the_account_limit_holds_whichever_address_the_attempts_come_from(app, world):
    app.config["RATELIMIT_SIGN_IN_PER_ACCOUNT"] = "3 per minute"
    try:
        codes = [
            attempts(
                make_client(app), world.officer.email, 1, environ_base={"REMOTE_ADDR": address}
            )[0]
            for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4")
        ]
    finally:
        app.config["RATELIMIT_SIGN_IN_PER_ACCOUNT"] = PermitConfig.RATELIMIT_SIGN_IN_PER_ACCOUNT
    assert codes == [200, 200, 200, 429]


def test_one_address_trying_many_accounts_is_limited_too(app, client, world):
    app.config["RATELIMIT_SIGN_IN_PER_ADDRESS"] = "3 per minute"
    try:
        codes = [attempts(client, f"person{n}@example.gov.uk", 1)[0] for n in range(4)]
    finally:
        app.config["RATELIMIT_SIGN_IN_PER_ADDRESS"] = PermitConfig.RATELIMIT_SIGN_IN_PER_ADDRESS
    assert codes == [200, 200, 200, 429]


def test_showing_the_sign_in_page_is_not_limited(app, client, world):
    app.config["RATELIMIT_SIGN_IN_PER_ADDRESS"] = "2 per minute"
    try:
        codes = {client.get("/sign-in").status_code for _ in range(5)}
    finally:
        app.config["RATELIMIT_SIGN_IN_PER_ADDRESS"] = PermitConfig.RATELIMIT_SIGN_IN_PER_ADDRESS
    assert codes == {200}


@pytest.fixture
def redis_apps(database_url):
    """Two app instances, as two servers would be, sharing counters in the real Redis."""
    optional.REDIS.skip_unless_available()
    server = redis.Redis.from_url(REDIS_URL)
    prefix = f"permit-test-{uuid.uuid4().hex}"
    apps = []
    for _ in range(2):
        config = PermitConfig(database_url)
        config.RATELIMIT_STORAGE_URI = REDIS_URL
        config.RATELIMIT_KEY_PREFIX = prefix
        config.RATELIMIT_SIGN_IN_PER_ACCOUNT = "3 per minute"
        apps.append(create_app(config))
    yield apps
    for key in server.scan_iter(f"*{prefix}*"):
        server.delete(key)


def test_with_redis_two_instances_share_one_count(app, world, redis_apps):
    first, second = redis_apps
    email = world.officer.email
    db.session.commit()  # SQLite: let the other instances write
    codes = []
    for instance in (first, second, first, second):
        with instance.app_context():
            codes.append(attempts(make_client(instance), email, 1)[0])
    assert codes == [200, 200, 200, 429]


def test_behind_one_proxy_the_address_is_the_one_the_proxy_saw(database_url, world):
    email = world.officer.email
    db.session.commit()  # SQLite: let the other instance write
    config = PermitConfig(database_url)
    config.PROXY_FIX_HOPS = 1
    proxied = create_app(config)
    with proxied.app_context():
        client = make_client(proxied)
        # A client can put anything in X-Forwarded-For; only the last entry (added by
        # our proxy) is believed.
        headers = {"X-Forwarded-For": "203.0.113.9, 198.51.100.7"}
        sign_in(client, email, "wrong-password-guess", headers=headers)
        address = db.session.scalar(select(AuditEvent.client_address))
    assert address == "198.51.100.7"


def test_without_a_proxy_forwarded_headers_are_ignored(app, client, world):
    sign_in(client, world.officer.email, "wrong", headers={"X-Forwarded-For": "203.0.113.9"})
    assert db.session.scalar(select(AuditEvent.client_address)) == "127.0.0.1"
