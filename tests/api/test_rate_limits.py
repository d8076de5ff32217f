"""Each token has its own budget of calls (API_RATELIMIT, through the app's Flask-Limiter),
told in RateLimit-* headers on every answer; beyond it, a 429 problem with Retry-After."""

from __future__ import annotations

import time

import pytest

from tests.api.conftest import ApiClient

pytestmark = pytest.mark.asvs("11.1.4")


@pytest.fixture
def three_a_minute(app, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATELIMIT", "3 per minute")


def test_every_answer_says_how_many_calls_are_left(world, api_client_for, three_a_minute):
    api = api_client_for(world.officer)
    response = api.get("/api/v1/requests")
    assert response.headers["RateLimit-Limit"] == "3"
    assert response.headers["RateLimit-Remaining"] == "2"
    assert int(response.headers["RateLimit-Reset"]) > time.time()


def test_beyond_the_limit_a_token_gets_a_429_problem_with_retry_after(
    world, api_client_for, three_a_minute
):
    api = api_client_for(world.officer)
    codes = [api.get("/api/v1/requests").status_code for _ in range(3)]
    response = api.get("/api/v1/requests")
    assert codes == [200, 200, 200]
    assert response.status_code == 429
    assert response.content_type == "application/problem+json"
    assert response.get_json()["type"] == "https://permit.service.gov.uk/problems/rate-limited"
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert response.headers["RateLimit-Remaining"] == "0"


def test_the_budget_is_per_token_across_every_route(world, api_client_for, three_a_minute):
    busy = api_client_for(world.officer)
    busy.get("/api/v1/requests")
    busy.get("/api/v1/requests?status=draft")
    busy.post("/api/v1/requests", json={"platform": "TikTok", "kind": "new_account"})
    assert busy.get("/api/v1/requests").status_code == 429
    # Another token, even the same person's, has its own.
    assert api_client_for(world.officer).get("/api/v1/requests").status_code == 200
    assert api_client_for(world.colleague).get("/api/v1/requests").status_code == 200


def test_knowing_a_tokens_prefix_does_not_spend_its_budget(
    world, app, api_client_for, three_a_minute
):
    victim = api_client_for(world.officer)
    forger = ApiClient(app, None, f"permit_{victim.token.prefix}_" + "A" * 43)
    for _ in range(5):
        forger.get("/api/v1/requests")
    assert victim.get("/api/v1/requests").status_code == 200
