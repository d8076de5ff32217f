"""PostgreSQL unreachable for 30 seconds under load, then back: a gunicorn instance whose
DATABASE_URL points at a TCP proxy in front of the server (tools/tcp_proxy.py), which the
test cuts (open connections dropped, new ones refused) and restores.

While it is cut: /readyz answers 503; a signed-in page answers 503 with the service's
"Sorry, there is a problem with the service" page and no traceback; the API answers a 503
problem (application/problem+json); every call fails fast, and none is a 500. Once the
database is back the same instance, never restarted, answers again by itself, and
nothing it acknowledged before, during or after the cut is lost or half written.

tests/health/test_database_outage.py checks the same answers in one process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import instances
import pytest
from tcp_proxy import TcpProxy

from tests.faults.deployment import (
    Deployment,
    api,
    check_everything_acknowledged_is_kept,
    check_nothing_half_written,
    loaded,
    signed_in,
)

pytestmark = pytest.mark.faults

CUT_SECONDS = 30.0
SORRY = "Sorry, there is a problem with the service"
#: Longest a call may take while the database is away (psycopg's connect_timeout is 5 s).
FAIL_FAST_SECONDS = 6.0


def test_postgresql_away_for_30_seconds_is_503_then_recovers_by_itself(deployment: Deployment):
    cast = deployment.cast(approvers=5, requests=250)
    reference = cast["requests"][0]
    with TcpProxy([(deployment.server.host, deployment.server.port)]) as proxy:
        through_proxy = deployment.server.url_of(deployment.database, port=proxy.port)
        server = deployment.instance("a", workers=2, database_url=through_proxy)
        master = server.pid
        browser = signed_in(server.port, cast["approvers"][0]["cookie"])
        token = cast["approvers"][0]["token"]

        def probe() -> dict[str, Any]:
            """/readyz, a signed-in page, an API call; and the longest any of them took."""
            took = []

            def timed(call: Callable[[], Any]) -> Any:
                started = time.monotonic()
                answer = call()
                took.append(time.monotonic() - started)
                return answer

            return {
                "readyz": timed(lambda: instances.get(server.port, "/readyz")[0]),
                "page": timed(lambda: browser.call("GET", "/review/")),
                "api": timed(
                    lambda: api(server.port, "GET", f"/api/v1/requests/{reference}", token)
                ),
                "took": max(took),
            }

        assert instances.get(server.port, "/readyz")[0] == 200
        with loaded([server.port], cast) as load:
            time.sleep(2)
            proxy.cut()
            cut = time.monotonic()
            probes = []
            while time.monotonic() < cut + CUT_SECONDS:
                probes.append(probe())
                time.sleep(1)
            proxy.restore()
            restored = time.monotonic()
            while instances.get(server.port, "/readyz")[0] != 200:
                assert time.monotonic() < restored + 30, "not ready 30 s after the database"
                time.sleep(0.1)
            ready = time.monotonic()
            back = probe()
            time.sleep(2)
            acks = load.stop()

    for seen in probes:
        page, problem = seen["page"], seen["api"]
        assert seen["readyz"] == 503, seen
        assert page.status == 503, (page.status, page.text[:500])
        assert SORRY in page.text and "Try again later." in page.text
        assert "Traceback" not in page.text and "psycopg" not in page.text
        assert problem.status == 503, problem.text
        assert problem.headers.get_content_type() == "application/problem+json"
        assert problem.json()["status"] == 503
        assert problem.json()["type"].endswith("/service-unavailable")
        assert "Traceback" not in problem.text
    slowest = max(seen["took"] for seen in probes)
    assert slowest < FAIL_FAST_SECONDS, f"a call took {slowest:.1f} s while the database was away"

    during = acks.statuses(cut, restored)
    assert 503 in during, during
    assert not set(during) - {200, 201, 302, 503}, f"answers while cut: {during}"
    everything = acks.statuses()
    assert not {status for status in everything if status >= 500} - {503}, everything
    assert 0 not in everything, "a call got no answer: the instance fell over"

    # The same instance, never restarted, answers again by itself.
    assert server.pid == master and server.starts == 1
    assert back["readyz"] == 200 and back["page"].status == 200 and back["api"].status == 200
    after = acks.statuses(ready)
    assert after.get(200, 0) and after.get(201, 0) and after.get(302, 0), after

    check_everything_acknowledged_is_kept(deployment, acks)
    check_nothing_half_written(deployment)
    verified = deployment.verify_chain()
    assert verified.startswith("Audit chain OK"), verified
    print(
        f"database cut {CUT_SECONDS:g} s: {len(probes)} probes all 503 (slowest call"
        f" {slowest:.2f} s); load answers while cut {during}; ready {ready - restored:.2f} s"
        f" after the database came back; {len(acks.decisions)} decisions and"
        f" {len(acks.created)} requests acknowledged, all kept; {verified}"
    )
