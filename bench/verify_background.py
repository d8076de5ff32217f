"""Benchmark: checking the audit chain in the background, at a million events.

Never run by the test suite. One run fills one throw-away database (SQLite or PostgreSQL)
with `seed-scale`, starts the real worker (`flask --app wsgi notify work`, a child
process) and measures on that same database:

1. The check's rate: a full check queued as an auditor queues it and run by the worker,
   events per second between its started_at and finished_at, against `verify_database`
   called directly in a child process of its own (the baseline: what the web request
   used to do). Target: at least 0.8 of the baseline. Best of three, taking turns.
2. The audit log page while a full check runs: GET /audit-log/ as a signed-in auditor,
   one request after another through the app's test client in this process, with no
   check running and then for as long as a full check runs. Target: the 95th percentile
   during the check at most twice the 95th percentile with none.

Each figure is by wall time; the worker's CPU time (from /proc) is printed beside it. It
prints PASS or MISS against each target and exits 0 whatever the figures.

    .venv/bin/python bench/verify_background.py --database sqlite|postgresql
        [--events N] [--keep]

Uses bench/export.py's databases and helpers.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from export import (  # a sibling script, not a package
    CLOCK_TICKS,
    REQUESTS,
    ROOT,
    Database,
    Postgres,
    Sqlite,
    code_digest,
    code_version,
    compile_bytecode,
    flask_command,
    note,
    run_quietly,
)

REPEATS = 3
#: The check's rate against the direct call's, at least.
TARGET_RATE_RATIO = 0.8
#: The page's 95th percentile during a check against without one, at most.
TARGET_P95_RATIO = 2.0
#: Requests timed with no check running (after a few to warm up).
IDLE_REQUESTS = 300
WARM_UP = 20
PAGE = "/audit-log/"
AUDITOR_EMAIL = "auditor@example.gov.uk"
#: The worker, while it runs, and where each worker's output goes (by pid).
WORKER: list[subprocess.Popen[bytes]] = []
LOGS: dict[int, Path] = {}

#: The baseline, in a child process of its own: verify_database on the app's session,
#: timed around the call alone (start-up excluded, as the worker's rate excludes it).
DIRECT = """
import json, time
from app import create_app
from app.audit.verify import verify_database
from app.extensions import db
from sqlalchemy import text
app = create_app()
with app.app_context():
    db.session.execute(text("SELECT 1"))
    wall, cpu = time.perf_counter(), time.process_time()
    result = verify_database(db.session)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert result.ok, result.problem
    print(json.dumps({"count": result.count, "wall": wall, "cpu": cpu}))
"""


@dataclass
class Rate:
    """Events checked and the time they took."""

    events: int
    wall: float
    cpu: float | None

    @property
    def per_second(self) -> float:
        return self.events / self.wall


@dataclass
class Latencies:
    label: str
    seconds: list[float] = field(default_factory=list)

    def percentile(self, p: int) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# The app, in this process: queueing checks and loading the page. -----------------------


class App:
    """The application on the benchmark's database, for the test client and queries."""

    def __init__(self, url: str) -> None:
        # Quiet: a log line per request would be most of what this process does.
        os.environ.update(
            {"DATABASE_URL": url, "PERMIT_ENV": "development", "PERMIT_LOG_LEVEL": "WARNING"}
        )
        os.environ.pop("AUDIT_SIGNING_KEY", None)
        sys.path.insert(0, str(ROOT))
        from app import create_app
        from app.extensions import db

        self.app = create_app()
        self.db = db

    def sign_in_auditor(self) -> Any:
        """A test client with the demo auditor signed in, second factor and all."""
        import pyotp
        from sqlalchemy import select

        from app.models import User
        from app.models.types import utcnow
        from app.seed.demo import DEFAULT_DEMO_PASSWORD

        with self.app.app_context():
            auditor = self.db.session.scalars(select(User).where(User.email == AUDITOR_EMAIL)).one()
            auditor.totp_secret = pyotp.random_base32()
            auditor.totp_confirmed_at = utcnow()
            secret = auditor.totp_secret
            self.db.session.commit()
        client = self.app.test_client()
        form = {"email": AUDITOR_EMAIL, "password": DEFAULT_DEMO_PASSWORD}
        step = self._post(client, "/sign-in", form)
        if step.headers.get("Location") != "/sign-in/two-factor":
            raise RuntimeError(f"the auditor's sign-in went to {step.headers.get('Location')}")
        done = self._post(client, "/sign-in/two-factor", {"code": pyotp.TOTP(secret).now()})
        if done.status_code != 302:
            raise RuntimeError("the auditor's second factor was refused")
        if client.get(PAGE).status_code != 200:
            raise RuntimeError(f"the auditor cannot open {PAGE}")
        return client

    @staticmethod
    def _post(client: Any, path: str, data: dict[str, str]) -> Any:
        page = client.get(path).get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        if token is None:
            raise RuntimeError(f"{path} has no CSRF token")
        return client.post(path, data={**data, "csrf_token": token.group(1)})

    def queue_full_check(self) -> int:
        from app.audit.checks import request_check
        from app.models.audit_checks import CheckScope

        with self.app.app_context():
            check, queued = request_check(CheckScope.FULL, None)
            self.db.session.commit()
            if not queued:
                raise RuntimeError(f"check {check.id} was already waiting or running")
            return check.id

    def check_row(self, check_id: int) -> Any:
        from app.models import AuditCheck

        with self.app.app_context():
            check = self.db.session.get_one(AuditCheck, check_id)
            self.db.session.expunge(check)
            return check


# The worker, a child process. ----------------------------------------------------------


def start_worker(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """`flask notify work`, polling often, its output in `log_path`."""
    with log_path.open("ab") as log:
        worker = subprocess.Popen(
            flask_command("notify", "work"),
            cwd=ROOT,
            env={**env, "NOTIFY_POLL_SECONDS": "0.2"},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
    WORKER.append(worker)
    LOGS[worker.pid] = log_path
    return worker


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
    WORKER.remove(worker)


def cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def worker_died(worker: subprocess.Popen[bytes], check_id: int) -> RuntimeError:
    """The error to stop with, and the end of what the worker said."""
    said = LOGS[worker.pid].read_text(errors="replace").splitlines()[-20:]
    return RuntimeError(
        f"the worker exited {worker.returncode} during check {check_id}:\n" + "\n".join(said)
    )


def wait_for(app: App, check_id: int, worker: subprocess.Popen[bytes]) -> Any:
    """Poll until the worker has finished the check: its row."""
    while True:
        check = app.check_row(check_id)
        if check.status not in ("queued", "running"):
            return check
        if worker.poll() is not None:
            raise worker_died(worker, check_id)
        time.sleep(0.2)


def background_rate(app: App, worker: subprocess.Popen[bytes]) -> Rate:
    before = cpu_seconds(worker.pid)
    check = wait_for(app, app.queue_full_check(), worker)
    cpu = cpu_seconds(worker.pid) - before
    if check.status != "passed":
        raise RuntimeError(f"check {check.id} ended {check.status}: {check.problem_reason}")
    return Rate(check.checked, (check.finished_at - check.started_at).total_seconds(), cpu)


def direct_rate(env: dict[str, str]) -> Rate:
    done = json.loads(run_quietly([sys.executable, "-c", DIRECT], env))
    return Rate(done["count"], done["wall"], done["cpu"])


# The page. -----------------------------------------------------------------------------


def time_page(
    client: Any, count: int | None = None, until: Any = None
) -> list[tuple[float, float]]:
    """(start, seconds) of each GET of the page: `count` of them, or until `until()`."""
    timings = []
    while (count is None or len(timings) < count) and not (until and until()):
        start = time.time()
        began = time.perf_counter()
        response = client.get(PAGE)
        response.get_data()
        took = time.perf_counter() - began
        if response.status_code != 200:
            raise RuntimeError(f"{PAGE} answered {response.status_code}")
        timings.append((start, took))
    return timings


def page_during_a_check(
    app: App, client: Any, worker: subprocess.Popen[bytes]
) -> tuple[Latencies, Rate]:
    """The page's times while a full check runs, and that check's rate."""
    check_id = app.queue_full_check()
    state: dict[str, Any] = {"polled": 0.0, "check": None}

    def finished() -> bool:
        now = time.monotonic()
        if now - state["polled"] < 0.5:
            return False
        state["polled"] = now
        check = app.check_row(check_id)
        if worker.poll() is not None:
            raise worker_died(worker, check_id)
        state["check"] = check
        return check.status not in ("queued", "running")

    before = cpu_seconds(worker.pid)
    timings = time_page(client, until=finished)
    cpu = cpu_seconds(worker.pid) - before
    check = state["check"]
    if check.status != "passed":
        raise RuntimeError(f"check {check_id} ended {check.status}: {check.problem_reason}")
    started, ended = check.started_at.timestamp(), check.finished_at.timestamp()
    during = Latencies("GET /audit-log/ while a full check runs")
    # Only the requests wholly inside the check's run, not those while it waited.
    during.seconds = [took for start, took in timings if start >= started and start + took <= ended]
    rate = Rate(check.checked, ended - started, cpu)
    return during, rate


# The report. ---------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(
    db: Database,
    events: int,
    seeding: float,
    direct: list[Rate],
    background: list[Rate],
    loaded: Rate,
    idle: Latencies,
    during: Latencies,
    started: datetime,
    load_start: tuple[float, float, float],
    code: str,
) -> str:
    best_direct = max(direct, key=lambda r: r.per_second)
    best_background = max(background, key=lambda r: r.per_second)
    load_end = os.getloadavg()
    lines = [
        f"Permit background verification benchmark: {db.name}, {events:,} events "
        f"(+ {REQUESTS:,} requests), {started:%Y-%m-%d %H:%M} UTC",
        f"Code: {code}",
        f"Machine: {os.cpu_count()} CPUs; load average (1, 5, 15 min) "
        f"{' '.join(f'{x:.2f}' for x in load_start)} at start, "
        f"{' '.join(f'{x:.2f}' for x in load_end)} at end",
        f"Seeding (db upgrade excluded): {seeding:.0f} s wall",
        f"Rates: best of {REPEATS} by wall time, taking turns; CPU is the measured process's "
        "own (not the PostgreSQL server's).",
        "",
        f"{'':<52}{'events':>11}{'wall s':>9}{'events/s':>11}{'CPU s':>8}",
    ]

    def rate_line(label: str, rate: Rate) -> None:
        cpu = f"{rate.cpu:.2f}" if rate.cpu is not None else "-"
        lines.append(
            f"{label:<52}{rate.events:>11,}{rate.wall:>9.2f}{rate.per_second:>11,.0f}{cpu:>8}"
        )

    rate_line("verify_database, called directly (baseline)", best_direct)
    rate_line("full check run by the worker (notify work)", best_background)
    rate_line("the same, while the page below is loaded", loaded)
    lines += [
        "",
        f"{'GET /audit-log/ as an auditor, one at a time':<52}{'requests':>11}"
        f"{'p50 ms':>9}{'p95 ms':>11}{'max ms':>8}",
    ]
    for series in (idle, during):
        lines.append(
            f"{series.label:<52}{len(series.seconds):>11,}{series.percentile(50) * 1000:>9.1f}"
            f"{series.percentile(95) * 1000:>11.1f}{max(series.seconds) * 1000:>8.0f}"
        )
    rate_ratio = best_background.per_second / best_direct.per_second
    p95_ratio = during.percentile(95) / idle.percentile(95)
    lines += [
        "",
        f"{'Target':<52}{'ratio':>11}",
        f"{f'check rate / direct rate >= {TARGET_RATE_RATIO}':<52}{rate_ratio:>11.2f} "
        f"{verdict(rate_ratio >= TARGET_RATE_RATIO)}",
        f"{f'page p95 during / p95 idle <= {TARGET_P95_RATIO}':<52}{p95_ratio:>11.2f} "
        f"{verdict(p95_ratio <= TARGET_P95_RATIO)}",
        f"(for information: the check's rate while the page is loaded / direct: "
        f"{loaded.per_second / best_direct.per_second:.2f})",
    ]
    return "\n".join(lines)


def stop(*_args: object) -> None:
    """On SIGTERM: end the worker too, then clean up as on any exit."""
    for worker in WORKER:
        worker.terminate()
    sys.exit("stopped by SIGTERM")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="a fresh SQLite file, or a throw-away PostgreSQL database on 127.0.0.1:5432",
    )
    parser.add_argument("--events", type=int, default=1_000_000, help="events to seed")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args(argv)

    signal.signal(signal.SIGTERM, stop)
    started, load_start = datetime.now(UTC), os.getloadavg()
    code, digest = code_version(), code_digest()
    folder = Path(tempfile.mkdtemp(prefix="permit-bench-"))
    db: Database = Sqlite(folder) if args.database == "sqlite" else Postgres()
    env = {**os.environ, "DATABASE_URL": db.url, "PERMIT_ENV": "development"}
    env.pop("AUDIT_SIGNING_KEY", None)
    try:
        note(f"{db.name} database at {db.url}")
        db.create()
        run_quietly(flask_command("db", "upgrade"), env)
        note(f"seed-scale --requests {REQUESTS} --events {args.events}")
        seeding = time.perf_counter()
        run_quietly(
            flask_command("seed-scale", "--requests", str(REQUESTS), "--events", str(args.events)),
            env,
        )
        seeding = time.perf_counter() - seeding
        db.after_seeding()
        compile_bytecode()
        run_quietly(flask_command("notify", "work", "--once"), env)  # the demo's messages
        app = App(db.url)
        client = app.sign_in_auditor()
        log = folder / "worker.log"

        direct: list[Rate] = []
        background: list[Rate] = []
        for repeat in range(1, REPEATS + 1):
            note(f"run {repeat}/{REPEATS}: verify_database directly, then a check by the worker")
            # No worker meanwhile: on SQLite the direct call holds the write lock throughout
            # (as the web request did), and a worker waiting longer than the busy timeout
            # for it would stop with "database is locked".
            direct.append(direct_rate(env))
            worker = start_worker(env, log)
            background.append(background_rate(app, worker))
            stop_worker(worker)

        worker = start_worker(env, log)
        note(f"the page, {IDLE_REQUESTS} times with no check running")
        time_page(client, WARM_UP)
        idle = Latencies("GET /audit-log/ with no check running")
        idle.seconds = [took for _start, took in time_page(client, IDLE_REQUESTS)]
        note("the page, again and again while a full check runs")
        during, loaded = page_during_a_check(app, client, worker)
        if not during.seconds:
            raise RuntimeError("no request fell inside the check's run: too few events?")

        if code_digest() != digest:
            code += " (WARNING: the measured code changed on disk during this run)"
        print(
            report(
                db,
                args.events,
                seeding,
                direct,
                background,
                loaded,
                idle,
                during,
                started,
                load_start,
                code,
            )
        )
    finally:
        for running in list(WORKER):
            stop_worker(running)
        if args.keep:
            note(f"kept: {db.url} and {folder} (the worker's log is worker.log)")
        else:
            db.drop()
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
