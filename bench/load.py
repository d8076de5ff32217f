"""Benchmark: Permit's request path under load, beside a floor app on the same database.

Issue 15. Never run by the test suite. One run makes a throw-away database (PostgreSQL by
default, or SQLite), migrates and seeds it (`db upgrade`, `seed-demo`, `seed-scale`),
serves Permit with `gunicorn -w 2 wsgi:app` in production settings and the floor app
(`bench/floor.py`: the least Flask + Flask-SQLAlchemy can do) under the same gunicorn
settings, and drives both with wrk, taking turns, three rounds per call:

- writes through the JSON API (create, update, submit, decide) against the floor's POST
  (one request row and one audit row in one transaction);
- the API's list of 50 against the floor's JSON GET of 50 rows;
- the approvers' queue, a request page and the audit log, signed in, against the floor's
  HTML GET of 50 rows rendered by Jinja.

Targets (issue 15): Permit's req/s at least 0.5 of the floor's for every call; for each
page and list, Permit's p95 at one connection at most 3 times the p95 of the same SQL
replayed through the driver alone. The SQL is captured in-process by
`bench/load_capture.py`, which also counts the statements and transactions of one call.
It prints the tables with PASS/MISS and exits 0 whatever the figures: it is a measurement.

    .venv/bin/python bench/load.py [--database postgresql|sqlite] [--events N]
        [--duration S] [--connections C] [--app-dir DIR] [--keep] [--profile DIR]

Standard library, plus psycopg (Permit's own driver) to read PostgreSQL and replay SQL;
wrk (Debian) and gunicorn (requirements.txt) as programs. Progress goes to stderr,
the results to stdout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# tools/: the client that signs people in, and the instances and proxy, shared with
# `make prod-check` and the fault tests.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

from instances import Instance, instance, stop_all
from load_profile import record, summary
from load_sql import Database, Postgres, Sqlite, Step, percentile
from permit_client import DRAFT, FORWARDED, Browser, People

BENCH = Path(__file__).resolve().parent
WRK_SCRIPTS = BENCH / "wrk"
TARGET_RATIO = 0.5
#: A page's p95 at one connection, at most this many times its SQL's p95 alone.
TARGET_SQL_FACTOR = 3.0
PASSWORD = "violet-harbour-quietly-42"
OFFICER = "officer@example.gov.uk"
APPROVER = "security@example.gov.uk"
AUDITOR = "auditor@example.gov.uk"
#: What the figures depend on: named in the output, and checked for changes during the run.
MEASURED_CODE = ("app", "migrations", "templates", "config.py", "wsgi.py")
#: Drafts the update call cycles through: more than wrk's connections, so none waits.
UPDATE_POOL = 64
#: Calls that measure what Permit's stack costs before a call does any work (the app's
#: hooks; then one SELECT; then a token and one row), run only when --calls names them.
REFERENCE_CALLS = ("healthz", "readyz", "head", "layout", "account")
#: Seconds of the unmeasured run before a call's rounds: it warms the route and, for the
#: calls that use requests up, tells how many the rounds need.
PROBE_SECONDS = 3


def note(message: str) -> None:
    """Progress, on stderr, so that stdout holds only the results."""
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def run_quietly(argv: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Set-up and clean-up steps: not measured, must succeed."""
    done = subprocess.run(
        argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    if done.returncode != 0:
        command = " ".join(argv)
        raise RuntimeError(f"{command} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done.stdout


def venv_program(name: str) -> str:
    program = Path(sys.executable).with_name(name)
    if not program.exists():
        raise SystemExit(f"{program} is missing: pip install -r requirements-dev.txt")
    return str(program)


def flask_command(*args: str) -> list[str]:
    return [venv_program("flask"), "--app", "wsgi", *args]


# The servers. --------------------------------------------------------------------------


def start_gunicorn(
    name: str, app: str, *, cwd: Path, env: dict[str, str], workers: int, log: Path, ready: str
) -> Instance:
    """`gunicorn -c gunicorn.conf.py -w N APP` on a free port of 127.0.0.1 (the settings
    production runs with: tools/instances.py), its output in `log`; returns once the path
    `ready` answers 200."""
    return instance(name, env=env, workers=workers, log=log, app=app, cwd=cwd).start(ready=ready)


# wrk. ----------------------------------------------------------------------------------


@dataclass
class WrkRun:
    target: str  # "floor" or "Permit"
    rate: float  # requests per second
    p50: float  # milliseconds
    p95: float
    p99: float
    requests: int
    errors: int  # socket errors and timeouts
    unexpected: dict[str, int]  # status -> count, for statuses other than the expected one
    starved: int  # requests a used-up pool could not feed
    load: float  # one-minute load average when the run began


@dataclass(frozen=True)
class Load:
    """What one wrk run sends: a script of bench/wrk and its settings (environment)."""

    script: str
    env: dict[str, str]
    expect: int


class Wrk:
    def __init__(self, folder: Path, threads: int, connections: int) -> None:
        self.folder = folder
        self.threads = threads
        self.connections = connections
        self.runs = 0

    def script(self, name: str) -> Path:
        """bench/wrk/report.lua, then bench/wrk/NAME.lua: wrk takes one script."""
        path = self.folder / f"{name}.lua"
        if not path.exists():
            shared = (WRK_SCRIPTS / "report.lua").read_text()
            path.write_text(shared + "\n" + (WRK_SCRIPTS / f"{name}.lua").read_text())
        return path

    def run(
        self,
        target: str,
        port: int,
        load: Load,
        seconds: float,
        *,
        threads: int | None = None,
        connections: int | None = None,
    ) -> WrkRun:
        threads = threads or self.threads
        connections = connections or self.connections
        self.runs += 1
        env = {
            **os.environ,
            **load.env,
            "PERMIT_WRK_EXPECT": str(load.expect),
            "PERMIT_WRK_THREADS": str(threads),
            "PERMIT_WRK_RUN": f"{os.getpid()}-{self.runs}-{secrets.token_hex(4)}",
        }
        argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "30s"]
        argv += ["-s", str(self.script(load.script)), f"http://127.0.0.1:{port}/"]
        load_average = os.getloadavg()[0]
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        found = re.search(r"^WRK-RESULT (.*)$", done.stdout, re.MULTILINE)
        if done.returncode != 0 or not found:
            raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        result = json.loads(found.group(1))
        return WrkRun(
            target=target,
            rate=result["requests"] / (result["duration_us"] / 1e6),
            p50=result["p50_us"] / 1000,
            p95=result["p95_us"] / 1000,
            p99=result["p99_us"] / 1000,
            requests=result["requests"],
            errors=sum(result[k] for k in ("connect", "read", "write", "timeout")),
            unexpected=result["statuses"],
            starved=result["starved"],
            load=load_average,
        )


# The calls. ----------------------------------------------------------------------------


@dataclass
class Call:
    name: str
    label: str
    kind: str  # "write", "list" or "page"
    permit: Load
    floor: Load
    #: Who is signed in for a page: their session cookie is in the headers.
    who: str | None = None
    #: A call that uses requests up (or, update, needs their ETags): its pool's name.
    pool: str | None = None
    rounds: list[tuple[WrkRun, WrkRun]] = field(default_factory=list)  # (floor, Permit)
    single: WrkRun | None = None  # Permit at one connection (pages and lists)
    sql_p95: float | None = None  # ms, the captured SQL replayed alone
    sql_note: str = ""
    statements: int | None = None
    transactions: int | None = None
    checkouts: int | None = None
    repeated: int | None = None
    capture_note: str = ""

    @property
    def floor_name(self) -> str:
        return {"write": "POST /rows", "list": "GET /rows", "page": "GET /rows.html"}[self.kind]


def header_lines(headers: dict[str, str]) -> str:
    return "\n".join(f"{name}: {value}" for name, value in headers.items())


def headers_of(load: Load) -> dict[str, str]:
    lines = load.env["PERMIT_WRK_HEADERS"].split("\n")
    return dict(line.split(": ", 1) for line in lines)


def fixed(
    method: str,
    path: str,
    headers: dict[str, str],
    expect: int,
    body: Path | None = None,
    *,
    unique_key: bool = False,
) -> Load:
    """bench/wrk/fixed.lua: the same request every time (but its Idempotency-Key)."""
    env = {"PERMIT_WRK_METHOD": method, "PERMIT_WRK_PATH": path}
    env["PERMIT_WRK_HEADERS"] = header_lines(headers)
    if body:
        env["PERMIT_WRK_BODY"] = str(body)
    if unique_key:
        env["PERMIT_WRK_UNIQUE_KEY"] = "1"
    return Load("fixed", env, expect)


def pooled(
    method: str, path: str, headers: dict[str, str], mode: str, body: Path | None = None
) -> Load:
    """bench/wrk/pool.lua: a request per item of a pool (PERMIT_WRK_POOL, set later)."""
    env = {"PERMIT_WRK_METHOD": method, "PERMIT_WRK_PATH": path, "PERMIT_WRK_MODE": mode}
    env["PERMIT_WRK_HEADERS"] = header_lines(headers)
    if body:
        env["PERMIT_WRK_BODY"] = str(body)
    return Load("pool", env, 200)


def make_calls(
    folder: Path, tokens: dict[str, str], cookies: dict[str, str], request_page: str
) -> list[Call]:
    draft = folder / "draft.json"
    draft.write_text(json.dumps(DRAFT))
    change = folder / "change.json"
    purpose = "Reach young people with public health messages, change {n}"
    change.write_text(json.dumps({"purpose": purpose}))
    decision = folder / "decision.json"
    decision.write_text(json.dumps({"outcome": "approve"}))
    officer = {**FORWARDED, "Authorization": f"Bearer {tokens['officer']}"}
    officer_json = {**officer, "Content-Type": "application/json"}
    approver_json = {
        **FORWARDED,
        "Authorization": f"Bearer {tokens['approver']}",
        "Content-Type": "application/json",
    }
    auditor = {**FORWARDED, "Authorization": f"Bearer {tokens['auditor']}"}
    # The floor's POST gets the create call's body and headers: both read as much.
    floor_post = fixed("POST", "/rows", officer_json, 201, draft, unique_key=True)
    floor_get = fixed("GET", "/rows", FORWARDED, 200)
    floor_html = fixed("GET", "/rows.html", FORWARDED, 200)

    def page(name: str, label: str, path: str, who: str) -> Call:
        load = fixed("GET", path, {**FORWARDED, "Cookie": cookies[who]}, 200)
        return Call(name, label, "page", load, floor_html, who=who)

    reference_path = "/api/v1/requests/{ref}"
    return [
        Call(
            "create",
            "create: POST /api/v1/requests",
            "write",
            fixed("POST", "/api/v1/requests", officer_json, 201, draft, unique_key=True),
            floor_post,
        ),
        Call(
            "update",
            "update: PATCH /api/v1/requests/<ref>",
            "write",
            pooled("PATCH", reference_path, officer_json, "cycle", change),
            floor_post,
            pool="update",
        ),
        Call(
            "submit",
            "submit: POST …/<ref>/submit",
            "write",
            pooled("POST", reference_path + "/submit", officer, "once"),
            floor_post,
            pool="submit",
        ),
        Call(
            "decide",
            "decide: POST …/<ref>/decisions",
            "write",
            pooled("POST", reference_path + "/decisions", approver_json, "once", decision),
            floor_post,
            pool="decide",
        ),
        page("queue", "approver queue: GET /review/", "/review/", "approver"),
        page(
            "request", "request page: GET /requests/<ref>", f"/requests/{request_page}", "officer"
        ),
        Call(
            "list",
            "API list: GET /api/v1/requests?limit=50",
            "list",
            fixed("GET", "/api/v1/requests?limit=50", officer, 200),
            floor_get,
        ),
        page("audit", "audit log: GET /audit-log/", "/audit-log/", "auditor"),
        # What Permit costs before a call does any work, against the same floor GET: only
        # with --calls naming them (REFERENCE_CALLS), since they measure the stack, not a
        # target.
        Call(
            "healthz",
            "stack alone: GET /healthz",
            "list",
            fixed("GET", "/healthz", FORWARDED, 200),
            floor_get,
        ),
        Call(
            "readyz",
            "stack + SELECT 1: GET /readyz",
            "list",
            fixed("GET", "/readyz", FORWARDED, 200),
            floor_get,
        ),
        Call(
            "head",
            "token + 1 row: GET /api/v1/audit/head",
            "list",
            fixed("GET", "/api/v1/audit/head", auditor, 200),
            floor_get,
        ),
        # The same for pages: the GOV.UK layout and a form, nobody signed in and no SQL;
        # then a signed-in page whose only work is the caller's own row.
        Call(
            "layout",
            "layout alone: GET /sign-in",
            "page",
            fixed("GET", "/sign-in", FORWARDED, 200),
            floor_html,
        ),
        page("account", "session + 1 row: GET /account/", "/account/", "officer"),
    ]


# Pools of requests for the calls that use them up. -------------------------------------


class Pools:
    """Requests for update, submit and decide, read from the database with their ETags
    (Permit's is "r<id>-v<version>": app/api/etags.py), and more made through the API
    when there are too few."""

    def __init__(self, db: Database, folder: Path, port: int, officer_token: str) -> None:
        self.db = db
        self.folder = folder
        self.port = port
        self.officer_token = officer_token
        #: Kept out of the submit and decide pools: those the capture and update use.
        self.reserved: set[str] = set()
        #: The update call's drafts.
        self.updated: set[str] = set()

    def available(self, kind: str) -> list[tuple[str, str]]:
        """The pool's requests and their ETags as they are now: for submit and decide,
        those not used up nor reserved; for update, the ones reserved for it."""
        if kind == "decide":  # waiting for the Security approver
            rows = self.db.rows(
                "SELECT reference, id, version FROM access_requests "
                "WHERE status = 'in_review' AND current_stage = 'security' ORDER BY id"
            )
        else:  # the officer's department's drafts, filled in (seeded or made by create)
            rows = self.db.rows(
                "SELECT r.reference, r.id, r.version FROM access_requests r "
                "JOIN users u ON u.department_id = r.department_id "
                "WHERE u.email = ? AND r.status = 'draft' AND r.account_handle IS NOT NULL "
                "AND r.account_handle <> '' ORDER BY r.id",
                (OFFICER,),
            )
        items = [(ref, f'"r{rid}-v{version}"') for ref, rid, version in rows]
        if kind == "update":
            return [(ref, etag) for ref, etag in items if ref in self.updated]
        return [(ref, etag) for ref, etag in items if ref not in self.reserved]

    def reserve(self, kind: str, count: int) -> list[tuple[str, str]]:
        """`count` requests kept out of every other pool (for update: its pool)."""
        items = self.available("submit" if kind == "update" else kind)[:count]
        if len(items) < count:
            raise RuntimeError(f"only {len(items)} requests for {kind}, {count} needed")
        self.reserved.update(ref for ref, _etag in items)
        if kind == "update":
            self.updated.update(ref for ref, _etag in items)
        return items

    def write(self, kind: str) -> Path:
        """The pool file bench/wrk/pool.lua reads: one "reference etag" line each."""
        path = self.folder / f"pool-{kind}.txt"
        path.write_text("".join(f"{ref} {etag}\n" for ref, etag in self.available(kind)))
        return path

    def fill(self, kind: str, need: int) -> int:
        """At least `need` items for `kind`, made through the API if short; how many."""
        short = need - len(self.available(kind))
        if short > 0:
            made = "drafts, submitted" if kind == "decide" else "drafts"
            note(f"  making {short} more {made}, through the API (8 at a time)")
            with ThreadPoolExecutor(8) as workers:
                list(workers.map(lambda _n: self._make(submit=kind == "decide"), range(short)))
        return len(self.available(kind))

    def _make(self, *, submit: bool) -> None:
        api = Browser(self.port)
        officer = {"Authorization": f"Bearer {self.officer_token}"}
        key = {"Idempotency-Key": secrets.token_hex(16)}
        made = api.call("POST", "/api/v1/requests", body=DRAFT, headers={**officer, **key})
        if made.status != 201:
            raise RuntimeError(f"making a draft answered {made.status}: {made.text[:300]}")
        if submit:
            reference = made.json()["reference"]
            headers = {**officer, "If-Match": made.headers["ETag"], **key}
            headers["Idempotency-Key"] = secrets.token_hex(16)
            submitted = api.call("POST", f"/api/v1/requests/{reference}/submit", headers=headers)
            if submitted.status != 200:
                raise RuntimeError(f"submitting {reference} answered {submitted.status}")


# Capturing each call's SQL in-process. -------------------------------------------------


def capture_specs(calls: list[Call], pools: Pools, tokens: dict[str, str]) -> list[dict[str, Any]]:
    """What bench/load_capture.py sends for each call: three requests, the last recorded
    (each write on a request of its own, kept out of the pools)."""
    officer = {**FORWARDED, "Authorization": f"Bearer {tokens['officer']}"}
    officer_json = {**officer, "Content-Type": "application/json"}
    approver_json = {
        **FORWARDED,
        "Authorization": f"Bearer {tokens['approver']}",
        "Content-Type": "application/json",
    }

    def key() -> dict[str, str]:
        return {"Idempotency-Key": secrets.token_hex(16)}

    specs = []
    for call in calls:
        if call.name == "create":
            made = [
                {"method": "POST", "path": "/api/v1/requests", "body": json.dumps(DRAFT),
                 "headers": {**officer_json, **key()}}
                for _ in range(3)
            ]  # fmt: skip
        elif call.name == "update":
            made = [
                {"method": "PATCH", "path": f"/api/v1/requests/{ref}",
                 "body": json.dumps({"purpose": f"A change {n}"}),
                 "headers": {**officer_json, "If-Match": etag}}
                for n, (ref, etag) in enumerate(pools.reserve("submit", 3))
            ]  # fmt: skip
        elif call.name == "submit":
            made = [
                {"method": "POST", "path": f"/api/v1/requests/{ref}/submit",
                 "headers": {**officer, "If-Match": etag, **key()}}
                for ref, etag in pools.reserve("submit", 3)
            ]  # fmt: skip
        elif call.name == "decide":
            made = [
                {"method": "POST", "path": f"/api/v1/requests/{ref}/decisions",
                 "body": json.dumps({"outcome": "approve"}),
                 "headers": {**approver_json, "If-Match": etag, **key()}}
                for ref, etag in pools.reserve("decide", 3)
            ]  # fmt: skip
        else:
            path = call.permit.env["PERMIT_WRK_PATH"]
            made = [{"method": "GET", "path": path, "headers": headers_of(call.permit)}] * 3
        specs.append({"name": call.name, "requests": made})
    return specs


def capture(
    calls: list[Call], specs: list[dict[str, Any]], app_dir: Path, env: dict[str, str], folder: Path
) -> dict[str, list[Step]]:
    """Run bench/load_capture.py in Permit's code; count each call's SQL; its steps."""
    spec_path, out_path = folder / "capture.json", folder / "capture.pickle"
    spec_path.write_text(json.dumps(specs))
    capturer = [sys.executable, str(BENCH / "load_capture.py"), str(spec_path), str(out_path)]
    run_quietly(capturer, cwd=app_dir, env=env)
    with out_path.open("rb") as captured:
        results: dict[str, dict[str, Any]] = pickle.load(captured)
    steps = {}
    for call in calls:
        result = results[call.name]
        steps[call.name] = result["steps"]
        statements = [
            step[1]
            for step in result["steps"]
            if step[0] == "sql" and not re.match(r"\s*BEGIN\b", step[1], re.IGNORECASE)
        ]
        call.statements = len(statements)
        call.transactions = sum(1 for step in result["steps"] if step[0] == "begin")
        call.checkouts = sum(1 for step in result["steps"] if step[0] == "checkout")
        call.repeated = sum(n - 1 for n in Counter(statements).values() if n > 1)
        if result["statuses"][-1] != call.permit.expect:
            call.capture_note = f"answered {result['statuses']}, not {call.permit.expect}"
    return steps


def replay_sql(call: Call, steps: list[Step], db: Database, times: int) -> None:
    """The captured statements alone through the driver: p95 of `times` replays."""
    if not any(step[0] == "sql" for step in steps):
        call.sql_note = "no SQL"
        return
    if any(step[0] == "sql" and "'unplain'" in repr(step[2]) for step in steps):
        call.sql_note = "not replayed: a parameter of a type the bench cannot rebuild"
        return
    try:
        seconds = db.replay(steps, times, warm=max(times // 10, 5))
    except Exception as error:  # said in the table; the run goes on
        call.sql_note = f"replay failed: {type(error).__name__}: {error}"[:120]
        return
    call.sql_p95 = percentile(seconds, 95) * 1000


# The run. ------------------------------------------------------------------------------


@dataclass
class Context:
    args: argparse.Namespace
    wrk: Wrk
    floor: Instance
    permit: Instance
    pools: Pools
    people: People
    cookies: dict[str, str]


def measure_call(call: Call, ctx: Context) -> None:
    """The probe (unmeasured), then the rounds taking turns, then (pages and lists) one
    connection alone."""
    args, wrk = ctx.args, ctx.wrk
    load = fresh_session(call, ctx) if call.who is not None else call.permit
    if call.pool == "update":
        ctx.pools.reserve("update", UPDATE_POOL)
    elif call.pool:
        ctx.pools.fill(call.pool, max(200, 16 * args.threads))

    def permit_load() -> Load:
        """For a pool call, a pool as the database has it now: without the requests
        earlier runs used up, with the ETags earlier changes gave."""
        if call.pool is None:
            return load
        # Calls still running when wrk stopped change their requests after it: wait.
        time.sleep(2)
        return with_pool(load, ctx.pools.write(call.pool))

    probe = wrk.run("Permit", ctx.permit.port, permit_load(), PROBE_SECONDS)
    if call.pool in ("submit", "decide"):
        # The probe showed how fast this call goes: enough requests for every round.
        need = int(probe.rate * 1.5 * args.duration * args.rounds) + 16 * args.threads
        size = ctx.pools.fill(call.pool, need)
        note(f"  {probe.rate:.0f} req/s in a {PROBE_SECONDS} s probe: {size} requests to use")
    wrk.run("floor", ctx.floor.port, call.floor, PROBE_SECONDS)
    for number in range(1, args.rounds + 1):
        # Turn about, and which goes first too, so a change in the machine's load hits
        # both alike.
        order = ("floor", "Permit") if number % 2 else ("Permit", "floor")
        runs = {}
        for target in order:
            note(f"  round {number}/{args.rounds}: {target}")
            if target == "floor":
                runs[target] = wrk.run(target, ctx.floor.port, call.floor, args.duration)
            else:
                this = permit_load()
                spy = None
                if args.profile and number == 1:
                    out = args.profile / f"{call.name}.txt"
                    spy = record(ctx.permit.pid, args.duration, out)
                runs[target] = wrk.run(target, ctx.permit.port, this, args.duration)
                if spy is not None:
                    spy.wait(timeout=60)
                    (args.profile / f"{call.name}.summary.txt").write_text(summary(out) + "\n")
        call.rounds.append((runs["floor"], runs["Permit"]))
    if call.kind != "write":
        note(f"  Permit at one connection, {args.single_duration:g} s")
        call.single = wrk.run(
            "Permit", ctx.permit.port, load, args.single_duration, threads=1, connections=1
        )


def with_pool(load: Load, pool: Path) -> Load:
    return replace(load, env={**load.env, "PERMIT_WRK_POOL": str(pool)})


def fresh_session(call: Call, ctx: Context) -> Load:
    """The call's load with a session that works now: signed in again if it has ended
    (a session ends after 30 idle minutes)."""
    assert call.who is not None
    browser = Browser(ctx.permit.port)
    browser.cookies = dict(
        part.split("=", 1) for part in ctx.cookies[call.who].split("; ") if "=" in part
    )
    if browser.call("GET", call.permit.env["PERMIT_WRK_PATH"]).status == 200:
        return call.permit
    note(f"  the {call.who}'s session has ended: signing in again")
    email = {"officer": OFFICER, "approver": APPROVER, "auditor": AUDITOR}[call.who]
    ctx.cookies[call.who] = ctx.people.sign_in(email).cookie_header
    headers = header_lines({**headers_of(call.permit), "Cookie": ctx.cookies[call.who]})
    return replace(call.permit, env={**call.permit.env, "PERMIT_WRK_HEADERS": headers})


def code_version(app_dir: Path) -> str:
    try:
        head = run_quietly(["git", "log", "-1", "--format=%h %cs %s"], cwd=app_dir).strip()
        status = run_quietly(["git", "status", "--porcelain", "--", *MEASURED_CODE], cwd=app_dir)
    except (OSError, RuntimeError):
        return "not a git checkout"
    changed = [line[3:] for line in status.splitlines()]
    return f"commit {head}; " + (
        f"uncommitted changes to {', '.join(changed)}" if changed else "no uncommitted changes"
    )


def code_digest(app_dir: Path) -> str:
    """A digest of the measured code as it is on disk now."""
    digest = hashlib.sha256()
    for top in MEASURED_CODE:
        path = app_dir / top
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(str(file).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


# The report. ---------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def medians(runs: Sequence[WrkRun]) -> tuple[float, float, float, float]:
    return (
        statistics.median(r.rate for r in runs),
        statistics.median(r.p50 for r in runs),
        statistics.median(r.p95 for r in runs),
        statistics.median(r.p99 for r in runs),
    )


def ms(value: float) -> str:
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def throughput_lines(calls: list[Call]) -> list[str]:
    lines = [
        f"{'call':<41}{'floor':>15}{'req/s':>7}{'p50/p95/p99 ms':>17}{'Permit req/s':>14}"
        f"{'p50/p95/p99 ms':>17}{'ratio':>7}  {'(each round)':<17}target"
    ]
    for call in calls:
        if not call.rounds:
            continue
        floor = medians([f for f, _p in call.rounds])
        permit = medians([p for _f, p in call.rounds])
        ratio = permit[0] / floor[0]
        each = "(" + "/".join(f"{p.rate / f.rate:.2f}" for f, p in call.rounds) + ")"
        lines.append(
            f"{call.label:<41}{call.floor_name:>15}{floor[0]:>7.0f}"
            f"{'/'.join(ms(x) for x in floor[1:]):>17}{permit[0]:>14.1f}"
            f"{'/'.join(ms(x) for x in permit[1:]):>17}{ratio:>7.2f}  {each:<17}"
            f">= {TARGET_RATIO} {verdict(ratio >= TARGET_RATIO)}"
        )
    return lines


def sql_lines(calls: list[Call], db: Database, args: argparse.Namespace) -> list[str]:
    lines = [
        "Pages and lists beside their own SQL: Permit at one connection "
        f"(wrk -t1 -c1 -d{args.single_duration:g}s), and the statements one call runs "
        f"(captured in-process) replayed {args.replays} times through {db.driver} alone, on "
        "one connection, fetching every row.",
        f"{'call':<41}{'Permit p50/p95 ms':>19}{'SQL alone p95 ms':>18}{'ratio':>8}  target",
    ]
    for call in calls:
        if call.single is None:
            continue
        permit = f"{ms(call.single.p50)}/{ms(call.single.p95)}"
        if call.sql_p95 is None:
            lines.append(f"{call.label:<41}{permit:>19}{'-':>18}{'-':>8}  {call.sql_note}")
            continue
        factor = call.single.p95 / call.sql_p95
        lines.append(
            f"{call.label:<41}{permit:>19}{call.sql_p95:>18.2f}{factor:>8.1f}  "
            f"<= {TARGET_SQL_FACTOR:g}x {verdict(factor <= TARGET_SQL_FACTOR)}"
        )
    return lines


def count_lines(calls: list[Call]) -> list[str]:
    lines = [
        "SQL of one call, counted in-process by a SQLAlchemy before_cursor_execute listener "
        "(bench/load_capture.py). Statements: BEGIN not counted (psycopg sends BEGIN and "
        "COMMIT too, so PostgreSQL's log shows 2 more per transaction, and a ping at a "
        "checkout after 10 s idle). Repeated: statements whose text an earlier one in the "
        "call had.",
        f"{'call':<41}{'statements':>11}{'transactions':>14}{'checkouts':>11}{'repeated':>10}",
    ]
    for call in calls:
        if call.statements is not None:
            lines.append(
                f"{call.label:<41}{call.statements:>11}{call.transactions:>14}"
                f"{call.checkouts:>11}{call.repeated:>10}  {call.capture_note}".rstrip()
            )
    return lines


def warning_lines(calls: list[Call]) -> list[str]:
    lines = []
    for call in calls:
        runs = [run for pair in call.rounds for run in pair]
        for run in runs + ([call.single] if call.single else []):
            if run.errors or run.unexpected or run.starved:
                lines.append(
                    f"WARNING: {call.name} ({run.target}): {run.errors} socket errors, "
                    f"{sum(run.unexpected.values())} of {run.requests} answers not "
                    f"{call.permit.expect if run.target == 'Permit' else call.floor.expect} "
                    f"{run.unexpected or ''}"
                    + (f"; pool used up ({run.starved} times)" if run.starved else "")
                )
    return lines


def report(calls: list[Call], db: Database, args: argparse.Namespace, facts: dict[str, Any]) -> str:
    loads = [run.load for call in calls for pair in call.rounds for run in pair]
    load_end = os.getloadavg()
    return "\n".join(
        [
            f"Permit load benchmark: {db.name}, {facts['events']:,} audit events and "
            f"{facts['requests']:,} requests at the start, {facts['started']:%Y-%m-%d %H:%M} UTC",
            f"Code: {facts['code']}",
            f"Machine: {os.cpu_count()} CPUs; load average (1, 5, 15 min) "
            f"{' '.join(f'{x:.2f}' for x in facts['load_start'])} at start, "
            f"{' '.join(f'{x:.2f}' for x in load_end)} at end; 1-min load when each run "
            f"began: {min(loads, default=0):.2f} to {max(loads, default=0):.2f}",
            f"Seeding (db upgrade, seed-demo, seed-scale): {facts['seeding']:.0f} s",
            f"gunicorn -c gunicorn.conf.py -w {args.workers} (sync workers) for both; Permit with "
            f"PERMIT_ENV=production. wrk -t{args.threads} -c{args.connections} "
            f"-d{args.duration:g}s, {args.rounds} rounds turn about. Figures: the medians of "
            "the rounds; ratio: Permit's req/s over the floor's.",
            "",
            *throughput_lines(calls),
            "",
            *sql_lines(calls, db, args),
            "",
            *count_lines(calls),
            "",
            f"After the run: {facts['verified']}",
            *warning_lines(calls),
        ]
    )


# Putting it together. ------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        choices=("postgresql", "sqlite"),
        default="postgresql",
        help="a throw-away PostgreSQL database on 127.0.0.1:5432 (permit_load_<pid>), or a "
        "fresh SQLite file",
    )
    parser.add_argument("--events", type=int, default=10_000, help="audit events to seed")
    parser.add_argument(
        "--requests", type=int, default=3_000, help="requests for seed-scale (a sixth drafts)"
    )
    parser.add_argument("--duration", type=float, default=15, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8, help="wrk -c")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each target per call")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn -w, for both apps")
    parser.add_argument(
        "--single-duration",
        type=float,
        default=10,
        help="seconds of each page's and list's run at one connection",
    )
    parser.add_argument("--replays", type=int, default=300, help="replays of each page's SQL")
    parser.add_argument(
        "--calls",
        default="all",
        help="a subset, comma-separated: create,update,submit,decide,queue,request,list,"
        "audit; or what the stack costs before any work, which 'all' leaves out: "
        + ",".join(REFERENCE_CALLS),
    )
    parser.add_argument(
        "--redis-db", type=int, default=11, help="Redis database for Permit's rate limits"
    )
    parser.add_argument(
        "--app-dir",
        type=Path,
        default=BENCH.parent,
        help="where Permit's code is (default: the repository this bench is in)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and the logs")
    parser.add_argument(
        "--profile",
        type=Path,
        help="a folder: py-spy records each call's first Permit round there "
        "(bench/load_profile.py), raw stacks and a summary per call",
    )
    return parser.parse_args(argv)


def environments(db: Database, redis_db: int) -> tuple[dict[str, str], dict[str, str]]:
    """The seeding commands' environment (development) and the servers' (production)."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PERMIT_", "FLASK_", "RATELIMIT_", "SMTP_", "NOTIFY_"))
        and key not in ("DATABASE_URL", "SECRET_KEY", "REDIS_URL", "API_RATELIMIT")
    }
    seeding = {**inherited, "DATABASE_URL": db.url, "PERMIT_ENV": "development"}
    production = {
        **inherited,
        "PERMIT_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": db.url,
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:6379/{redis_db}",
        "API_RATELIMIT": "1000000 per minute",
        # Behind one TLS proxy: every request says X-Forwarded-Proto: https.
        "PERMIT_PROXY_HOPS": "1",
        "PERMIT_BASE_URL": "https://127.0.0.1",
    }
    if isinstance(db, Sqlite):
        production["PERMIT_ALLOW_SQLITE"] = "1"
    return seeding, production


def seed(db: Database, app_dir: Path, env: dict[str, str], args: argparse.Namespace) -> float:
    started = time.perf_counter()
    run_quietly(flask_command("db", "upgrade"), cwd=app_dir, env=env)
    run_quietly(flask_command("seed-demo", "--password", PASSWORD), cwd=app_dir, env=env)
    note(f"seed-scale --requests {args.requests} --events {args.events}")
    scale = ["seed-scale", "--requests", str(args.requests), "--events", str(args.events)]
    run_quietly(flask_command(*scale), cwd=app_dir, env=env)
    return time.perf_counter() - started


def sign_in_everyone(port: int) -> tuple[People, dict[str, str], dict[str, str]]:
    """The officer, the approver and the auditor signed in (their session cookies) and
    each with an API token for their calls."""
    people = People(port, PASSWORD)
    browsers = {
        "officer": people.sign_in(OFFICER),
        "approver": people.sign_in(APPROVER),
        "auditor": people.sign_in(AUDITOR),
    }
    tokens = {
        "officer": people.token(browsers["officer"], ["requests:read", "requests:write"]),
        "approver": people.token(browsers["approver"], ["requests:read", "decisions:write"]),
        "auditor": people.token(browsers["auditor"], ["audit:read"]),
    }
    cookies = {who: browser.cookie_header for who, browser in browsers.items()}
    return people, tokens, cookies


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    app_dir = args.app_dir.resolve()
    if not (app_dir / "wsgi.py").exists():
        raise SystemExit(f"{app_dir} has no wsgi.py: give --app-dir Permit's code")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    # A plain `kill` still stops the servers and drops the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    facts: dict[str, Any] = {"started": datetime.now(UTC), "load_start": os.getloadavg()}
    facts["code"], digest = code_version(app_dir), code_digest(app_dir)
    folder = Path(tempfile.mkdtemp(prefix="permit-load-"))
    db: Database = Sqlite(folder) if args.database == "sqlite" else Postgres()
    seeding_env, production = environments(db, args.redis_db)
    servers: list[Instance] = []
    try:
        note(f"{db.name} database at {db.url}; Permit's code in {app_dir}; files in {folder}")
        db.create()
        facts["seeding"] = seed(db, app_dir, seeding_env, args)
        facts["requests"] = db.rows("SELECT count(*) FROM access_requests")[0][0]
        facts["events"] = db.rows("SELECT count(*) FROM audit_events")[0][0]
        floor_env = {**seeding_env, "PERMIT_ENV": ""}
        floor_init = [sys.executable, str(BENCH / "floor.py"), "init"]
        run_quietly([*floor_init, "--rows", str(facts["requests"])], cwd=BENCH, env=floor_env)
        db.after_seeding()

        note(f"starting Permit and the floor: gunicorn -w {args.workers}")
        permit = start_gunicorn(
            "Permit", "wsgi:app", cwd=app_dir, env=production, workers=args.workers,
            log=folder / "permit.log", ready="/healthz",
        )  # fmt: skip
        servers.append(permit)
        floor = start_gunicorn(
            "floor", "floor:app", cwd=BENCH, env=floor_env, workers=args.workers,
            log=folder / "floor.log", ready="/rows",
        )  # fmt: skip
        servers.append(floor)

        note("signing in the officer, the approver and the auditor; making API tokens")
        people, tokens, cookies = sign_in_everyone(permit.port)
        # The officer's request page: their first approved request (seed-demo's, which
        # went through every stage by the real operations).
        request_page = db.rows(
            "SELECT r.reference FROM access_requests r JOIN users u ON "
            "u.department_id = r.department_id WHERE u.email = ? AND r.status = 'approved' "
            "ORDER BY r.id LIMIT 1",
            (OFFICER,),
        )[0][0]
        calls = make_calls(folder, tokens, cookies, request_page)
        if args.calls == "all":
            calls = [call for call in calls if call.name not in REFERENCE_CALLS]
        else:
            calls = [call for call in calls if call.name in args.calls.split(",")]
        pools = Pools(db, folder, permit.port, tokens["officer"])

        note("capturing each call's SQL in-process (bench/load_capture.py)")
        specs = capture_specs(calls, pools, tokens)
        steps = capture(calls, specs, app_dir, production, folder)

        wrk = Wrk(folder, args.threads, args.connections)
        ctx = Context(args, wrk, floor, permit, pools, people, cookies)
        for call in calls:
            note(call.label)
            measure_call(call, ctx)
            if call.kind != "write":
                note(f"  replaying its SQL {args.replays} times")
                replay_sql(call, steps[call.name], db, args.replays)

        for server in servers:
            server.stop()
        note("verifying the audit chain after the run")
        try:
            verify = run_quietly(flask_command("audit", "verify"), cwd=app_dir, env=seeding_env)
            facts["verified"] = verify.strip().splitlines()[0]
        except RuntimeError as error:
            facts["verified"] = f"audit verify FAILED: {str(error)[-300:]}"
        if code_digest(app_dir) != digest:
            facts["code"] += " (WARNING: the measured code changed on disk during this run)"
        print(report(calls, db, args, facts))
    finally:
        for server in servers:
            server.stop()
        stop_all()
        if args.keep:
            note(f"kept: {db.url} and {folder}")
        else:
            db.drop()
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
