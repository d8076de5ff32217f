"""The metrics each process counts for itself: its requests and the decisions it committed.

Defined once, at import, in prometheus_client's default registry. Under gunicorn,
`PROMETHEUS_MULTIPROC_DIR` (set by gunicorn.conf.py before any worker starts) makes every
value a file of that directory, one per process, which the master adds up when scraped
(app.metrics.exposition). Every metric here has labels: a labelled metric writes nothing
until a value is counted, so a process that only imports this module leaves no file.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

#: Seconds, from a health check's few milliseconds to a long export.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUEST_DURATION = Histogram(
    "permit_http_request_duration_seconds",
    "Time to answer an HTTP request, by the route's endpoint (never the path), method and status.",
    ["endpoint", "method", "status"],
    buckets=LATENCY_BUCKETS,
)

DECISIONS = Counter(
    "permit_decisions",
    "Decisions on a stage, counted once their transaction committed.",
    ["stage", "outcome"],
)

#: The endpoint label of a request that matched no route (a 404).
UNMATCHED = "unmatched"
