"""Permit as production runs it, on this machine: gunicorn with gunicorn.conf.py, several
instances on several ports against one PostgreSQL and one Redis, as docs/deploy.md says.

    env = production_env(database_url, redis_url="redis://127.0.0.1:6379/12")
    run_flask(["db", "upgrade"], env=env)
    instance = start_instance("a", env=env, workers=2, log=folder / "a.log")
    ...  # http://127.0.0.1:{instance.port}/
    instance.stop()

Used by `make prod-check` (tools/prod_check.py), bench/load.py and tests/faults. Standard
library only; gunicorn and flask are the programs beside the running Python.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Every process started here, stopped on any exit by stop_all().
RUNNING: list[subprocess.Popen[bytes]] = []


def program(name: str) -> str:
    """A program of the virtual environment this Python runs in (.venv/bin/NAME)."""
    path = Path(sys.executable).with_name(name)
    if not path.exists():
        raise SystemExit(f"{path} is missing: make install-dev")
    return str(path)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def production_env(
    database_url: str,
    *,
    redis_url: str | None = None,
    secret_key: str | None = None,
    **extra: str,
) -> dict[str, str]:
    """The environment of a production instance behind one TLS proxy (PERMIT_PROXY_HOPS=1:
    every call must say X-Forwarded-Proto: https). Instances that share a deployment
    share `secret_key`: a session cookie signed by one is good on the other."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PERMIT_", "FLASK_", "RATELIMIT_", "SMTP_", "NOTIFY_", "OIDC_"))
        and key not in ("DATABASE_URL", "SECRET_KEY", "REDIS_URL", "API_RATELIMIT")
        and not key.startswith(("GUNICORN_", "METRICS_", "PROMETHEUS_"))
    }
    env = {
        **inherited,
        "PERMIT_ENV": "production",
        "SECRET_KEY": secret_key or secrets.token_urlsafe(48),
        "DATABASE_URL": database_url,
        "PERMIT_PROXY_HOPS": "1",
        "PERMIT_BASE_URL": "https://127.0.0.1",
    }
    if redis_url:
        env["RATELIMIT_STORAGE_URI"] = redis_url
    if database_url.startswith("sqlite"):
        env["PERMIT_ALLOW_SQLITE"] = "1"
    env.update(extra)
    return env


def run_flask(args: Sequence[str], *, env: dict[str, str], cwd: Path = ROOT) -> str:
    """`flask --app wsgi ARGS`, which must succeed; its output."""
    argv = [program("flask"), "--app", "wsgi", *args]
    done = subprocess.run(
        argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return done.stdout


def get(port: int, path: str, *, timeout: float = 5) -> tuple[int, bytes]:
    """One plain GET to 127.0.0.1:PORT, as the proxy in front would send it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"X-Forwarded-Proto": "https"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@dataclass
class Instance:
    """One gunicorn master and its workers on 127.0.0.1:`port`."""

    name: str
    port: int
    argv: list[str]
    env: dict[str, str]
    log: Path
    cwd: Path = ROOT
    process: subprocess.Popen[bytes] | None = None
    starts: int = field(default=0)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, *, ready: str = "/healthz", timeout: float = 60) -> Instance:
        self.starts += 1
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
            )
        RUNNING.append(self.process)
        self.wait_ready(ready, timeout=timeout)
        return self

    def wait_ready(self, path: str = "/healthz", *, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                tail = self.log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"instance {self.name} stopped at start:\n{tail}")
            try:
                if get(self.port, path, timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"instance {self.name} did not answer {path} within {timeout:g} s")

    def worker_pids(self) -> list[int]:
        """The master's children (gunicorn's workers), read from /proc."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """The whole server at once, master and workers, as a crashed machine would."""
        if self.process is None:
            return
        for pid in [*self.worker_pids(), self.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """Gracefully: gunicorn finishes the calls in flight (SIGTERM)."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        if process in RUNNING:
            RUNNING.remove(process)


def instance(
    name: str,
    *,
    env: dict[str, str],
    log: Path,
    workers: int = 2,
    port: int | None = None,
    app: str = "wsgi:app",
    cwd: Path = ROOT,
) -> Instance:
    """An instance not started yet: `gunicorn -c gunicorn.conf.py` on a port of its own."""
    port = port or free_port()
    argv = [program("gunicorn"), "-c", str(ROOT / "gunicorn.conf.py")]
    argv += ["-w", str(workers), "-b", f"127.0.0.1:{port}", app]
    return Instance(name, port, argv, env, log, cwd)


def start_instance(name: str, **settings: object) -> Instance:
    return instance(name, **settings).start()  # type: ignore[arg-type]


def stop_all() -> None:
    for process in list(RUNNING):
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        RUNNING.remove(process)
