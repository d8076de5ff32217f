"""Prometheus metrics (docs/metrics.md): what each process counts, and the service's state.

- app.metrics.instruments: request latency and decisions, counted by each process.
- app.metrics.hooks: where they are counted (request hooks; the session's commits).
- app.metrics.service_state: queue depth, overdue requests, the outbox, the audit chain,
  read from the database at each scrape.
- app.metrics.exposition: the scrape, from gunicorn's master on METRICS_BIND
  (gunicorn.conf.py) or, without gunicorn, from this process (`render`).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.metrics import hooks

    hooks.init_app(app)
