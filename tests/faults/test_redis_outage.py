"""Redis unreachable: what the rate limiter does (app/web/throttle.py says why).

A gunicorn instance keeps its rate-limit counts in Redis through a TCP proxy
(tools/tcp_proxy.py), which the test cuts and restores. While Redis is away, Flask-Limiter
falls back to counting in the worker's memory: the sign-in page still answers (no 500),
the limit per client address still bites (the N+1st wrong password from one address is a
429), a right password still signs in, and the log says it fell back. Once Redis is back
the worker goes back to the shared counts by itself.

One worker, so that its memory holds every count: with several, each counts alone.
"""

from __future__ import annotations

import secrets
import time

import pytest
import redis
from limits import parse_many
from permit_client import Browser, csrf_token
from tcp_proxy import TcpProxy

from config import Config
from tests.faults.deployment import OFFICER, PASSWORD, Deployment

pytestmark = pytest.mark.faults

#: The sign-in limit per client address, as configured ("30 per minute;300 per hour").
PER_ADDRESS = min(item.amount for item in parse_many(Config.RATELIMIT_SIGN_IN_PER_ADDRESS))
FELL_BACK = "Rate limit storage unreachable - falling back to in-memory storage"
RECOVERED = "Rate limit storage recovered"


def sign_in(
    port: int, address: str, *, email: str = "", password: str = "wrong"
) -> tuple[int, float]:
    """One sign-in from `address` (X-Forwarded-For, read by ProxyFix: PERMIT_PROXY_HOPS=1),
    by default a wrong password for an address nobody has; the status and seconds taken."""
    browser = Browser(port)
    page = browser.call("GET", "/sign-in")
    assert page.status == 200, page.status
    email = email or f"nobody-{secrets.token_hex(4)}@example.gov.uk"
    form = [("csrf_token", csrf_token(page)), ("email", email), ("password", password)]
    started = time.monotonic()
    answer = browser.call("POST", "/sign-in", form=form, headers={"X-Forwarded-For": address})
    return answer.status, time.monotonic() - started


def test_redis_away_keeps_sign_in_limited_in_memory_then_shares_again(deployment: Deployment):
    store = redis.Redis(host="127.0.0.1", port=6379, db=deployment.redis_db)

    def counted_in_redis(address: str) -> bool:
        return any(address.encode() in key for key in store.scan_iter(count=1000))

    with TcpProxy([("127.0.0.1", 6379)]) as proxy:
        redis_url = f"redis://127.0.0.1:{proxy.port}/{deployment.redis_db}"
        server = deployment.instance("a", workers=1, redis_url=redis_url)
        port = server.port
        log = deployment.folder / "a.log"

        assert sign_in(port, "203.0.113.1")[0] == 200
        assert counted_in_redis("203.0.113.1"), "the counts are not in Redis to begin with"

        proxy.cut()
        attempts = [sign_in(port, "203.0.113.2") for _ in range(PER_ADDRESS + 1)]
        statuses = [status for status, _ in attempts]
        assert statuses == [200] * PER_ADDRESS + [429], statuses
        assert sign_in(port, "203.0.113.3", email=OFFICER, password=PASSWORD)[0] == 302
        assert FELL_BACK in log.read_text()
        first = attempts[0][1]
        usual = sorted(took for _, took in attempts)[len(attempts) // 2]

        proxy.restore()
        restored = time.monotonic()
        address = ""
        for number in range(200):
            address = f"203.0.113.{10 + number % 200}"
            assert sign_in(port, address)[0] == 200
            if counted_in_redis(address):
                break
            assert time.monotonic() < restored + 60, "the shared counts were not used again"
            time.sleep(0.5)
        shared = time.monotonic() - restored
        assert RECOVERED in log.read_text()
        assert "Traceback" not in log.read_text()

    print(
        f"Redis cut: {PER_ADDRESS} wrong passwords from one address answered 200, the next"
        f" 429 (counted in memory); the first call after the cut took {first:.2f} s (usually"
        f" {usual:.2f} s); the shared counts in Redis were used again {shared:.1f} s after"
        f" Redis came back"
    )
