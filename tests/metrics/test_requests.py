"""Request latency: each request counted once under its endpoint, method and status; and
the public app has no /metrics of its own."""

from __future__ import annotations

from tests.metrics.support import REQUESTS, scrape, value


def test_a_request_is_counted_under_its_endpoint_and_status(client):
    labels = {"endpoint": "health.healthz", "method": "GET", "status": "200"}
    before = value(REQUESTS, **labels)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert value(REQUESTS, **labels) == before + 3
    assert value("permit_http_request_duration_seconds_sum", **labels) > 0


def test_a_refused_request_is_counted_with_its_status(client):
    # The sign-in guard answers before any view: the request is still timed.
    labels = {"endpoint": "review.queue", "method": "GET", "status": "302"}
    before = value(REQUESTS, **labels)
    assert client.get("/review/").status_code == 302
    assert value(REQUESTS, **labels) == before + 1


def test_the_endpoint_label_is_the_route_never_the_path(client_for, world):
    admin = client_for(world.admin)
    labels = {"endpoint": "unmatched", "method": "GET", "status": "404"}
    before = value(REQUESTS, **labels)
    assert admin.get("/no-such-page/with-a-secret-in-it").status_code == 404
    assert value(REQUESTS, **labels) == before + 1
    assert not any("secret" in str(key) for key in scrape())


def test_the_public_app_does_not_answer_metrics(client, client_for, world):
    # Signed in: no such page. Signed out: sent to sign in, like any other page.
    answer = client_for(world.admin).get("/metrics")
    assert answer.status_code == 404
    assert b"permit_http_request" not in answer.data
    answer = client.get("/metrics")
    assert answer.status_code == 302
    assert b"permit_http_request" not in answer.data
