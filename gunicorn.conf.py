"""gunicorn's settings for Permit: `gunicorn -c gunicorn.conf.py` (docs/deploy.md).

gunicorn reads this file from the directory it starts in, or from `-c`. Every value can be
changed from the environment (names below); a flag on the command line wins over both.

Variable (default): what it sets.

- GUNICORN_BIND (127.0.0.1:$PORT, PORT 8000): the public address(es), comma-separated;
  in a container, 0.0.0.0:8000.
- GUNICORN_WORKERS (WEB_CONCURRENCY, else 2 x cores + 1, at most 12): worker processes.
- GUNICORN_THREADS (1): threads per worker (more than 1: gunicorn's gthread worker).
- GUNICORN_TIMEOUT (60): seconds a request may take before its worker is killed.
- GUNICORN_GRACEFUL_TIMEOUT (30): seconds calls in flight get to finish on SIGTERM.
- GUNICORN_KEEPALIVE (5): seconds an idle keep-alive connection stays open (gthread).
- GUNICORN_MAX_REQUESTS (10000; 0: never) and GUNICORN_MAX_REQUESTS_JITTER (a tenth of
  it): requests before a worker is replaced, spread so the workers are not replaced at once.
- GUNICORN_LOG_LEVEL (info): gunicorn's own log lines.
- GUNICORN_CONTROL_SOCKET (unset: off): a path for gunicorn's control socket (gunicornc),
  one of its own for each instance.
- METRICS_BIND (unset: off): the private HOST:PORT of the Prometheus metrics
  (docs/metrics.md), one for each instance; never the public address.
- PROMETHEUS_MULTIPROC_DIR (a new temporary directory): the workers' metric files, one
  directory for each instance, emptied when gunicorn starts.

Names defined here without a leading underscore are gunicorn settings: helpers keep one.
"""

from __future__ import annotations

import glob as _glob
import os as _os
import shutil as _shutil
import sys as _sys
import tempfile as _tempfile
import time as _time
from pathlib import Path as _Path
from typing import Any as _Any

# The hooks import Permit's modules: make them importable whatever the directory.
_ROOT = str(_Path(__file__).resolve().parent)
if _ROOT not in _sys.path:
    _sys.path.insert(0, _ROOT)


def _env(name: str, default: str) -> str:
    """An environment variable; an empty one counts as unset, as in config.py."""
    return _os.environ.get(name) or default


def _whole(name: str, default: int) -> int:
    raw = _env(name, str(default))
    if not (raw.isascii() and raw.isdecimal()):
        raise SystemExit(f"{name}: give a whole number (got {raw!r})")
    return int(raw)


def _cores() -> int:
    """CPUs this process may run on (its affinity, which a container's cpuset narrows; a
    CPU quota is not seen: set GUNICORN_WORKERS there)."""
    try:
        return len(_os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return _os.cpu_count() or 1


wsgi_app = "wsgi:app"

# Where to listen. Loopback by default: a TLS proxy on the same host, or one on a private
# network once GUNICORN_BIND says so. Never the metrics address (METRICS_BIND, below).
bind = _env("GUNICORN_BIND", f"127.0.0.1:{_env('PORT', '8000')}").split(",")

# Workers: gunicorn's advice of 2 x cores + 1 for sync workers, which wait on the
# database. At most 12: each worker has its own connection pool, and the instances
# together must stay well inside PostgreSQL's max_connections (100 by default).
workers = _whole("GUNICORN_WORKERS", _whole("WEB_CONCURRENCY", min(2 * _cores() + 1, 12)))
threads = _whole("GUNICORN_THREADS", 1)

# A sync worker that has not answered within `timeout` is killed and replaced. 60 rather
# than gunicorn's 30: the audit log exports stream the whole chain in one response
# (app/screens/audit_log/download.py), and a large chain takes a while.
timeout = _whole("GUNICORN_TIMEOUT", 60)
graceful_timeout = _whole("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Only the gthread worker (GUNICORN_THREADS > 1) keeps connections alive; longer than
# gunicorn's 2 s so a proxy's pooled connection is not closed under it between calls.
keepalive = _whole("GUNICORN_KEEPALIVE", 5)

# Replace each worker after about this many requests: a leak cannot grow without end. Not
# much lower: each replaced worker leaves its metric files behind, read at every scrape.
max_requests = _whole("GUNICORN_MAX_REQUESTS", 10000)
max_requests_jitter = _whole("GUNICORN_MAX_REQUESTS_JITTER", max_requests // 10)

# The workers' heartbeat files: in memory, not on a disk that may stall (gunicorn's docs).
if _os.path.isdir("/dev/shm") and _os.access("/dev/shm", _os.W_OK):
    worker_tmp_dir = "/dev/shm"

# No preloading. create_app() makes the Flask-SQLAlchemy engine (in db.init_app) and the
# Flask-Limiter storage: objects that own sockets once used, which must never be shared
# between forked workers. Each worker builds its own app after the fork instead (a
# second or so at start), and SIGHUP then reloads new code, which a preload would not.
preload_app = False

# Forwarded headers: Permit has one reader of them, Werkzeug's ProxyFix, which trusts
# exactly PERMIT_PROXY_HOPS proxies (app/web/headers.py). gunicorn's own handling would
# set the scheme from X-Forwarded-Proto for any peer in forwarded_allow_ips (loopback by
# default) before ProxyFix runs, even with PERMIT_PROXY_HOPS=0. So gunicorn trusts no peer
# and no header: it passes the request as it came.
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
forwarder_headers = ""

# No access log: Permit logs every request itself, as JSON (app/web/logs.py), naming the
# route's pattern. gunicorn's would log the path, and /set-password/<token> holds a
# one-time secret (docs/security.md); it would also say the same thing twice.
accesslog = None
errorlog = "-"
loglevel = _env("GUNICORN_LOG_LEVEL", "info")
proc_name = "permit"

# gunicorn 27's control socket has one default path for every instance on a machine
# ($XDG_RUNTIME_DIR/gunicorn.ctl or ~/.gunicorn/gunicorn.ctl): a second instance would take
# over the first's. Off, unless an instance is given a path of its own.
if _env("GUNICORN_CONTROL_SOCKET", ""):
    control_socket = _env("GUNICORN_CONTROL_SOCKET", "")
else:
    control_socket_disable = True


# gunicorn's own lines (start, workers booted and killed, errors) as one JSON object each,
# with the field names of Permit's lines, wherever Permit writes JSON (as config.py
# decides LOG_FORMAT: PERMIT_LOG_FORMAT, else JSON outside development).
_LOG_FORMAT = _env(
    "PERMIT_LOG_FORMAT", "text" if _env("PERMIT_ENV", "development") == "development" else "json"
)


def _json_formatter() -> _Any:
    """app.web.logs' fields (time, level, name, message), and the process id."""
    from pythonjsonlogger.json import JsonFormatter

    formatter = JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(process)d",
        rename_fields={"levelname": "level", "asctime": "time"},
        datefmt="%Y-%m-%dT%H:%M:%SZ",
    )
    formatter.converter = _time.gmtime
    return formatter


if _LOG_FORMAT == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        # The root logger as gunicorn leaves it without this: no handler, so Permit's own
        # lines (which propagate, for the tests) are not written twice.
        "root": {"level": "WARNING", "handlers": []},
        "loggers": {
            "gunicorn.error": {
                "level": loglevel.upper(),
                "handlers": ["json"],
                "propagate": False,
            },
            # gunicorn sends its access lines whenever logconfig_dict is set: drop them.
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "formatters": {"json": {"()": _json_formatter}},
    }


# Prometheus metrics (docs/metrics.md), only when METRICS_BIND is set. The workers count
# in files of PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode); the master
# serves their sum and the database's gauges on METRICS_BIND, from a thread of its own.
# The variable is set here, in the master, before any worker is forked or imports
# prometheus_client, so every worker inherits it.
_METRICS_BIND = _env("METRICS_BIND", "")
_MULTIPROC = "PROMETHEUS_MULTIPROC_DIR"
#: Set when the directory is one this file made (and so removes at exit).
_MADE_HERE = "PERMIT_METRICS_DIR_MADE"

if _METRICS_BIND:
    if not _os.environ.get(_MULTIPROC):
        _shm = "/dev/shm" if _os.path.isdir("/dev/shm") else None
        _os.environ[_MULTIPROC] = _tempfile.mkdtemp(prefix="permit-metrics-", dir=_shm)
        _os.environ[_MADE_HERE] = _os.environ[_MULTIPROC]
    _os.makedirs(_os.environ[_MULTIPROC], exist_ok=True)


def on_starting(server: _Any) -> None:
    """Empty the metrics directory: files of an earlier run would be counted again."""
    if _METRICS_BIND:
        for path in _glob.glob(_os.path.join(_os.environ[_MULTIPROC], "*.db")):
            _os.remove(path)


def when_ready(server: _Any) -> None:
    """Serve the metrics on METRICS_BIND; an address that cannot be had stops gunicorn."""
    if not _METRICS_BIND:
        return
    from app.metrics.exposition import serve
    from config import Config

    try:
        httpd, _thread = serve(_METRICS_BIND, Config().SQLALCHEMY_DATABASE_URI)
    except (OSError, ValueError) as error:
        server.log.error("Metrics cannot be served on %s: %s", _METRICS_BIND, error)
        _remove_own_directory()
        raise SystemExit(1) from None
    server.permit_metrics_server = httpd
    server.log.info("Metrics at http://%s/metrics", _METRICS_BIND)


def post_fork(server: _Any, worker: _Any) -> None:
    """In the new worker: close its copy of the master's metrics socket."""
    httpd = getattr(server, "permit_metrics_server", None)
    if httpd is not None:
        httpd.socket.close()


def child_exit(server: _Any, worker: _Any) -> None:
    """A worker has gone: prometheus_client's bookkeeping for it (its counts stay)."""
    if _METRICS_BIND:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server: _Any) -> None:
    _remove_own_directory()


def _remove_own_directory() -> None:
    """The metrics directory, if this file made it (one given to it is left in place)."""
    if _METRICS_BIND and _os.environ.get(_MADE_HERE) == _os.environ.get(_MULTIPROC):
        _shutil.rmtree(_os.environ[_MULTIPROC], ignore_errors=True)
