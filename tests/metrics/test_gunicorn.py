"""Real gunicorn, started as production starts it (gunicorn.conf.py) with two workers: the
metrics on their private address add up both workers' requests, read the database's state
from the master, and the public address has no /metrics."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from app.extensions import db
from tests.metrics.support import REQUESTS, samples

ROOT = Path(__file__).resolve().parent.parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
#: What the TLS proxy in front adds (PERMIT_PROXY_HOPS=1), so production answers over http.
FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.10"}
SENT = 20

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def wait_for(port: int, path: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn stopped:\n{log.read_text()[-3000:]}")
        try:
            if get(port, path, FORWARDED)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"nothing answered {path} on {port}:\n{log.read_text()[-3000:]}")


@pytest.fixture
def gunicorn(database_url: str, tmp_path: Path) -> Iterator[tuple[int, int, Path]]:
    """gunicorn -c gunicorn.conf.py -w 2 on the test database: (public port, metrics
    port, its log)."""
    public, metrics = free_port(), free_port()
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PERMIT_", "GUNICORN_", "METRICS_", "PROMETHEUS_", "FLASK_"))
        and name not in ("DATABASE_URL", "SECRET_KEY", "XDG_RUNTIME_DIR", "WEB_CONCURRENCY")
    }
    env = {
        **inherited,
        "HOME": str(tmp_path),  # where gunicorn 27 would put a default control socket
        "PERMIT_ENV": "production",
        "PERMIT_ALLOW_SQLITE": "1",
        "SECRET_KEY": "a-secret-key-for-this-test-only-" + "x" * 16,
        "DATABASE_URL": database_url,
        "PERMIT_PROXY_HOPS": "1",
        "RATELIMIT_STORAGE_URI": "memory://",
        "GUNICORN_BIND": f"127.0.0.1:{public}",
        "GUNICORN_WORKERS": "2",
        "METRICS_BIND": f"127.0.0.1:{metrics}",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [GUNICORN, "-c", str(ROOT / "gunicorn.conf.py")],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )
    try:
        wait_for(metrics, "/metrics", process, log)
        wait_for(public, "/readyz", process, log)
        yield public, metrics, log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_metrics_add_up_every_worker_and_stay_off_the_public_address(world, gunicorn, tmp_path):
    world.submitted()
    db.session.commit()
    public, metrics, log = gunicorn
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: get(public, "/healthz", FORWARDED)[0], range(SENT)))
    assert answers == [200] * SENT

    status, text = get(metrics, "/metrics")
    assert status == 200
    scraped = samples(text)
    healthz = frozenset({"endpoint": "health.healthz", "method": "GET", "status": "200"}.items())
    assert scraped[(REQUESTS, healthz)] == SENT
    # The database's state, read by the master: once, not once per worker.
    assert scraped[("permit_requests_in_review", frozenset({("stage", "security")}))] == 1
    assert scraped[("permit_database_up", frozenset())] == 1

    status, body = get(public, "/metrics", FORWARDED)
    assert status in (302, 404)  # signed out, sent to sign in, as for any page
    assert "permit_http_request" not in body

    lines = [line for line in log.read_text().splitlines() if line.strip()]
    assert lines and all(json.loads(line) for line in lines), "a log line is not JSON"
    assert not any('"/healthz"' in line and "gunicorn.access" in line for line in lines)
    assert not (tmp_path / ".gunicorn").exists(), "gunicorn made a shared control socket"
