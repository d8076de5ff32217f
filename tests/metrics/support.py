"""Reading the metrics back as Prometheus would: the exposition text, parsed."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from app.extensions import db
from app.metrics.exposition import render

REQUESTS = "permit_http_request_duration_seconds_count"
DECISIONS = "permit_decisions_total"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of an exposition text, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape() -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """This process's metrics and the database's state, as a scrape would read them now."""
    db.session.rollback()  # a scrape reads what is committed
    return samples(render(db.session).decode())


def value(name: str, **labels: str) -> float:
    """One sample's value now; 0 when it has not been counted yet."""
    return scrape().get((name, frozenset(labels.items())), 0.0)
