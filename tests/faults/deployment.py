"""A deployment for one fault test: a throw-away PostgreSQL database copied from one
migrated and seeded at the start of the run (`db upgrade`, `seed-demo`), a Redis
database number of its own, and gunicorn instances on free ports (tools/instances.py),
their logs in the test's tmp_path. Everything is stopped and dropped at the end.

The checks the tests share are here too: what the database holds after the fault, read
with plain SQL, and `flask --app wsgi audit verify`.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import instances
import psycopg
import redis
from permit_client import DRAFT, Answer, Browser, csrf_token
from sqlalchemy import make_url

from config import normalise_database_url

ROOT = Path(__file__).resolve().parents[2]
#: seed-demo's password for its people (the officer signs in with it in the Redis test).
PASSWORD = "violet-harbour-quietly-42"
OFFICER = "officer@example.gov.uk"
#: The API's own limit per token is not what these tests are about: set far above the load.
API_RATELIMIT = "100000 per minute"
#: Redis databases these tests may take, an empty one each: not 0 (tests/web's rate-limit
#: tests), 11 (the benchmark), 12 (tools/instances.py's example) or 13 (prod-check).
REDIS_DATABASES = (3, 4, 5, 6, 7, 8, 9, 10, 14, 15)
CLAIM_KEY = "permit:faults:claimed"

#: Decisions of each outcome are written with one of these audit event types.
DECISION_EVENTS = (
    "stage_approved",
    "stage_approved_with_conditions",
    "changes_requested",
    "request_rejected",
)


class Server:
    """The PostgreSQL server of TEST_DATABASE_URL: makes and drops databases on it."""

    def __init__(self, url: str) -> None:
        self.url = make_url(normalise_database_url(url))
        self.host = self.url.host or "127.0.0.1"
        self.port = self.url.port or 5432

    def url_of(self, name: str, *, port: int | None = None) -> str:
        url = self.url.set(database=name, host=self.host, port=port or self.port)
        return url.render_as_string(hide_password=False)

    def admin(self, statement: str) -> None:
        conninfo = self.url_of("postgres").replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(statement)  # type: ignore[arg-type]

    def create(self, name: str, *, template: str | None = None) -> str:
        self.admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url_of(name)

    def drop(self, name: str) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def claim_redis_database(host: str = "127.0.0.1", port: int = 6379) -> int:
    """An empty Redis database number, marked as taken until `release_redis_database`."""
    for number in REDIS_DATABASES:
        client = redis.Redis(host=host, port=port, db=number)
        if client.dbsize() == 0 and client.set(CLAIM_KEY, str(os.getpid()), nx=True):
            return number
    raise RuntimeError(f"no empty Redis database among {REDIS_DATABASES}")


def release_redis_database(number: int, host: str = "127.0.0.1", port: int = 6379) -> None:
    redis.Redis(host=host, port=port, db=number).flushdb()


@dataclass
class Deployment:
    server: Server
    database: str
    redis_db: int
    folder: Path
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    started: list[instances.Instance] = field(default_factory=list)

    @property
    def database_url(self) -> str:
        return self.server.url_of(self.database)

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:6379/{self.redis_db}"

    def env(self, *, database_url: str | None = None, redis_url: str | None = None) -> dict:
        """Production settings: what every instance of this deployment shares."""
        return instances.production_env(
            database_url or self.database_url,
            redis_url=redis_url or self.redis_url,
            secret_key=self.secret_key,
            API_RATELIMIT=API_RATELIMIT,
        )

    def instance(self, name: str, *, workers: int = 2, **settings: str) -> instances.Instance:
        """An instance, started (it answers /healthz)."""
        one = instances.instance(
            name, env=self.env(**settings), workers=workers, log=self.folder / f"{name}.log"
        )
        self.started.append(one)
        return one.start()

    def pair(self, *, workers: int = 2) -> tuple[instances.Instance, instances.Instance]:
        """Instances a and b of one deployment, started side by side."""
        made = [
            instances.instance(
                name, env=self.env(), workers=workers, log=self.folder / f"{name}.log"
            )
            for name in ("a", "b")
        ]
        self.started += made
        threads = [threading.Thread(target=one.start) for one in made]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for one in made:
            one.wait_ready(timeout=5)  # raises here if a start failed in its thread
        return made[0], made[1]

    def cast(self, *, approvers: int = 0, requests: int = 0) -> dict[str, Any]:
        """People and requests made in the database by tests/faults/cast.py."""
        argv = [sys.executable, "-m", "tests.faults.cast"]
        argv += ["--approvers", str(approvers), "--requests", str(requests)]
        done = subprocess.run(
            argv, cwd=ROOT, env=self.env(), capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"tests/faults/cast.py exited {done.returncode}:\n{done.stderr}")
        return json.loads(done.stdout)  # type: ignore[no-any-return]

    def verify_chain(self) -> str:
        """`flask --app wsgi audit verify` on the database itself; its first line."""
        return instances.run_flask(["audit", "verify"], env=self.env()).strip().splitlines()[0]

    def rows(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        conninfo = self.database_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(conninfo) as connection:
            return connection.execute(query, params).fetchall()  # type: ignore[arg-type]

    def stop(self) -> None:
        """Every instance, gracefully, side by side."""
        threads = [threading.Thread(target=one.stop) for one in self.started]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def logs(self) -> str:
        return "\n".join(
            path.read_text(errors="replace") for path in sorted(self.folder.glob("*.log"))
        )


# Calls, as the proxy in front would send them. ------------------------------------------


def api(
    port: int,
    method: str,
    path: str,
    token: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    return Browser(port).call(
        method, path, body=body, headers={"Authorization": f"Bearer {token}", **(headers or {})}
    )


def signed_in(port: int, cookie: str) -> Browser:
    """A browser holding the session cookie cast.py made."""
    browser = Browser(port)
    name, _, value = cookie.partition("=")
    browser.cookies[name] = value
    return browser


def decision_form(page: Answer) -> list[tuple[str, str]]:
    """The decision page's form, filled in to approve the stage the page shows."""
    stage = _hidden(page, "stage")
    version = _hidden(page, "version")
    return [
        ("csrf_token", csrf_token(page)),
        ("stage", stage),
        ("version", version),
        ("outcome", "approve"),
    ]


def _hidden(page: Answer, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page.text) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', page.text
    )
    if not found:
        raise RuntimeError(f"no {name} field on {page.path} ({page.status})")
    return found.group(1)


# Load: a few threads writing continuously, each acknowledgement recorded. --------------


@dataclass
class Acknowledged:
    #: (reference, approver email) of every decision answered 2xx (API 200, web 302).
    decisions: list[tuple[str, str]] = field(default_factory=list)
    #: References of every request the API answered 201 for.
    created: list[str] = field(default_factory=list)
    #: Every answer: (time, what, status); status 0 for no answer (refused, reset).
    answers: list[tuple[float, str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, what: str, status: int) -> None:
        with self.lock:
            self.answers.append((time.monotonic(), what, status))

    def statuses(self, since: float = 0.0, until: float = float("inf")) -> dict[int, int]:
        counts: dict[int, int] = {}
        for at, _what, status in self.answers:
            if since <= at < until:
                counts[status] = counts.get(status, 0) + 1
        return counts


class Load:
    """Threads deciding requests (API and web) and creating requests (API) against
    `ports` until stopped; every 2xx is recorded with what it acknowledged."""

    def __init__(self, ports: Sequence[int], cast: dict[str, Any], *, web: bool = True) -> None:
        self.ports = list(ports)
        self.cast = cast
        self.web = web
        self.acks = Acknowledged()
        self._stop = threading.Event()
        self._queue = list(cast["requests"])
        self._queue_lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def _next_reference(self) -> str | None:
        with self._queue_lock:
            return self._queue.pop() if self._queue else None

    def _give_back(self, reference: str) -> None:
        """Not decided, for all this thread knows (no answer, or a 5xx): try it again later."""
        with self._queue_lock:
            self._queue.insert(0, reference)

    def _port(self, number: int) -> int:
        return self.ports[number % len(self.ports)]

    def start(self) -> Load:
        approvers = self.cast["approvers"]
        workers = [(self._decide_by_api, approver) for approver in approvers[:-1]]
        if self.web:
            workers.append((self._decide_on_the_web, approvers[-1]))
        workers += [(self._create, None), (self._create, None)]
        for number, (work, approver) in enumerate(workers):
            thread = threading.Thread(target=self._run, args=(work, number, approver), daemon=True)
            self._threads.append(thread)
            thread.start()
        return self

    def stop(self) -> Acknowledged:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=90)
            assert not thread.is_alive(), "a load thread never finished"
        return self.acks

    def _run(self, work: Any, number: int, approver: dict[str, str] | None) -> None:
        calls = 0
        while not self._stop.is_set():
            calls += 1
            try:
                work(self._port(number + calls), approver)
            except _NothingLeft:
                return

    def _decide_by_api(self, port: int, approver: dict[str, str]) -> None:
        reference = self._next_reference()
        if reference is None:
            raise _NothingLeft
        token = approver["token"]
        path = f"/api/v1/requests/{reference}"
        read = self._call("read", lambda: api(port, "GET", path, token))
        if read is None or read.status != 200:
            self._give_back(reference)
            return
        body = {"stage": "security", "outcome": "approve"}
        headers = {"If-Match": read.headers["ETag"]}
        answer = self._call(
            "decide",
            lambda: api(port, "POST", path + "/decisions", token, body=body, headers=headers),
        )
        if answer is not None and answer.status == 200:
            with self.acks.lock:
                self.acks.decisions.append((reference, approver["email"]))
        elif answer is None or answer.status >= 500:
            self._give_back(reference)

    def _decide_on_the_web(self, port: int, approver: dict[str, str]) -> None:
        reference = self._next_reference()
        if reference is None:
            raise _NothingLeft
        browser = signed_in(port, approver["cookie"])
        path = f"/review/{reference}/decide"
        page = self._call("decide page", lambda: browser.call("GET", path))
        if page is None or page.status != 200:
            self._give_back(reference)
            return
        form = decision_form(page)
        answer = self._call("decide on the web", lambda: browser.call("POST", path, form=form))
        if answer is not None and answer.status == 302:
            with self.acks.lock:
                self.acks.decisions.append((reference, approver["email"]))
        elif answer is None or answer.status >= 500:
            self._give_back(reference)

    def _create(self, port: int, _approver: None) -> None:
        headers = {"Idempotency-Key": secrets.token_hex(16)}
        token = self.cast["officer_token"]
        answer = self._call(
            "create",
            lambda: api(port, "POST", "/api/v1/requests", token, body=DRAFT, headers=headers),
        )
        if answer is not None and answer.status == 201:
            with self.acks.lock:
                self.acks.created.append(answer.json()["reference"])

    def _call(self, what: str, call: Any) -> Answer | None:
        """One call, its status noted; None when no answer came (0: refused, reset, or cut
        off half-way by a server that went away, which http.client raises as
        IncompleteRead, not OSError). After a failure the thread waits a little."""
        try:
            answer: Answer = call()
        except (OSError, http.client.HTTPException):
            self.acks.note(what, 0)
            time.sleep(0.05)
            return None
        self.acks.note(what, answer.status)
        if answer.status >= 500:
            time.sleep(0.05)
        return answer


class _NothingLeft(Exception):
    """Every request of the cast has been taken: the thread stops."""


@contextmanager
def loaded(ports: Sequence[int], cast: dict[str, Any], **options: Any) -> Iterator[Load]:
    load = Load(ports, cast, **options).start()
    try:
        yield load
    finally:
        if not load._stop.is_set():
            load.stop()


# What the database holds afterwards. ------------------------------------------------


def check_everything_acknowledged_is_kept(deployment: Deployment, acks: Acknowledged) -> None:
    """Every decision and request the service acknowledged is in the database."""
    kept = set(
        deployment.rows(
            "SELECT r.reference, u.email FROM decisions d"
            " JOIN access_requests r ON r.id = d.request_id"
            " JOIN users u ON u.id = d.approver_id"
        )
    )
    lost = [ack for ack in acks.decisions if ack not in kept]
    assert not lost, f"acknowledged decisions missing: {lost}"
    references = {row[0] for row in deployment.rows("SELECT reference FROM access_requests")}
    missing = [reference for reference in acks.created if reference not in references]
    assert not missing, f"acknowledged requests missing: {missing}"


def check_nothing_half_written(deployment: Deployment) -> None:
    """Each decision has its audit event and each decision event its decision; each
    request its creation event; each request's stage and status what its decisions say."""
    events = ", ".join(f"'{name}'" for name in DECISION_EVENTS)
    orphans = deployment.rows(
        "SELECT d.id FROM decisions d WHERE NOT EXISTS (SELECT 1 FROM audit_events e"
        f" WHERE e.event_type IN ({events}) AND e.request_id = d.request_id"
        " AND e.stage = d.stage_code AND e.actor_id = d.approver_id)"
    )
    assert not orphans, f"decisions without their audit event: {orphans}"
    unexplained = deployment.rows(
        f"SELECT e.seq FROM audit_events e WHERE e.event_type IN ({events}) AND NOT EXISTS"
        " (SELECT 1 FROM decisions d WHERE d.request_id = e.request_id"
        " AND d.stage_code = e.stage AND d.approver_id = e.actor_id)"
    )
    assert not unexplained, f"decision events without their decision: {unexplained}"
    uncreated = deployment.rows(
        "SELECT r.reference FROM access_requests r WHERE (SELECT count(*) FROM audit_events e"
        " WHERE e.event_type = 'request_created' AND e.request_id = r.id) <> 1"
    )
    assert not uncreated, f"requests without exactly one creation event: {uncreated}"
    # The cast's requests (cast.py: handles @dsit_fault_N) were submitted, then approved at
    # most once, at security: with no decision they wait there, with one they are at No10.
    wrong = deployment.rows(
        "SELECT r.reference, r.status, r.current_stage, count(d.id) FROM access_requests r"
        " LEFT JOIN decisions d ON d.request_id = r.id"
        " WHERE r.account_handle LIKE '@dsit_fault_%%'"
        " GROUP BY r.id, r.reference, r.status, r.current_stage"
        " HAVING NOT (r.status = 'in_review' AND ((count(d.id) = 0 AND r.current_stage ="
        " 'security') OR (count(d.id) = 1 AND r.current_stage = 'no10')))"
    )
    assert not wrong, f"requests whose stage does not match their decisions: {wrong}"
    # The last status change each request's history records is the status it has.
    drift = deployment.rows(
        "SELECT r.reference, r.status, e.to_status FROM access_requests r"
        " JOIN LATERAL (SELECT to_status FROM audit_events e WHERE e.request_id = r.id"
        " AND e.to_status IS NOT NULL ORDER BY e.seq DESC LIMIT 1) e ON true"
        " WHERE e.to_status <> r.status"
    )
    assert not drift, f"requests whose status is not the one their history ends with: {drift}"
