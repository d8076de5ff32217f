"""The metrics as Prometheus reads them, from whichever process is asked.

Under gunicorn (gunicorn.conf.py) the master serves them on METRICS_BIND, a private
address of its own that is never the public one: the workers' metrics from their files
in PROMETHEUS_MULTIPROC_DIR, added up, and the service's state read from the database at
each scrape through an engine of the master's own. The public app has no /metrics.

Elsewhere (`flask run`, the tests, a command) there is no such directory: `render()` gives
this process's own metrics, from prometheus_client's default registry, and the state.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from wsgiref.simple_server import WSGIServer

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import create_engine, make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from app.metrics.service_state import ServiceState, ServiceStateCollector, read_service_state

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
#: PostgreSQL: seconds the master waits for a connection at a scrape.
CONNECT_TIMEOUT_SECONDS = 5


class _ThisProcess(Collector):
    """The default registry's metrics (this process's own), inside another registry."""

    def collect(self) -> Iterator:
        yield from REGISTRY.collect()


def scrape_registry(read_state: Callable[[], ServiceState]) -> CollectorRegistry:
    """A registry of every metric: the processes' own, and the state `read_state` reads."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_DIR):
        MultiProcessCollector(registry)  # every process's files, added up
    else:
        registry.register(_ThisProcess())
    registry.register(ServiceStateCollector(read_state))
    return registry


def render(session: Session) -> bytes:
    """The exposition text, with the state read on `session` (such as `db.session`)."""
    return generate_latest(scrape_registry(lambda: read_service_state(session)))


def database_reader(database_url: str) -> Callable[[], ServiceState]:
    """Read the state through an engine that keeps no connection between scrapes: the
    gunicorn master forks new workers while it serves, and a forked child must not
    inherit an open connection of the master's."""
    # A database that does not answer fails the scrape's read in seconds (permit_database_up
    # 0) rather than holding one of the master's threads.
    postgresql = make_url(database_url).get_backend_name() == "postgresql"
    connect_args = {"connect_timeout": CONNECT_TIMEOUT_SECONDS} if postgresql else {}
    engine = create_engine(database_url, poolclass=NullPool, connect_args=connect_args)

    def read() -> ServiceState:
        with Session(engine) as session:
            return read_service_state(session)

    return read


def parse_bind(bind: str) -> tuple[str, int]:
    """METRICS_BIND, "HOST:PORT" ("[::1]:9464" for IPv6): the address and the port."""
    host, _, port = bind.rpartition(":")
    if not host or not port.isdecimal():
        raise ValueError(
            f"METRICS_BIND: write it as HOST:PORT, such as 127.0.0.1:9464 (got {bind!r})"
        )
    return host.strip("[]"), int(port)


def serve(bind: str, database_url: str) -> tuple[WSGIServer, threading.Thread]:
    """Serve every metric on `bind` from a daemon thread of this process (the master)."""
    host, port = parse_bind(bind)
    registry = scrape_registry(database_reader(database_url))
    return start_http_server(port, addr=host, registry=registry)
