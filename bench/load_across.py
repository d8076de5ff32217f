"""Benchmark: Permit on one gunicorn instance and on two, beside the floor (issue 18).

`bench/load.py`'s calls, seeding, pools and wrk scripts, run against three targets turn
about: the floor app (one gunicorn), Permit on one instance, and Permit on two instances
of `make prod-check`'s kind (gunicorn.conf.py, one PostgreSQL, one Redis, one SECRET_KEY),
wrk's threads spreading the calls over both (bench/wrk/report.lua, PERMIT_WRK_PORTS). Every
target runs `gunicorn -w WORKERS`. While each run lasts, it samples what limits the
second instance's gain: how busy the machine's CPUs are (/proc/stat), and what
PostgreSQL's active backends wait on (pg_stat_activity, ten times a second), the chain's
advisory lock among them.

    .venv/bin/python bench/load_across.py [--calls create,decide,queue] [--duration 10]
        [--rounds 2] [--workers 2] [--events 10000] [--keep]

It prints the table and exits 0 whatever the figures: it is a measurement.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import load  # first: it puts tools/ on sys.path

# isort: split
import instances
from load import (
    BENCH,
    PROBE_SECONDS,
    Call,
    Load,
    Pools,
    Wrk,
    WrkRun,
    environments,
    flask_command,
    make_calls,
    note,
    run_quietly,
    seed,
    sign_in_everyone,
    with_pool,
)
from load_sql import Postgres

TARGETS = ("floor", "one instance", "two instances")


class Sampler:
    """CPU use and PostgreSQL's wait events while one wrk run lasts."""

    def __init__(self, db: Postgres) -> None:
        self.db = db
        self.waits: Counter[str] = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._cpu_start = (0, 0)
        self.cpu_busy = 0.0

    @staticmethod
    def _cpu() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields) - idle, sum(fields)

    def __enter__(self) -> Sampler:
        self._cpu_start = self._cpu()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        busy, total = self._cpu()
        spent = max(total - self._cpu_start[1], 1)
        self.cpu_busy = 100 * (busy - self._cpu_start[0]) / spent

    def _sample(self) -> None:
        import psycopg

        url = self.db.url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, autocommit=True) as conn:
            while not self._stop.wait(0.1):
                rows = conn.execute(
                    "SELECT coalesce(wait_event_type || ':' || wait_event, 'on CPU') "
                    "FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() "
                    "AND datname = current_database()"
                ).fetchall()
                self.samples += 1
                self.waits.update(row[0] for row in rows)

    def top_waits(self) -> str:
        if not self.samples:
            return "-"
        busiest = self.waits.most_common(3)
        return ", ".join(f"{name} {count / self.samples:.1f}" for name, count in busiest) or "idle"


@dataclass
class Measured:
    run: WrkRun
    cpu: float
    waits: str


@dataclass
class Across:
    call: Call
    runs: dict[str, list[Measured]] = field(default_factory=lambda: {t: [] for t in TARGETS})


def spread(load_: Load, ports: list[int]) -> Load:
    return replace(load_, env={**load_.env, "PERMIT_WRK_PORTS": ",".join(map(str, ports))})


def measure(
    item: Across,
    wrk: Wrk,
    db: Postgres,
    pools: Pools,
    floor_port: int,
    ports: list[int],
    args: argparse.Namespace,
) -> None:
    call = item.call
    if call.pool:
        pools.fill(call.pool, max(200, 16 * args.threads))

    def permit_load(on: list[int]) -> Load:
        this = call.permit
        if call.pool is not None:
            time.sleep(2)  # calls still in flight when wrk stopped change their requests
            this = with_pool(this, pools.write(call.pool))
        return spread(this, on)

    probe = wrk.run("Permit", ports[0], permit_load(ports), PROBE_SECONDS)
    if call.pool in ("submit", "decide"):
        need = int(probe.rate * 1.5 * args.duration * args.rounds * 2) + 32 * args.threads
        size = pools.fill(call.pool, need)
        note(f"  {probe.rate:.0f} req/s in a {PROBE_SECONDS} s probe: {size} requests to use")
    wrk.run("floor", floor_port, call.floor, PROBE_SECONDS)
    for number in range(args.rounds):
        # Each round starts with another target, so that drift hits all three alike.
        order = TARGETS[number % 3 :] + TARGETS[: number % 3]
        for target in order:
            note(f"  round {number + 1}/{args.rounds}: {target}")
            if target == "floor":
                port, this = floor_port, call.floor
            else:
                on = ports[:1] if target == "one instance" else ports
                port, this = on[0], permit_load(on)
            with Sampler(db) as sampler:
                run = wrk.run(target, port, this, args.duration)
            item.runs[target].append(Measured(run, sampler.cpu_busy, sampler.top_waits()))


def table(items: list[Across]) -> list[str]:
    head = (
        f"{'call':<38}{'target':<16}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'÷floor':>8}"
        f"{'CPU %':>7}  PostgreSQL backends waiting, mean per sample"
    )
    lines = [head]
    for item in items:
        floor_rate = statistics.median(m.run.rate for m in item.runs["floor"])
        one_rate = statistics.median(m.run.rate for m in item.runs["one instance"])
        for target in TARGETS:
            measured = item.runs[target]
            rate = statistics.median(m.run.rate for m in measured)
            p50 = statistics.median(m.run.p50 for m in measured)
            p95 = statistics.median(m.run.p95 for m in measured)
            cpu = statistics.median(m.cpu for m in measured)
            label = item.call.label if target == "floor" else ""
            lines.append(
                f"{label:<38}{target:<16}{rate:>8.1f}{p50:>8.1f}{p95:>8.1f}"
                f"{rate / floor_rate:>8.2f}{cpu:>7.0f}  {measured[-1].waits}"
            )
        two_rate = statistics.median(m.run.rate for m in item.runs["two instances"])
        lines.append(f"{'':<38}{'two ÷ one':<16}{two_rate / one_rate:>8.2f}")
        for target in TARGETS:
            bad = sum(sum(m.run.unexpected.values()) + m.run.errors for m in item.runs[target])
            starved = sum(m.run.starved for m in item.runs[target])
            if bad or starved:
                lines.append(f"WARNING: {target}: {bad} unexpected answers, starved {starved}")
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", default="create,decide,queue")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=3_000)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn -w of every target")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk -t (even: spread evenly)")
    parser.add_argument("--redis-db", type=int, default=11)
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    app_dir = BENCH.parent
    started = datetime.now(UTC)
    folder = Path(tempfile.mkdtemp(prefix="permit-across-"))
    db = Postgres()
    seeding_env, production = environments(db, args.redis_db)
    try:
        db.create()
        seconds = seed(db, app_dir, seeding_env, args)
        rows = db.rows("SELECT count(*) FROM access_requests")[0][0]
        events = db.rows("SELECT count(*) FROM audit_events")[0][0]
        floor_env = {**seeding_env, "PERMIT_ENV": ""}
        floor_init = [sys.executable, str(BENCH / "floor.py"), "init", "--rows", str(rows)]
        run_quietly(floor_init, cwd=BENCH, env=floor_env)
        db.after_seeding()

        note(f"starting the floor and two Permit instances: gunicorn -w {args.workers} each")
        permit = [
            instances.instance(
                name, env=production, workers=args.workers, log=folder / f"{name}.log"
            ).start()
            for name in ("permit-a", "permit-b")
        ]
        floor = instances.instance(
            "floor", env=floor_env, workers=args.workers, log=folder / "floor.log",
            app="floor:app", cwd=BENCH,
        ).start(ready="/rows")  # fmt: skip
        ports = [one.port for one in permit]

        _people, tokens, cookies = sign_in_everyone(ports[0])
        calls = [c for c in make_calls(folder, tokens, cookies, "-") if c.name in args.calls]
        pools = Pools(db, folder, ports[0], tokens["officer"])
        wrk = Wrk(folder, args.threads, args.connections)
        items = [Across(call) for call in calls]
        for item in items:
            note(item.call.label)
            measure(item, wrk, db, pools, floor.port, ports, args)
        for one in [*permit, floor]:
            one.stop()
        verified = run_quietly(flask_command("audit", "verify"), cwd=app_dir, env=seeding_env)
        print(
            f"Permit across instances: PostgreSQL, {events:,} audit events and {rows:,} "
            f"requests at the start (seeded in {seconds:.0f} s), {started:%Y-%m-%d %H:%M} UTC"
        )
        print(f"Code: {load.code_version(app_dir)}")
        print(
            f"Machine: {os.cpu_count()} CPUs. Every target gunicorn -c gunicorn.conf.py "
            f"-w {args.workers} (sync); wrk -t{args.threads} -c{args.connections} "
            f"-d{args.duration:g}s, {args.rounds} rounds turn about; figures are medians. "
            "CPU %: the whole machine's (wrk and PostgreSQL included)."
        )
        print()
        print("\n".join(table(items)))
        print()
        print(f"After the run: {verified.strip().splitlines()[0]}")
    finally:
        instances.stop_all()
        if args.keep:
            note(f"kept: {db.url} and {folder}")
        else:
            db.drop()
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
