"""Fifty approvers decide the same stage at the same instant, against two real gunicorn
instances on one PostgreSQL database, the calls spread over both: through the JSON API,
and through the decision page. Exactly one decision is made; the other 49 are told the
request moved on (409, or 412 for a stale If-Match), never a 5xx; the chain verifies.
And fifty POSTs with one Idempotency-Key at once create one request.

One test, one deployment, three races: starting two instances costs more than a race.
tests/api/test_race.py and tests/api/test_idempotency.py do the same in one process.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from tests.faults.deployment import DRAFT, Deployment, api, decision_form, signed_in

pytestmark = pytest.mark.faults

RACERS = 50


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run each prepared call in a thread of its own, all released at once."""
    start = threading.Barrier(len(calls))
    answers: list[Any] = [None] * len(calls)

    def run(number: int) -> None:
        prepared = calls[number]()  # the read before the race: a page, an ETag
        start.wait()
        answers[number] = prepared()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a call never finished"
    return answers


def decisions_on(deployment: Deployment, reference: str) -> int:
    rows = deployment.rows(
        "SELECT count(*) FROM decisions d JOIN access_requests r ON r.id = d.request_id"
        " WHERE r.reference = %s",
        reference,
    )
    return int(rows[0][0])


def test_fifty_at_once_make_one_decision_through_api_and_web_and_one_request(
    deployment: Deployment,
):
    cast = deployment.cast(approvers=RACERS, requests=2)
    a, b = deployment.pair()
    ports = [a.port, b.port]
    by_api, on_the_web = cast["requests"]
    said = [
        api_race(deployment, cast, ports, by_api),
        web_race(deployment, cast, ports, on_the_web),
        idempotency_race(deployment, cast, ports),
    ]
    verified = deployment.verify_chain()
    assert verified.startswith("Audit chain OK"), verified
    print("; ".join([*said, verified]))


def api_race(deployment: Deployment, cast: dict[str, Any], ports: list[int], reference: str) -> str:
    """Each approver reads the request's ETag, then all POST their decision with it."""
    path = f"/api/v1/requests/{reference}"

    def call(number: int) -> Callable[[], Callable[[], tuple[int, str]]]:
        approver, port = cast["approvers"][number], ports[number % 2]

        def prepare() -> Callable[[], tuple[int, str]]:
            etag = api(port, "GET", path, approver["token"]).headers["ETag"]

            def decide() -> tuple[int, str]:
                answer = api(
                    port,
                    "POST",
                    path + "/decisions",
                    approver["token"],
                    body={"stage": "security", "outcome": "approve"},
                    headers={"If-Match": etag},
                )
                kind = answer.json().get("type", "") if answer.status >= 400 else ""
                return answer.status, kind.rsplit("/", 1)[-1]

            return decide

        return prepare

    answers = race([call(n) for n in range(RACERS)])
    made = [answer for answer in answers if answer[0] == 200]
    refused = Counter(answer for answer in answers if answer[0] != 200)
    assert len(made) == 1, answers
    assert {status for status, _ in refused} <= {409, 412}, refused
    assert decisions_on(deployment, reference) == 1
    return f"API race: 1 decision made, refused {dict(refused)}"


def web_race(deployment: Deployment, cast: dict[str, Any], ports: list[int], reference: str) -> str:
    """Each approver opens the decision page, then all send its form at once."""
    path = f"/review/{reference}/decide"

    def call(number: int) -> Callable[[], Callable[[], int]]:
        approver, port = cast["approvers"][number], ports[number % 2]

        def prepare() -> Callable[[], int]:
            browser = signed_in(port, approver["cookie"])
            page = browser.call("GET", path)
            assert page.status == 200, (page.status, page.path)
            form = decision_form(page)
            return lambda: browser.call("POST", path, form=form).status

        return prepare

    statuses = Counter(race([call(n) for n in range(RACERS)]))
    # Made: back to the queue (302). Refused: the page says the stage was decided (409).
    assert statuses == {302: 1, 409: RACERS - 1}, statuses
    assert decisions_on(deployment, reference) == 1
    return f"web race: {dict(statuses)}"


def idempotency_race(deployment: Deployment, cast: dict[str, Any], ports: list[int]) -> str:
    """Fifty POSTs of one new request with one Idempotency-Key, all at once."""
    before = deployment.rows("SELECT count(*) FROM access_requests")[0][0]
    headers = {"Idempotency-Key": "fault-test-one-request"}

    def call(number: int) -> Callable[[], Callable[[], tuple[int, str, str]]]:
        port = ports[number % 2]

        def post() -> tuple[int, str, str]:
            answer = api(
                port, "POST", "/api/v1/requests", cast["officer_token"], body=DRAFT, headers=headers
            )
            body = answer.json()
            said = body.get("reference") or body.get("type", "").rsplit("/", 1)[-1]
            return answer.status, said, answer.headers.get("Idempotent-Replayed", "")

        return lambda: post

    answers = race([call(n) for n in range(RACERS)])
    after = deployment.rows("SELECT count(*) FROM access_requests")[0][0]
    assert after == before + 1
    references = {said for status, said, _ in answers if status == 201}
    assert len(references) == 1, answers  # the first answer, and replays of it

    def kind(answer: tuple[int, str, str]) -> str:
        status, said, replayed = answer
        if status == 201:
            return "replayed" if replayed == "true" else "created"
        return f"{status} {said}"

    kinds = Counter(kind(answer) for answer in answers)
    assert kinds["created"] == 1, kinds
    assert set(kinds) <= {"created", "replayed", "409 idempotency-key-in-use"}, kinds
    return f"idempotency race: {dict(kinds)}, one request made"
