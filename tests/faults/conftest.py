"""Fault tests (issue 18): real gunicorn instances on PostgreSQL and Redis, and what they
do when a worker or the whole server is killed, or the database or Redis goes away.

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m pytest -m faults tests/faults -p no:randomly -n 0

Every test is marked `faults`, and skipped unless the run selects them (`-m faults`)
and has TEST_DATABASE_URL (the server their databases are made on) and a Redis on
127.0.0.1:6379. `make test` leaves them out (`-m "not faults"`); `make test-faults` runs
them, one at a time (`-n 0`: each starts gunicorn instances of its own, and the timings
mean something only on a machine not busy with other tests).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# tools/: the instances, the TCP proxy and the client that bench/ and prod-check use too.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

import instances
import redis

from tests.faults.deployment import (
    PASSWORD,
    Deployment,
    Server,
    claim_redis_database,
    release_redis_database,
)

NEEDS = "fault tests need PostgreSQL and Redis: set TEST_DATABASE_URL (any database on the server)"
ON_THEIR_OWN = "fault tests run on their own, for minutes: make test-faults (pytest -m faults)"


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def server(pytestconfig: pytest.Config) -> Server:
    if "faults" not in (pytestconfig.getoption("markexpr") or ""):
        pytest.skip(ON_THEIR_OWN)  # never inside `make test`, even when not deselected there
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgres") or not _redis_answers():
        pytest.skip(NEEDS)
    return Server(url)


@pytest.fixture(scope="session")
def seeded_template(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated and seeded once (`db upgrade`, `seed-demo`), which each test's
    own database is copied from."""
    name = f"permit_faults_{os.getpid()}_{int(time.time())}"
    url = server.create(name)
    try:
        env = instances.production_env(url)
        instances.run_flask(["db", "upgrade"], env=env)
        # seed-demo refuses production; its rows are the same either way.
        instances.run_flask(
            ["seed-demo", "--password", PASSWORD], env={**env, "PERMIT_ENV": "development"}
        )
        yield name
    finally:
        server.drop(name)


@pytest.fixture
def deployment(
    server: Server, seeded_template: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Deployment]:
    """This test's own database (a copy of the seeded one), Redis database and logs; its
    instances are stopped and both databases emptied at the end."""
    name = f"{seeded_template}_{request.node.name[:20].strip('_')}".lower()
    name = "".join(ch if ch.isalnum() else "_" for ch in name)[:63]
    server.create(name, template=seeded_template)
    redis_db = claim_redis_database()
    deployment = Deployment(server, name, redis_db, tmp_path)
    try:
        yield deployment
    finally:
        deployment.stop()
        instances.stop_all()
        release_redis_database(redis_db)
        server.drop(name)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A load thread that dies on an answer it did not expect stops loading, and the test
    # would pass on less load than it claims: make that an error, not a warning.
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(
                pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
            )
