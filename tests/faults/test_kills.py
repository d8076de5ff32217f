"""kill -9 under load: of one gunicorn worker (its master forks another), then of the
whole server (master and workers at once, as a crashed machine; the test starts it again).
A few threads decide requests through the API and the decision page and create requests
through the API all the while, recording every acknowledgement (2xx).

Afterwards every acknowledged decision and request is in the database, nothing is half
written (each decision has its audit event, each request its creation event and the
stage its decisions put it at), the chain verifies, and the service answers again.
A call cut off by the kill gets no answer at all: never a 5xx.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable

import instances
import pytest

from tests.faults.deployment import (
    Acknowledged,
    Deployment,
    check_everything_acknowledged_is_kept,
    check_nothing_half_written,
    loaded,
)

pytestmark = pytest.mark.faults

#: Seconds of load before the first kill.
BEFORE = 2.5
#: The writes the load makes: after each kill, each must be acknowledged again (within
#: AGAIN seconds) before the test goes on.
WRITES = ("decide", "decide on the web", "create")
AGAIN = 30.0


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic()
        time.sleep(0.05)
    raise AssertionError(f"{what} within {timeout:g} s")


def acknowledged(acks: Acknowledged, since: float, until: float = float("inf")) -> dict:
    """How many of each write were acknowledged between `since` and `until`."""
    counts: dict[str, int] = {}
    with acks.lock:
        answers = list(acks.answers)
    for at, what, status in answers:
        if since <= at < until and 200 <= status < 400 and what in WRITES:
            counts[what] = counts.get(what, 0) + 1
    return counts


def every_write_again(acks: Acknowledged, since: float) -> float:
    """Wait until every kind of write has been acknowledged since `since`; when it was."""
    return wait_for(
        lambda: set(acknowledged(acks, since)) == set(WRITES),
        timeout=AGAIN,
        what="every kind of write acknowledged again",
    )


def test_kill_9_of_a_worker_then_of_the_whole_server_loses_nothing_acknowledged(
    deployment: Deployment,
):
    cast = deployment.cast(approvers=5, requests=200)
    server = deployment.instance("a", workers=2)
    with loaded([server.port], cast) as load:
        time.sleep(BEFORE)
        # One worker: its master sees it die and forks another.
        workers = server.worker_pids()
        assert len(workers) == 2
        os.kill(workers[0], signal.SIGKILL)
        killed = time.monotonic()
        respawned = wait_for(
            lambda: len(server.worker_pids()) == 2 and workers[0] not in server.worker_pids(),
            timeout=30,
            what="gunicorn forks a new worker",
        )
        every_write_again(load.acks, respawned)
        # The whole server, master and workers at once; then started again on its port.
        server.kill()
        crashed = time.monotonic()
        with pytest.raises(OSError):
            instances.get(server.port, "/healthz", timeout=1)
        server.start()
        restarted = time.monotonic()
        every_write_again(load.acks, restarted)
        acks = load.stop()

    errors = {status: n for status, n in acks.statuses().items() if status >= 500}
    assert not errors, f"5xx answers: {errors}"
    after_worker = acknowledged(acks, respawned, crashed)
    after_server = acknowledged(acks, restarted)
    check_everything_acknowledged_is_kept(deployment, acks)
    check_nothing_half_written(deployment)
    verified = deployment.verify_chain()
    assert verified.startswith("Audit chain OK"), verified
    print(
        f"kill -9: a new worker forked {respawned - killed:.2f} s after its kill, the server"
        f" restarted in {restarted - crashed:.2f} s; acknowledged after the worker's kill"
        f" {after_worker}, after the restart {after_server}; {len(acks.decisions)} decisions"
        f" and {len(acks.created)} requests acknowledged in all, every one kept;"
        f" {acks.statuses().get(0, 0)} calls got no answer (cut off or refused); {verified}"
    )
