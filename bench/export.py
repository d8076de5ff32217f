"""Benchmark: audit exports and their offline verification, at a million events.

Never run by the test suite. One run fills one throw-away database (SQLite or PostgreSQL)
with `seed-scale`, then measures on that same database:

1. `flask --app wsgi audit export --format csv|jsonl` (the real command, in a child
   process) against a raw dump of the same table by the database's own tool
   (`sqlite3 -csv`, `psql \\copy ... TO ... CSV`): rows per second and the ratio, target
   at least 0.5; and the export's peak memory (max RSS), target under 150 MB.
2. `tools/verify_export.py` on both export files against a loop that only hashes each
   line: rows per second and the ratio, target at least 0.5.

This machine is shared, so every figure is given twice: by CPU time (user + system of the
measured process, and on PostgreSQL also of its server backend, where a dump does most of
its work) and by wall time. Each is the best of three runs. It prints a table with
PASS/MISS against each target and exits 0 whatever the figures: it is a measurement.

    .venv/bin/python bench/export.py --database sqlite|postgresql [--events N] [--keep]

Standard library only, plus the application run through its own command line.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 3
REQUESTS = 20_000
TARGET_RATIO = 0.5
#: Peak memory target, in MB of 1,000,000 bytes (ru_maxrss is in KiB on Linux).
TARGET_MEMORY_MB = 150
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
#: What the figures depend on: named in the output, and checked for changes during the run.
MEASURED_CODE = ("app", "tools", "migrations", "config.py", "wsgi.py")
#: The measured child, if one is running: a SIGTERM to the benchmark ends it too.
RUNNING: list[subprocess.Popen[bytes]] = []
#: Runs whose PostgreSQL backend was never seen (their CPU time lacks the server's share).
MISSED: list[str] = []

#: The plain loop that verification is compared with: read each line and hash it.
HASH_LOOP = (
    "import hashlib, sys\n"
    "with open(sys.argv[1], 'rb') as f:\n"
    "    for line in f: hashlib.sha256(line).digest()\n"
)


def note(message: str) -> None:
    """Progress, on stderr, so that stdout holds only the results."""
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# Measuring one child process. ----------------------------------------------------------


@dataclass
class Run:
    wall: float
    cpu: float  # the child's user + system time (and its server backend's, if watched)
    server_cpu: float | None  # the server backend's share of `cpu`, PostgreSQL only
    max_rss_kib: int
    load: float  # one-minute load average when the run started
    stdout: str


class BackendCpu:
    """Adds up the CPU time of PostgreSQL backends (and their parallel workers) serving one
    database, by polling /proc while a child runs: the server does a dump's real work."""

    def __init__(self, postmaster_pid: int, database: str) -> None:
        self.children = Path(f"/proc/{postmaster_pid}/task/{postmaster_pid}/children")
        self.marker = f" postgres {database} "
        self.ours: dict[int, bool] = {}  # pid -> serves our database
        self.ticks: dict[int, int] = {}
        #: CPU already used by backends that were there before the run: not the run's.
        self.before: dict[int, int] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> BackendCpu:
        self._sample()
        self.before = dict(self.ticks)
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stopping.set()
        self.thread.join()

    @property
    def seconds(self) -> float:
        used = sum(ticks - self.before.get(pid, 0) for pid, ticks in self.ticks.items())
        return used / CLOCK_TICKS

    def _poll(self) -> None:
        while not self.stopping.is_set():
            self._sample()
            self.stopping.wait(0.02)
        self._sample()

    def _is_ours(self, pid: int) -> bool | None:
        """True or False once the backend has set its title; None while it has not."""
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            return False
        if not title.startswith("postgres: "):
            return None  # just forked: still the postmaster's command line
        if self.marker in title:
            return True
        leader = re.search(r"parallel worker for PID (\d+)", title)
        return leader is not None and self.ours.get(int(leader.group(1)), False)

    def _sample(self) -> None:
        try:
            pids = [int(p) for p in self.children.read_text().split()]
        except OSError:
            return
        for pid in pids:
            if self.ours.get(pid) is None:
                ours = self._is_ours(pid)
                if ours is None:
                    continue
                self.ours[pid] = ours
            if not self.ours[pid]:
                continue
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue  # it has just ended; its last sample stands
            fields = stat[stat.rindex(")") + 2 :].split()
            self.ticks[pid] = max(self.ticks.get(pid, 0), int(fields[11]) + int(fields[12]))


def measure(
    argv: Sequence[str],
    *,
    env: dict[str, str],
    stdout_path: Path | None = None,
    watch: Callable[[], BackendCpu] | None = None,
) -> Run:
    """Run `argv` to the end; its own rusage comes from os.wait4.

    Not getrusage(RUSAGE_CHILDREN): its ru_maxrss is the largest of every child reaped so
    far (seeding included), not this one's. wait4 gives the same figures for one child.
    """
    with tempfile.TemporaryFile() as out_buffer, tempfile.TemporaryFile() as err_buffer:
        out = stdout_path.open("wb") if stdout_path else out_buffer
        load = os.getloadavg()[0]
        watcher = watch() if watch else None
        try:
            if watcher:
                watcher.__enter__()
            started = time.perf_counter()
            child = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err_buffer
            )
            RUNNING.append(child)
            _pid, status, usage = os.wait4(child.pid, 0)
            RUNNING.remove(child)
            wall = time.perf_counter() - started
            child.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if watcher:
                watcher.__exit__(None, None, None)
            if stdout_path:
                out.close()
        out_buffer.seek(0)
        err_buffer.seek(0)
        text = out_buffer.read().decode(errors="replace")
        if child.returncode != 0:
            error = err_buffer.read().decode(errors="replace")
            raise RuntimeError(f"{' '.join(argv)} exited {child.returncode}:\n{text}{error}")
    server = watcher.seconds if watcher else None
    if watcher and not watcher.ticks.keys() - watcher.before.keys():
        note(f"WARNING: no server backend seen for {argv[0]}: its server CPU is missing")
        MISSED.append(" ".join(argv[:6]))
    cpu = usage.ru_utime + usage.ru_stime + (server or 0.0)
    return Run(wall, cpu, server, usage.ru_maxrss, load, text)


def run_quietly(argv: Sequence[str], env: dict[str, str] | None = None) -> str:
    """Set-up and clean-up steps: not measured, must succeed."""
    done = subprocess.run(
        argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
        )
    return done.stdout


def code_version() -> str:
    """The commit measured, and any uncommitted changes to the code that is measured."""
    try:
        head = run_quietly(["git", "log", "-1", "--format=%h %cs %s"]).strip()
        status = run_quietly(["git", "status", "--porcelain", "--", *MEASURED_CODE])
    except (OSError, RuntimeError):
        return "not a git checkout"
    changed = [line[3:] for line in status.splitlines()]
    return f"commit {head}; " + (
        f"uncommitted changes to {', '.join(changed)}" if changed else "no uncommitted changes"
    )


def code_digest() -> str:
    """A digest of the measured code as it is on disk now."""
    digest = hashlib.sha256()
    for top in MEASURED_CODE:
        path = ROOT / top
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(str(file).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


# The two databases. --------------------------------------------------------------------


class Database:
    """A throw-away database: its URL for the app, its raw dump and its row count."""

    name: str
    url: str

    def create(self) -> None:
        """Make the empty database (SQLite makes its file on first use)."""

    def after_seeding(self) -> None:
        """Settle the freshly written table before anything is measured."""

    def drop(self) -> None:
        """Remove the database (SQLite's file goes with the temporary folder)."""

    def count(self) -> int:
        raise NotImplementedError

    def dump_label(self) -> str:
        raise NotImplementedError

    def dump(self, out: Path, env: dict[str, str]) -> Run:
        raise NotImplementedError

    def watch(self) -> Callable[[], BackendCpu] | None:
        """A watcher of the server's CPU for one measured run, where there is a server."""
        return None


class Sqlite(Database):
    def __init__(self, folder: Path) -> None:
        self.path = folder / "permit.db"
        self.name = "SQLite"
        self.url = f"sqlite:///{self.path}"

    def after_seeding(self) -> None:
        # Fold the write-ahead log into the database file, so every reader sees the same file.
        run_quietly(["sqlite3", str(self.path), "PRAGMA wal_checkpoint(TRUNCATE);"])

    def count(self) -> int:
        return int(run_quietly(["sqlite3", str(self.path), "SELECT count(*) FROM audit_events"]))

    def dump_label(self) -> str:
        return "sqlite3 -csv"

    def dump(self, out: Path, env: dict[str, str]) -> Run:
        query = "SELECT * FROM audit_events ORDER BY seq"
        return measure(["sqlite3", "-csv", str(self.path), query], env=env, stdout_path=out)


class Postgres(Database):
    def __init__(self) -> None:
        self.database = f"permit_bench_{os.getpid()}"
        self.name = "PostgreSQL"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{self.database}"
        self.libpq = f"{PG_SERVER}/{self.database}"
        self.postmaster: int | None = None

    def psql(self, sql: str, url: str | None = None) -> str:
        return run_quietly(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                            url or self.libpq, "-c", sql])  # fmt: skip

    def create(self) -> None:
        self.psql(f"CREATE DATABASE {self.database}", f"{PG_SERVER}/postgres")
        backend = int(self.psql("SELECT pg_backend_pid()"))
        try:
            stat = Path(f"/proc/{backend}/stat").read_text()
            self.postmaster = int(stat[stat.rindex(")") + 2 :].split()[1])
        except OSError:
            note("the PostgreSQL server is not visible in /proc: server CPU is not counted")

    def after_seeding(self) -> None:
        # Set hint bits and statistics now, so the first measured reader does not pay.
        self.psql("VACUUM (ANALYZE) audit_events")

    def drop(self) -> None:
        self.psql(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)", f"{PG_SERVER}/postgres")

    def count(self) -> int:
        return int(self.psql("SELECT count(*) FROM audit_events"))

    def dump_label(self) -> str:
        return "psql \\copy CSV"

    def dump(self, out: Path, env: dict[str, str]) -> Run:
        copy = f"\\copy (SELECT * FROM audit_events ORDER BY seq) TO '{out}' CSV"
        return measure(["psql", "-X", "-q", self.libpq, "-c", copy], env=env, watch=self.watch())

    def watch(self) -> Callable[[], BackendCpu] | None:
        if self.postmaster is None:
            return None
        postmaster, database = self.postmaster, self.database
        return lambda: BackendCpu(postmaster, database)


# The measurements. ---------------------------------------------------------------------


@dataclass
class Series:
    """Three runs of one thing and the rows each handled."""

    label: str
    runs: list[Run] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    size: int = 0

    def add(self, run: Run, rows: int) -> None:
        self.runs.append(run)
        self.rows.append(rows)

    def rate(self, by: str) -> float:
        """Rows per second of the best run (lowest time), by "cpu" or "wall"."""
        return max(rows / getattr(run, by) for run, rows in zip(self.runs, self.rows, strict=True))

    def best(self, by: str) -> float:
        return min(getattr(run, by) for run in self.runs)

    @property
    def server_cpu(self) -> float | None:
        shares = [run.server_cpu for run in self.runs if run.server_cpu is not None]
        return min(shares) if shares else None

    @property
    def peak_mb(self) -> float:
        return max(run.max_rss_kib for run in self.runs) * 1024 / 1e6


def flask_command(*args: str) -> list[str]:
    flask = Path(sys.executable).with_name("flask")
    head = [str(flask)] if flask.exists() else [sys.executable, "-m", "flask"]
    return [*head, "--app", "wsgi", *args]


def exported_rows(run: Run) -> int:
    found = re.search(r"Exported (\d+) events", run.stdout)
    if not found:
        raise RuntimeError(f"the export did not say how many events it wrote:\n{run.stdout}")
    return int(found.group(1))


def verified_rows(run: Run) -> int:
    found = re.search(r"VERIFIED: (\d+) events", run.stdout)
    if not found:
        raise RuntimeError(f"the verifier did not verify the export:\n{run.stdout}")
    return int(found.group(1))


def measure_exports(db: Database, folder: Path, env: dict[str, str]) -> dict[str, Series]:
    """Raw dump, CSV export, JSONL export, in turn, three times: load changes hit all three."""
    series = {
        "raw": Series(f"raw dump ({db.dump_label()})"),
        "csv": Series("audit export --format csv"),
        "jsonl": Series("audit export --format jsonl"),
    }
    for repeat in range(1, REPEATS + 1):
        raw = folder / "raw.csv"
        raw.unlink(missing_ok=True)
        rows = db.count()
        note(f"run {repeat}/{REPEATS}: raw dump of {rows:,} rows")
        series["raw"].add(db.dump(raw, env), rows)
        series["raw"].size = raw.stat().st_size
        for fmt in ("csv", "jsonl"):
            out = folder / f"export.{fmt}"
            out.unlink(missing_ok=True)
            note(f"run {repeat}/{REPEATS}: audit export --format {fmt}")
            run = measure(
                flask_command("audit", "export", "--format", fmt, "--out", str(out)),
                env=env,
                watch=db.watch(),
            )
            series[fmt].add(run, exported_rows(run))
            series[fmt].size = out.stat().st_size
        raw.unlink(missing_ok=True)
    return series


def measure_verification(folder: Path, env: dict[str, str]) -> dict[str, Series]:
    verifier = str(ROOT / "tools" / "verify_export.py")
    series: dict[str, Series] = {}
    for fmt in ("csv", "jsonl"):
        series[f"verify-{fmt}"] = Series(f"tools/verify_export.py on .{fmt}")
        series[f"hash-{fmt}"] = Series(f"hash each line of .{fmt}")
    for repeat in range(1, REPEATS + 1):
        for fmt in ("csv", "jsonl"):
            path = str(folder / f"export.{fmt}")
            note(f"run {repeat}/{REPEATS}: verify_export.py export.{fmt}, then the hash loop")
            run = measure([sys.executable, verifier, path], env=env)
            rows = verified_rows(run)
            series[f"verify-{fmt}"].add(run, rows)
            series[f"hash-{fmt}"].add(
                measure([sys.executable, "-c", HASH_LOOP, path], env=env), rows
            )
            for kind in ("verify", "hash"):
                series[f"{kind}-{fmt}"].size = Path(path).stat().st_size
    return series


def compile_bytecode() -> None:
    """Compile the measured code's bytecode, as a deployment would have it. Where
    PYTHONDONTWRITEBYTECODE is set (it is on our shared machine), every command would
    otherwise compile the whole app again: 0.4 s of CPU, counted as the export's."""
    targets = [str(ROOT / top) for top in MEASURED_CODE]
    run_quietly([sys.executable, "-m", "compileall", "-q", *targets])


def measure_fixed_cost(db: Database, env: dict[str, str]) -> Series:
    """`flask --app wsgi audit head`: starting the app and one query, which every export
    pays once whatever its size (the export adds its own event and a count)."""
    series = Series("fixed cost: flask --app wsgi audit head")
    for repeat in range(1, REPEATS + 1):
        note(f"run {repeat}/{REPEATS}: audit head (the fixed cost of a command)")
        series.add(measure(flask_command("audit", "head"), env=env, watch=db.watch()), 0)
    return series


# The report. ---------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(
    db: Database,
    events: int,
    seeding: Run,
    exports: dict[str, Series],
    checks: dict[str, Series],
    fixed: Series,
    started: datetime,
    load_start: tuple[float, float, float],
    code: str,
) -> str:
    runs = [run for group in (exports, checks) for s in group.values() for run in s.runs]
    loads = [run.load for run in runs]
    load_end = os.getloadavg()
    server = db.watch() is not None
    lines = [
        f"Permit export benchmark: {db.name}, {events:,} events "
        f"(+ {REQUESTS:,} requests), {started:%Y-%m-%d %H:%M} UTC",
        f"Code: {code}",
        f"Machine: {os.cpu_count()} CPUs; load average (1, 5, 15 min) "
        f"{' '.join(f'{x:.2f}' for x in load_start)} at start, "
        f"{' '.join(f'{x:.2f}' for x in load_end)} at end; 1-min load when each run began: "
        f"{min(loads):.2f} to {max(loads):.2f}",
        f"Seeding (db upgrade excluded): {seeding.wall:.0f} s wall, {seeding.cpu:.0f} s CPU",
        "Bytecode of the measured code compiled beforehand (python -m compileall).",
        f"Each figure is the best of {REPEATS} runs (lowest CPU time and lowest wall time taken "
        f"separately); peak memory is the highest of the {REPEATS}.",
        "CPU = user + system time of the measured process"
        + (" plus its PostgreSQL server backend(s) (server share in brackets)." if server else "."),
        "",
    ]
    header = f"{'':<36}{'rows':>10}{'file MB':>9}{'CPU s':>15}{'rows/s CPU':>12}"
    header += f"{'wall s':>9}{'rows/s wall':>13}{'peak MB':>9}"
    lines.append(header)
    for group in (exports, checks):
        for s in group.values():
            cpu = f"{s.best('cpu'):.2f}"
            if s.server_cpu is not None:
                cpu += f" ({s.server_cpu:.2f})"
            lines.append(
                f"{s.label:<36}{max(s.rows):>10,}{s.size / 1e6:>9.0f}{cpu:>15}"
                f"{s.rate('cpu'):>12,.0f}{s.best('wall'):>9.2f}{s.rate('wall'):>13,.0f}"
                f"{s.peak_mb:>9.0f}"
            )
        lines.append("")
    lines.append(f"{'Target':<44}{'by CPU':>14}{'by wall':>14}")

    def ratio_line(label: str, top: Series, bottom: Series) -> None:
        cells = []
        for by in ("cpu", "wall"):
            ratio = top.rate(by) / bottom.rate(by)
            cells.append(f"{ratio:.2f} {verdict(ratio >= TARGET_RATIO)}")
        lines.append(f"{label:<44}{cells[0]:>14}{cells[1]:>14}")

    for fmt in ("csv", "jsonl"):
        ratio_line(
            f"{fmt.upper()} export / raw dump >= {TARGET_RATIO}", exports[fmt], exports["raw"]
        )
    for fmt in ("csv", "jsonl"):
        ratio_line(
            f"verify {fmt.upper()} / hash loop >= {TARGET_RATIO}",
            checks[f"verify-{fmt}"],
            checks[f"hash-{fmt}"],
        )
    for fmt in ("csv", "jsonl"):
        peak = exports[fmt].peak_mb
        cell = f"{peak:.0f} MB {verdict(peak < TARGET_MEMORY_MB)}"
        lines.append(f"{f'{fmt.upper()} export peak memory < {TARGET_MEMORY_MB} MB':<44}{cell:>14}")
    lines += ["", *fixed_cost_lines(fixed, exports)]
    for command in MISSED:
        lines.append(f"WARNING: server CPU missing from a run of {command}")
    return "\n".join(lines)


def fixed_cost_lines(fixed: Series, exports: dict[str, Series]) -> list[str]:
    """The cost every export pays once, and the ratios of what is left: not the targets
    (which count everything), but where the time per row stands."""
    cpu = f"{fixed.best('cpu'):.2f} s CPU"
    if fixed.server_cpu is not None:
        cpu += f" ({fixed.server_cpu:.2f} server)"
    lines = [
        f"Fixed cost of a command (audit head: app start-up and one query): {cpu}, "
        f"{fixed.best('wall'):.2f} s wall",
        "For information, per-row work only (each export's CPU less that fixed cost):",
    ]
    raw = exports["raw"].rate("cpu")
    for fmt in ("csv", "jsonl"):
        series = exports[fmt]
        rows = max(series.rows)
        rate = rows / max(series.best("cpu") - fixed.best("cpu"), 1e-9)
        lines.append(f"{f'{fmt.upper()} export / raw dump':<44}{rate / raw:>9.2f}")
    return lines


def stop(*_args: object) -> None:
    """On SIGTERM: end the measured child too, then clean up as on any exit."""
    for child in RUNNING:
        child.terminate()
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
    parser.add_argument("--keep", action="store_true", help="keep the database and the files")
    args = parser.parse_args(argv)

    # A plain `kill` still drops the database and the files.
    signal.signal(signal.SIGTERM, stop)
    started, load_start = datetime.now(UTC), os.getloadavg()
    code, digest = code_version(), code_digest()
    folder = Path(tempfile.mkdtemp(prefix="permit-bench-"))
    db: Database = Sqlite(folder) if args.database == "sqlite" else Postgres()
    env = {**os.environ, "DATABASE_URL": db.url, "PERMIT_ENV": "development"}
    env.pop("AUDIT_SIGNING_KEY", None)  # unsigned manifests: signing is not what is measured
    try:
        note(f"{db.name} database at {db.url}; files in {folder}")
        db.create()
        run_quietly(flask_command("db", "upgrade"), env)
        note(f"seed-scale --requests {REQUESTS} --events {args.events}")
        seeding = measure(
            flask_command("seed-scale", "--requests", str(REQUESTS), "--events", str(args.events)),
            env=env,
        )
        db.after_seeding()
        compile_bytecode()
        fixed = measure_fixed_cost(db, env)
        exports = measure_exports(db, folder, env)
        checks = measure_verification(folder, env)
        if code_digest() != digest:
            code += " (WARNING: the measured code changed on disk during this run)"
        print(report(db, args.events, seeding, exports, checks, fixed, started, load_start, code))
    finally:
        if args.keep:
            note(f"kept: {db.url} and {folder}")
        else:
            db.drop()
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
